"""room process owners and one open hand

Each open online presence stretch records the server process holding its connection, and each
process serving the room records itself with a heartbeat (room_processes), so the stretches of a
process that is gone can be closed at once. At most one open hand per person and session: hands
raised twice by a race are lowered (all but the first) before the unique index is made.

Revision ID: c13b1d8f6622
Revises: d13c2e9a7733
Create Date: 2026-12-04 09:12:40.118204

"""
from alembic import op
import sqlalchemy as sa

import lms.database


# revision identifiers, used by Alembic.
revision = 'c13b1d8f6622'
down_revision = 'd13c2e9a7733'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('room_processes',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('pid_scope', sa.String(length=200), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('pid_started', sa.BigInteger(), nullable=True),
    sa.Column('started_at', lms.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('seen_at', lms.database.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_room_processes'))
    )
    with op.batch_alter_table('attendance_intervals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_id', sa.String(length=32), nullable=True))
        batch_op.create_index('ix_attendance_open_by_owner', ['owner_id'], unique=False, sqlite_where=sa.text('left_at IS NULL'), postgresql_where=sa.text('left_at IS NULL'))

    # A hand raised twice at the same instant left two open rows: keep the first one open.
    op.execute(
        "UPDATE hand_raises SET lowered_at = raised_at WHERE lowered_at IS NULL AND id NOT IN "
        "(SELECT min(id) FROM hand_raises WHERE lowered_at IS NULL GROUP BY session_id, user_id)"
    )
    with op.batch_alter_table('hand_raises', schema=None) as batch_op:
        batch_op.create_index('uq_hand_raises_open', ['session_id', 'user_id'], unique=True, sqlite_where=sa.text('lowered_at IS NULL'), postgresql_where=sa.text('lowered_at IS NULL'))


def downgrade():
    with op.batch_alter_table('hand_raises', schema=None) as batch_op:
        batch_op.drop_index('uq_hand_raises_open', sqlite_where=sa.text('lowered_at IS NULL'), postgresql_where=sa.text('lowered_at IS NULL'))

    with op.batch_alter_table('attendance_intervals', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_open_by_owner', sqlite_where=sa.text('left_at IS NULL'), postgresql_where=sa.text('left_at IS NULL'))
        batch_op.drop_column('owner_id')

    op.drop_table('room_processes')
