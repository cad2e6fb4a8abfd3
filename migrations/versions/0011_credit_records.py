"""credit records and certificate revocation

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22 10:53:22.336430

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('credit_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_type', sa.Enum('person', 'unit', 'expert', name='credit_subject_type', native_enum=False, length=8), nullable=False),
    sa.Column('subject_name', sa.String(length=100), nullable=False),
    sa.Column('subject_number', sa.String(length=30), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('subject_org_id', sa.Integer(), nullable=True),
    sa.Column('content', sa.String(length=500), nullable=False),
    sa.Column('decision', sa.String(length=500), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('recorder_org_id', sa.Integer(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=True),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('ended_by_id', sa.Integer(), nullable=True),
    sa.Column('end_reason', sa.String(length=500), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificate.id'], ),
    sa.ForeignKeyConstraint(['ended_by_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['recorder_org_id'], ['org.id'], ),
    sa.ForeignKeyConstraint(['subject_org_id'], ['org.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('credit_record', schema=None) as batch_op:
        batch_op.create_index('ix_credit_record_number_until', ['subject_number', 'valid_until'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_record_recorder_org_id'), ['recorder_org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_record_subject_org_id'), ['subject_org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_record_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revoked_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('revoke_reason', sa.String(length=500), nullable=True))




def downgrade():

    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_column('revoke_reason')
        batch_op.drop_column('revoked_at')

    with op.batch_alter_table('credit_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_record_user_id'))
        batch_op.drop_index(batch_op.f('ix_credit_record_subject_org_id'))
        batch_op.drop_index(batch_op.f('ix_credit_record_recorder_org_id'))
        batch_op.drop_index('ix_credit_record_number_until')

    op.drop_table('credit_record')

