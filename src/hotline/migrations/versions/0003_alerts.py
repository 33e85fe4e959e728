"""foresight: alerts, special topics (每月一题) and their tasks

Revision ID: 0003_alerts
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = '0003_alerts'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'alerts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('detected_at', sa.DateTime(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('category', sa.String(length=16), nullable=True),
        sa.Column('district', sa.String(length=20), nullable=True),
        sa.Column('place', sa.String(length=20), nullable=True),
        sa.Column('place_level', sa.String(length=16), nullable=True),
        sa.Column('department', sa.String(length=32), nullable=True),
        sa.Column('severity', sa.String(length=16), nullable=False),
        sa.Column('score', sa.Float(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('evidence', sa.JSON(), nullable=False),
        sa.Column('dedupe_key', sa.String(length=200), nullable=False),
        sa.Column('delivered_at', sa.DateTime(), nullable=True),
        sa.Column('delivery_error', sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts')),
        sa.UniqueConstraint('dedupe_key', name=op.f('uq_alerts_dedupe_key')),
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index('ix_alerts_detected_at', ['detected_at'], unique=False)
        batch_op.create_index('ix_alerts_kind_detected', ['kind', 'detected_at'], unique=False)

    op.create_table(
        'special_topics',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('category', sa.String(length=16), nullable=True),
        sa.Column('district', sa.String(length=20), nullable=True),
        sa.Column('lead_department', sa.String(length=32), nullable=False),
        sa.Column('co_departments', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('heat_index', sa.Float(), nullable=False),
        sa.Column('evidence', sa.JSON(), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_special_topics')),
    )
    op.create_table(
        'topic_tasks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('topic_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('department', sa.String(length=32), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('done_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['topic_id'], ['special_topics.id'], name=op.f('fk_topic_tasks_topic_id_special_topics')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_topic_tasks')),
    )
    with op.batch_alter_table('topic_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_topic_tasks_topic_id'), ['topic_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('topic_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_topic_tasks_topic_id'))
    op.drop_table('topic_tasks')
    op.drop_table('special_topics')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_alerts_kind_detected')
        batch_op.drop_index('ix_alerts_detected_at')
    op.drop_table('alerts')
