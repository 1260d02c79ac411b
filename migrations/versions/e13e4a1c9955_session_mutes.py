"""session mutes

An instructor mutes one learner in one live session (chat and questions); unmuting deletes the row.

Revision ID: e13e4a1c9955
Revises: b13a0c7e5511
Create Date: 2026-12-03 15:05:00.000000

"""
from alembic import op
import sqlalchemy as sa

import lms.database


# revision identifiers, used by Alembic.
revision = 'e13e4a1c9955'
down_revision = 'b13a0c7e5511'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('session_mutes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('muted_by_id', sa.Integer(), nullable=False),
    sa.Column('muted_at', lms.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['muted_by_id'], ['users.id'], name=op.f('fk_session_mutes_muted_by_id_users')),
    sa.ForeignKeyConstraint(['session_id'], ['live_sessions.id'], name=op.f('fk_session_mutes_session_id_live_sessions')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_session_mutes_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_mutes')),
    sa.UniqueConstraint('session_id', 'user_id', name=op.f('uq_session_mutes_session_id_user_id'))
    )
    with op.batch_alter_table('session_mutes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_mutes_session_id'), ['session_id'], unique=False)


def downgrade():
    with op.batch_alter_table('session_mutes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_mutes_session_id'))

    op.drop_table('session_mutes')
