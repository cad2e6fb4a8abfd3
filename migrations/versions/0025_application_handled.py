"""application_handled: each reviewer's last review event on each application (已办 without a grouped scan)

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-23 09:30:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'application_handled',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('application_id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['application_id'], ['application.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['event_id'], ['application_event.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'application_id'),
    )
    # The history recorded so far: the last of each reviewer's own (non-applicant) events on each application.
    op.execute(
        "INSERT INTO application_handled (user_id, application_id, event_id) "
        "SELECT actor_id, application_id, MAX(id) FROM application_event "
        "WHERE actor_id IS NOT NULL AND actor_role <> 'Applicant' GROUP BY actor_id, application_id"
    )
    with op.batch_alter_table('application_handled', schema=None) as batch_op:
        batch_op.create_index('ix_application_handled_user_event', ['user_id', 'event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_handled_application_id'), ['application_id'], unique=False)


def downgrade():
    op.drop_table('application_handled')
