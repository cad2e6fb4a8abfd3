"""attachment content type: 255 characters, for the Office types of portal files (.docx is 71)

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-22 15:55:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.alter_column('content_type', existing_type=sa.String(length=50), type_=sa.String(length=255),
                              existing_nullable=False)


def downgrade():
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.alter_column('content_type', existing_type=sa.String(length=255), type_=sa.String(length=50),
                              existing_nullable=False)
