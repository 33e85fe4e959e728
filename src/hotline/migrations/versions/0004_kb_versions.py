"""knowledge base: article versions (who changed what) and an article status for archiving

Revision ID: 0004_kb_versions
Revises: 0003_alerts
"""
from alembic import op
import sqlalchemy as sa

revision = '0004_kb_versions'
down_revision = '0003_alerts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('kb_articles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=16), nullable=False, server_default='active'))
    op.create_table(
        'kb_article_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('actor', sa.String(length=64), nullable=False),
        sa.Column('changed', sa.JSON(), nullable=False),
        sa.Column('snapshot', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'],
                                name=op.f('fk_kb_article_versions_article_id_kb_articles')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_article_versions')),
    )
    with op.batch_alter_table('kb_article_versions', schema=None) as batch_op:
        batch_op.create_index('ix_kb_article_versions_article', ['article_id', 'version'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('kb_article_versions', schema=None) as batch_op:
        batch_op.drop_index('ix_kb_article_versions_article')
    op.drop_table('kb_article_versions')
    with op.batch_alter_table('kb_articles', schema=None) as batch_op:
        batch_op.drop_column('status')
