"""live session sequence and cancellation

A session's iCalendar SEQUENCE (raised by each reschedule and by the cancellation), and when and
why it was cancelled.

Revision ID: d13c2e9a7733
Revises: 7f7c7fa6c9ce
Create Date: 2026-12-05 09:12:00.000000

"""
from alembic import op
import sqlalchemy as sa

import lms.database


# revision identifiers, used by Alembic.
revision = 'd13c2e9a7733'
down_revision = '7f7c7fa6c9ce'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('live_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sequence', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('cancelled_at', lms.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('cancel_reason', sa.String(length=500), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('live_sessions', schema=None) as batch_op:
        batch_op.drop_column('cancel_reason')
        batch_op.drop_column('cancelled_at')
        batch_op.drop_column('sequence')
