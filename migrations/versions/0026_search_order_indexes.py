"""业务查询 order indexes: newest submission first over all applications, by state, and by state and series

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-23 10:40:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def _newest_first():
    # SQLite refuses NULLS LAST in an index; its descending order already puts NULLs last.
    nulls = '' if op.get_bind().dialect.name == 'sqlite' else ' NULLS LAST'
    return [sa.text(f'submitted_at DESC{nulls}'), sa.text('id DESC')]


def upgrade():
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_index('ix_application_state_series_submitted')
    op.create_index('ix_application_submitted_desc', 'application', _newest_first(), unique=False)
    op.create_index('ix_application_state_submitted_desc', 'application', [sa.text('state'), *_newest_first()],
                    unique=False)
    op.create_index('ix_application_state_series_submitted_desc', 'application',
                    [sa.text('state'), sa.text('series'), *_newest_first()], unique=False)


def downgrade():
    op.drop_index('ix_application_state_series_submitted_desc', table_name='application')
    op.drop_index('ix_application_state_submitted_desc', table_name='application')
    op.drop_index('ix_application_submitted_desc', table_name='application')
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.create_index('ix_application_state_series_submitted', ['state', 'series', 'submitted_at'],
                              unique=False)
