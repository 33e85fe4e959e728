"""foresight: history kept once (day tallies, piece runs) so a scan reads only its window; the watch state

Revision ID: 0006_foresight_history
Revises: 0005_drop_analytics_indexes
"""
from alembic import op
import sqlalchemy as sa

revision = '0006_foresight_history'
down_revision = '0005_drop_analytics_indexes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'foresight_history',
        sa.Column('name', sa.String(length=16), nullable=False),
        sa.Column('first_day', sa.Date(), nullable=False),
        sa.Column('through_day', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_foresight_history')),
    )
    op.create_table(
        'foresight_tallies',
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'day', 'key', name=op.f('pk_foresight_tallies')),
    )
    with op.batch_alter_table('foresight_tallies', schema=None) as batch_op:
        batch_op.create_index('ix_foresight_tallies_kind_key', ['kind', 'key', 'day'], unique=False)
    op.create_table(
        'foresight_piece_runs',
        sa.Column('piece', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('first_day', sa.Date(), nullable=False),
        sa.Column('last_day', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('piece', 'first_day', name=op.f('pk_foresight_piece_runs')),
    )


    op.create_table(
        'foresight_watch',
        sa.Column('name', sa.String(length=16), nullable=False),
        sa.Column('scanned_to', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_foresight_watch')),
    )


def downgrade() -> None:
    op.drop_table('foresight_watch')
    op.drop_table('foresight_piece_runs')
    with op.batch_alter_table('foresight_tallies', schema=None) as batch_op:
        batch_op.drop_index('ix_foresight_tallies_kind_key')
    op.drop_table('foresight_tallies')
    op.drop_table('foresight_history')
