"""module minimum study time

A module may declare `min_minutes`: "done" is accepted only once the server-credited reading time
reaches it.

Revision ID: f14a2b7c3d10
Revises: f17a0b1c2d3e
Create Date: 2026-12-03 16:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f14a2b7c3d10'
down_revision = 'f17a0b1c2d3e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('modules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('min_minutes', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('modules', schema=None) as batch_op:
        batch_op.drop_column('min_minutes')
