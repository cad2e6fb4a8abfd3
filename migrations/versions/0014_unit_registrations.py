"""unit self-registrations (单位用户注册) and their decisions

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-22 12:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('unit_registration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'approved', 'rejected', name='registration_status', native_enum=False, length=10), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['ab_user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['ab_user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('org_id')
    )
    with op.batch_alter_table('unit_registration', schema=None) as batch_op:
        batch_op.create_index('ix_unit_registration_status', ['status', 'submitted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_registration_account_id'), ['account_id'], unique=False)


def downgrade():
    with op.batch_alter_table('unit_registration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_registration_account_id'))
        batch_op.drop_index('ix_unit_registration_status')
    op.drop_table('unit_registration')
