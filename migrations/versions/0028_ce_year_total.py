"""ce_year_total: each person's approved CE hours and 门数 per year (年度认证情况 without summing every record)

Revision ID: 0028
Revises: 0027
Create Date: 2026-11-23 12:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ce_year_total',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('public_hours', sa.Numeric(precision=8, scale=1), nullable=False),
        sa.Column('public_courses', sa.Integer(), nullable=False),
        sa.Column('professional_hours', sa.Numeric(precision=8, scale=1), nullable=False),
        sa.Column('professional_courses', sa.Integer(), nullable=False),
        sa.Column('elective_hours', sa.Numeric(precision=8, scale=1), nullable=False),
        sa.Column('elective_courses', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'year'),
    )
    # The records approved so far, summed per person and year.
    sums = ", ".join(
        f"COALESCE(SUM(CASE WHEN course_type = '{kind}' THEN recognised_hours END), 0), "
        f"COUNT(CASE WHEN course_type = '{kind}' THEN id END)" for kind in ("public", "professional", "elective"))
    op.execute(
        "INSERT INTO ce_year_total (user_id, year, public_hours, public_courses, professional_hours, "
        "professional_courses, elective_hours, elective_courses) "
        f"SELECT user_id, year, {sums} FROM ce_record WHERE status = 'approved' GROUP BY user_id, year"
    )


def downgrade():
    op.drop_table('ce_year_total')
