"""order_co_departments: each order's co-departments (协办单位) as rows, so that a department's lists find them

`work_orders.co_departments` is a JSON list, and JSON queries differ between SQLite and PostgreSQL; a
join table indexed by department answers "the orders this department co-handles" on both. The lead
stays on `work_orders.department` (indexed, and filled by every loader, the simulator's bulk load
included), so only co-departments get rows. Existing orders are backfilled from the JSON list; most
have none, so the backfill reads the table once and writes little.

Revision ID: 0008_order_departments
Revises: 0007_calls_updated_at
"""
import json

import sqlalchemy as sa
from alembic import op

revision = '0008_order_departments'
down_revision = '0007_calls_updated_at'
branch_labels = None
depends_on = None

BATCH = 10_000


def upgrade() -> None:
    op.create_table(
        'order_co_departments',
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('department_code', sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(['order_id'], ['work_orders.id'],
                                name=op.f('fk_order_co_departments_order_id_work_orders')),
        sa.ForeignKeyConstraint(['department_code'], ['departments.code'],
                                name=op.f('fk_order_co_departments_department_code_departments')),
        sa.PrimaryKeyConstraint('order_id', 'department_code', name=op.f('pk_order_co_departments')),
    )
    _backfill()
    op.create_index('ix_order_co_departments_department', 'order_co_departments', ['department_code', 'order_id'])


def _backfill() -> None:
    connection = op.get_bind()
    orders = sa.table('work_orders', sa.column('id', sa.Integer), sa.column('co_departments', sa.Text))
    rows = sa.table('order_co_departments', sa.column('order_id', sa.Integer), sa.column('department_code', sa.String))
    # Compared as text: an empty list is stored as '[]' by the ORM and the simulator alike, on both backends.
    listed = sa.select(orders.c.id, orders.c.co_departments).where(
        sa.cast(orders.c.co_departments, sa.Text).notin_(['[]', 'null']))
    pending = []
    for order_id, codes in connection.execute(listed):
        codes = json.loads(codes) if isinstance(codes, str) else codes
        pending += [{'order_id': order_id, 'department_code': code} for code in dict.fromkeys(codes or [])]
        if len(pending) >= BATCH:
            connection.execute(rows.insert(), pending)
            pending = []
    if pending:
        connection.execute(rows.insert(), pending)


def downgrade() -> None:
    op.drop_index('ix_order_co_departments_department', table_name='order_co_departments')
    op.drop_table('order_co_departments')
