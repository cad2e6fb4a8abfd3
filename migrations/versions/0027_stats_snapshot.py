"""stats_snapshot: dashboard figures that took long to compute, kept until the tick computes them again

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-23 11:30:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'stats_snapshot',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('figure', sa.String(length=40), nullable=False),
        sa.Column('inputs', sa.JSON(), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('computed_at', sa.DateTime(), nullable=False),
        sa.Column('seconds', sa.Float(), nullable=False),
        sa.Column('viewed_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key'),
    )
    with op.batch_alter_table('stats_snapshot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stats_snapshot_computed_at'), ['computed_at'], unique=False)


def downgrade():
    op.drop_table('stats_snapshot')
