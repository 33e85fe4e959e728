"""drop two indexes only analytics would use: order events by time, orders by category and time

Analytics reads its own DuckDB copy, never these SQLite/PostgreSQL indexes. ix_order_events_at was
the costliest index of a bulk load (six events per order, times in random order: a third of the
index rebuild at 10M orders); ix_work_orders_category_created served no query (the order list
filters category OR category_l1, which SQLite answers with a scan or the created_at index).

Revision ID: 0005_drop_analytics_indexes
Revises: 0004_kb_versions
"""
from alembic import op

revision = '0005_drop_analytics_indexes'
down_revision = '0004_kb_versions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('order_events', schema=None) as batch_op:
        batch_op.drop_index('ix_order_events_at')
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_work_orders_category_created')


def downgrade() -> None:
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.create_index('ix_work_orders_category_created', ['category', 'created_at'], unique=False)
    with op.batch_alter_table('order_events', schema=None) as batch_op:
        batch_op.create_index('ix_order_events_at', ['at'], unique=False)
