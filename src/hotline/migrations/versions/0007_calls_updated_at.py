"""call_records.updated_at: when a call row last changed in place (a callback), for the analysis copy

Calls are appended, and the copy finds new ones by id; a missed call called back later changes in
place, which nothing marked, so the copy re-read every missed call of the last 7 days on each refresh
and never saw a later callback. The column is NULL until a row first changes, so existing rows need
no backfill (the copy already holds their callbacks, and a rebuild reads them whole), and the index
holds only changed rows.

Revision ID: 0007_calls_updated_at
Revises: 0006_foresight_history
"""
import sqlalchemy as sa
from alembic import op

revision = '0007_calls_updated_at'
# The brief said '0005_drop_analytics_indexes' (the lead orders the chain); 0006 appeared meanwhile and two
# heads stop every store's migrate(), so this follows it until the lead decides.
down_revision = '0006_foresight_history'
branch_labels = None
depends_on = None

CHANGED = sa.text('updated_at IS NOT NULL')


def upgrade() -> None:
    # A plain ADD COLUMN, not a batch copy: SQLite adds a nullable column without rewriting the table.
    op.add_column('call_records', sa.Column('updated_at', sa.DateTime(), nullable=True))
    op.create_index('ix_call_records_updated_at', 'call_records', ['updated_at'], unique=False,
                    sqlite_where=CHANGED, postgresql_where=CHANGED)


def downgrade() -> None:
    op.drop_index('ix_call_records_updated_at', table_name='call_records')
    with op.batch_alter_table('call_records', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
