"""dashboard indexes: a unit's and a committee's applications by year of submission

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-22 14:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.create_index('ix_application_unit_submitted', ['unit_id', 'submitted_at', 'state'], unique=False)
        batch_op.create_index('ix_application_committee_submitted', ['committee_id', 'submitted_at', 'state'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_index('ix_application_committee_submitted')
        batch_op.drop_index('ix_application_unit_submitted')
