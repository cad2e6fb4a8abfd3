"""scale indexes: the inboxes' time-driven catch-up (公示 ends, correction deadlines) and 业务查询 by state and series

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-22 21:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.create_index('ix_application_state_publicity', ['state', 'publicity_until'], unique=False)
        batch_op.create_index('ix_application_state_deadline', ['state', 'correction_deadline'], unique=False)
        batch_op.create_index('ix_application_state_series_submitted', ['state', 'series', 'submitted_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_index('ix_application_state_series_submitted')
        batch_op.drop_index('ix_application_state_deadline')
        batch_op.drop_index('ix_application_state_publicity')
