"""nominations

A unit head proposes a member of their staff for a class; its instructors or an admin decide.
At most one pending nomination per person and class.

Revision ID: f17b2c3d4e5f
Revises: f14a2b7c3d10
Create Date: 2026-12-03 17:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

import lms.database


# revision identifiers, used by Alembic.
revision = 'f17b2c3d4e5f'
down_revision = 'f14a2b7c3d10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('nominations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('nominated_by_id', sa.Integer(), nullable=False),
    sa.Column('nominated_at', lms.database.UTCDateTime(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', lms.database.UTCDateTime(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['classes.id'], name=op.f('fk_nominations_class_id_classes')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_nominations_decided_by_id_users')),
    sa.ForeignKeyConstraint(['nominated_by_id'], ['users.id'], name=op.f('fk_nominations_nominated_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_nominations_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nominations'))
    )
    with op.batch_alter_table('nominations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nominations_class_id'), ['class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_nominations_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_nominations_pending', ['class_id', 'user_id'], unique=True, sqlite_where=sa.text("state = 'pending'"), postgresql_where=sa.text("state = 'pending'"))


def downgrade():
    with op.batch_alter_table('nominations', schema=None) as batch_op:
        batch_op.drop_index('uq_nominations_pending', sqlite_where=sa.text("state = 'pending'"), postgresql_where=sa.text("state = 'pending'"))
        batch_op.drop_index(batch_op.f('ix_nominations_user_id'))
        batch_op.drop_index(batch_op.f('ix_nominations_class_id'))

    op.drop_table('nominations')
