"""grants_version: a counter that triggers on FAB's permission tables move, so each app process keeps role grants

Revision ID: 0030
Revises: 0029
Create Date: 2026-11-23 10:30:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None

GRANT_TABLES = ("ab_permission_view_role", "ab_permission_view", "ab_permission", "ab_view_menu")
POSTGRES_FUNCTION = (
    "CREATE OR REPLACE FUNCTION zp_bump_grants_version() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN UPDATE grants_version SET version = version + 1; RETURN NULL; END $$"
)


def upgrade():
    op.create_table(
        'grants_version',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),  # one row, id 1: no sequence
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.execute("INSERT INTO grants_version (id, version) VALUES (1, 1)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        for table in GRANT_TABLES:
            op.execute(f"CREATE TRIGGER {table}_grants_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                       f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION zp_bump_grants_version()")
        return
    for table in GRANT_TABLES:
        for verb in ("INSERT", "UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_grants_version_{verb.lower()} AFTER {verb} ON {table} "
                       "BEGIN UPDATE grants_version SET version = version + 1; END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in GRANT_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_grants_version ON {table}")
        op.execute("DROP FUNCTION IF EXISTS zp_bump_grants_version()")
    else:
        for table in GRANT_TABLES:
            for verb in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_grants_version_{verb}")
    op.drop_table('grants_version')
