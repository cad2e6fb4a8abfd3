"""integrity: soft deletion columns, submission snapshots (append-only), constraints for the code's invariants

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-22 17:10:00

No table is rebuilt (SQLite's batch mode would drop and recreate tables that others reference, and with
foreign keys on, a DROP TABLE cascades into the children): on SQLite the CHECK rules are triggers raising
ABORT, on PostgreSQL real CHECK constraints; the model declares the same CHECKs for schemas built from it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

SOFT_DELETE_TABLES = (
    'profile_education', 'profile_work', 'profile_position', 'profile_training', 'profile_exam',
    'profile_achievement', 'profile_publication', 'profile_honour', 'article', 'dict_item',
)
OPEN_STATES = "state NOT IN ('draft', 'completed', 'rejected', 'terminated', 'ended')"

# (table, constraint name, condition every row satisfies)
CHECKS = (
    ('training_class', 'ck_training_class_seats', 'confirmed_count >= 0 AND confirmed_count <= capacity'),
    ('training_class', 'ck_training_class_positive', 'capacity > 0 AND days > 0 AND hours >= 0'),
    ('ce_record', 'ck_ce_record_hours',
     'claimed_hours >= 0 AND (recognised_hours IS NULL OR recognised_hours >= 0)'),
    ('ce_record', 'ck_ce_record_dates', 'end_date >= start_date'),
    ('review_batch', 'ck_review_batch_dates', 'closes_on >= opens_on'),
    ('profile_education', 'ck_profile_education_dates', 'end_date IS NULL OR end_date >= start_date'),
    ('profile_work', 'ck_profile_work_dates', 'end_date IS NULL OR end_date >= start_date'),
    ('profile_training', 'ck_profile_training_dates', 'end_date IS NULL OR end_date >= start_date'),
    ('profile_training', 'ck_profile_training_hours', 'hours > 0'),
    ('profile_achievement', 'ck_profile_achievement_dates', 'end_date IS NULL OR end_date >= start_date'),
    ('ab_user', 'ck_ab_user_id_number_normalised', "id_number = upper(id_number) AND id_number NOT LIKE '% %'"),
)
APPEND_ONLY = ('application_snapshot',)


def _sqlite() -> bool:
    return op.get_bind().dialect.name == 'sqlite'


def _sqlite_check(table: str, name: str, condition: str) -> None:
    for event in ('INSERT', 'UPDATE'):
        op.execute(
            f"CREATE TRIGGER {name}_{event.lower()} BEFORE {event} ON {table} FOR EACH ROW "
            f"WHEN NOT ({_new(condition)}) BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {name}'); END"
        )


def _new(condition: str) -> str:
    """The condition over the NEW row (SQLite triggers name the columns NEW.x)."""
    import re

    keywords = {'AND', 'OR', 'NOT', 'IS', 'NULL', 'LIKE', 'upper'}
    return re.sub(r"(?<!['%\w])([a-z_]+)(?![\w'(])",
                  lambda m: m.group(1) if m.group(1) in keywords else f"NEW.{m.group(1)}", condition)


def upgrade():
    for table in SOFT_DELETE_TABLES:
        op.add_column(table, sa.Column('deleted_at', sa.DateTime(), nullable=True))
        if _sqlite():  # SQLite adds a column with its REFERENCES clause; it cannot add a constraint later
            op.execute(f"ALTER TABLE {table} ADD COLUMN deleted_by_id INTEGER REFERENCES ab_user (id)")
        else:
            op.add_column(table, sa.Column('deleted_by_id', sa.Integer(), nullable=True))
            op.create_foreign_key(f'fk_{table}_deleted_by', table, 'ab_user', ['deleted_by_id'], ['id'])
    for table in ('review_batch', 'objection'):
        op.add_column(table, sa.Column('version', sa.Integer(), nullable=False, server_default='1'))

    op.create_table(
        'application_snapshot',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('application_id', sa.Integer(), nullable=False),
        sa.Column('submission', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['application_id'], ['application.id']),
        sa.ForeignKeyConstraint(['created_by_id'], ['ab_user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('application_id', 'submission', name='uq_application_snapshot_submission'),
    )
    op.create_index('uq_application_open', 'application', ['user_id', 'business_type'], unique=True,
                    sqlite_where=sa.text(OPEN_STATES), postgresql_where=sa.text(OPEN_STATES))

    if _sqlite():
        for table, name, condition in CHECKS:
            _sqlite_check(table, name, condition)
        for table in APPEND_ONLY:
            for event in ('UPDATE', 'DELETE'):
                op.execute(f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")
    else:
        for table, name, condition in CHECKS:
            op.create_check_constraint(name, table, condition)
        op.execute("CREATE OR REPLACE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$")
        for table in APPEND_ONLY:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       f"FOR EACH ROW EXECUTE FUNCTION refuse_change()")


def downgrade():
    if _sqlite():
        for table, name, _condition in CHECKS:
            for event in ('insert', 'update'):
                op.execute(f"DROP TRIGGER IF EXISTS {name}_{event}")
        for table in APPEND_ONLY:
            for event in ('update', 'delete'):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{event}")
    else:
        for table, name, _condition in CHECKS:
            op.drop_constraint(name, table, type_='check')
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    op.drop_index('uq_application_open', table_name='application')
    op.drop_table('application_snapshot')
    for table in ('review_batch', 'objection'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column('version')
    for table in SOFT_DELETE_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column('deleted_by_id')
            batch_op.drop_column('deleted_at')
