"""change_log (field-level history), operation_log.roles, and triggers making the logs append-only

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-22 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

APPEND_ONLY_TABLES = ("operation_log", "change_log", "login_log", "application_event")
POSTGRES_FUNCTION = (
    "CREATE OR REPLACE FUNCTION zp_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation'; "
    "END $$"
)


def _install_triggers():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        for table in APPEND_ONLY_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION zp_refuse_change()")
        return
    for table in APPEND_ONLY_TABLES:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")


def _drop_triggers():
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute("DROP FUNCTION IF EXISTS zp_refuse_change()")
        return
    for table in APPEND_ONLY_TABLES:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")


def upgrade():
    op.create_table(
        'change_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('roles', sa.String(length=255), nullable=True),
        sa.Column('ip', sa.String(length=45), nullable=True),
        sa.Column('change_id', sa.String(length=32), nullable=False),
        sa.Column('operation', sa.String(length=10), nullable=False),
        sa.Column('record_type', sa.String(length=60), nullable=False),
        sa.Column('record_id', sa.Integer(), nullable=True),
        sa.Column('owner_type', sa.String(length=60), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=True),
        sa.Column('field', sa.String(length=60), nullable=False),
        sa.Column('old_value', sa.Text(), nullable=True),
        sa.Column('new_value', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('change_log', schema=None) as batch_op:
        batch_op.create_index('ix_change_log_at', ['at'], unique=False)
        batch_op.create_index('ix_change_log_owner', ['owner_type', 'owner_id', 'id'], unique=False)
        batch_op.create_index('ix_change_log_record', ['record_type', 'record_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_change_log_change_id'), ['change_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_change_log_user_id'), ['user_id'], unique=False)
    # A plain ADD COLUMN (no table rebuild), so the existing log rows are never rewritten.
    op.add_column('operation_log', sa.Column('roles', sa.String(length=255), nullable=True))
    _install_triggers()


def downgrade():
    _drop_triggers()
    with op.batch_alter_table('operation_log', schema=None) as batch_op:
        batch_op.drop_column('roles')
    with op.batch_alter_table('change_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_change_log_user_id'))
        batch_op.drop_index(batch_op.f('ix_change_log_change_id'))
        batch_op.drop_index('ix_change_log_record')
        batch_op.drop_index('ix_change_log_owner')
        batch_op.drop_index('ix_change_log_at')
    op.drop_table('change_log')
