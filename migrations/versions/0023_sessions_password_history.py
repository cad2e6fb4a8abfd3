"""server-side sessions (user_session), password history, and the reused-password flag of password appeals

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-22 17:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'user_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sid_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(), nullable=False),
        sa.Column('ip', sa.String(length=45), nullable=True),
        sa.Column('user_agent', sa.String(length=255), nullable=True),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.Column('ended_by_id', sa.Integer(), nullable=True),
        sa.Column('end_reason', sa.Enum('logout', 'idle', 'forced', 'replaced', 'password', name='session_end_reason',
                                        native_enum=False, length=10), nullable=True),
        sa.ForeignKeyConstraint(['ended_by_id'], ['ab_user.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('sid_hash'),
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index('ix_user_session_live', ['ended_at', 'last_seen_at'], unique=False)
        batch_op.create_index('ix_user_session_user', ['user_id', 'ended_at'], unique=False)

    op.create_table(
        'password_history',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('password_hash', sa.String(length=256), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('password_history', schema=None) as batch_op:
        batch_op.create_index('ix_password_history_user', ['user_id', 'id'], unique=False)

    with op.batch_alter_table('password_appeal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expected_password_reused', sa.Boolean(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('password_appeal', schema=None) as batch_op:
        batch_op.drop_column('expected_password_reused')
    with op.batch_alter_table('password_history', schema=None) as batch_op:
        batch_op.drop_index('ix_password_history_user')
    op.drop_table('password_history')
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index('ix_user_session_user')
        batch_op.drop_index('ix_user_session_live')
    op.drop_table('user_session')
