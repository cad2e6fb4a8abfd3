"""待办 order index: (state, state_entered_at, id), so each state's branch of a reviewer's inbox is read in order

Revision ID: 0029
Revises: 0028
Create Date: 2026-11-23 09:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_index('ix_application_state_entered')
        batch_op.create_index('ix_application_state_entered', ['state', 'state_entered_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_index('ix_application_state_entered')
        batch_op.create_index('ix_application_state_entered', ['state', 'state_entered_at'], unique=False)
