"""learners removed from a live session

Revision ID: b13a0c7e5511
Revises: c13b1d8f6622
Create Date: 2026-12-03 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import lms.database


# revision identifiers, used by Alembic.
revision = 'b13a0c7e5511'
down_revision = 'c13b1d8f6622'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('session_removals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('removed_by_id', sa.Integer(), nullable=False),
    sa.Column('removed_at', lms.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['removed_by_id'], ['users.id'], name=op.f('fk_session_removals_removed_by_id_users')),
    sa.ForeignKeyConstraint(['session_id'], ['live_sessions.id'], name=op.f('fk_session_removals_session_id_live_sessions')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_session_removals_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_removals')),
    sa.UniqueConstraint('session_id', 'user_id', name=op.f('uq_session_removals_session_id_user_id'))
    )
    with op.batch_alter_table('session_removals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_removals_session_id'), ['session_id'], unique=False)


def downgrade():
    with op.batch_alter_table('session_removals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_removals_session_id'))

    op.drop_table('session_removals')
