"""continuing education records and policies (the national rule and Guangdong's split shipped as data)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22 11:32:41.225222

"""
import datetime as dt

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    policy = op.create_table('ce_policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=32), nullable=True),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('min_total', sa.Numeric(precision=6, scale=1), nullable=False),
    sa.Column('professional_share_numerator', sa.Integer(), nullable=False),
    sa.Column('professional_share_denominator', sa.Integer(), nullable=False),
    sa.Column('min_public', sa.Numeric(precision=6, scale=1), nullable=True),
    sa.Column('min_professional', sa.Numeric(precision=6, scale=1), nullable=True),
    sa.Column('min_elective', sa.Numeric(precision=6, scale=1), nullable=True),
    sa.Column('hours_per_day', sa.Numeric(precision=4, scale=1), nullable=False),
    sa.Column('minutes_per_hour', sa.Integer(), nullable=False),
    sa.Column('basis', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('region_code', 'year')
    )
    op.create_table('ce_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('course_type', sa.String(length=20), nullable=False),
    sa.Column('course_name', sa.String(length=200), nullable=False),
    sa.Column('learning_form', sa.String(length=20), nullable=True),
    sa.Column('provider_name', sa.String(length=100), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('claimed_hours', sa.Numeric(precision=6, scale=1), nullable=False),
    sa.Column('recognised_hours', sa.Numeric(precision=6, scale=1), nullable=True),
    sa.Column('status', sa.Enum('draft', 'submitted', 'approved', 'returned', 'rejected', name='ce_record_status', native_enum=False, length=10), nullable=False),
    sa.Column('source', sa.Enum('claim', 'training_class', name='ce_source', native_enum=False, length=16), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('attachment_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('review_comment', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['attachment_id'], ['attachment.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['ab_user.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['org.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ce_record', schema=None) as batch_op:
        batch_op.create_index('ix_ce_record_person_year', ['user_id', 'year', 'status'], unique=False)
        batch_op.create_index('ix_ce_record_unit_queue', ['unit_id', 'status'], unique=False)


    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    op.bulk_insert(policy, [
        # 人社部令第25号 (2015): at least 90 学时 a year, 专业科目 at least two thirds.
        {"region_code": None, "year": 2016, "min_total": 90, "professional_share_numerator": 2,
         "professional_share_denominator": 3, "min_public": None, "min_professional": None, "min_elective": None,
         "hours_per_day": 8, "minutes_per_hour": 45, "basis": "专业技术人员继续教育规定（人社部令第25号）",
         "created_at": now, "updated_at": now},
        # Guangdong since 2021: 公需课 ≥ 30, 专业课 ≥ 42, 个人选修课 ≥ 18.
        {"region_code": "440000", "year": 2021, "min_total": 90, "professional_share_numerator": 2,
         "professional_share_denominator": 3, "min_public": 30, "min_professional": 42, "min_elective": 18,
         "hours_per_day": 8, "minutes_per_hour": 45, "basis": "广东省专业技术人员继续教育学时要求（2021年起）",
         "created_at": now, "updated_at": now},
    ])


def downgrade():
    with op.batch_alter_table('ce_record', schema=None) as batch_op:
        batch_op.drop_index('ix_ce_record_unit_queue')
        batch_op.drop_index('ix_ce_record_person_year')

    op.drop_table('ce_record')
    op.drop_table('ce_policy')
