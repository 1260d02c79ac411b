"""unit heads

A person who heads a unit answers for the training of its staff and its sub-units' (an assignment,
any role; several heads per unit).

Revision ID: f17a0b1c2d3e
Revises: e13e4a1c9955
Create Date: 2026-12-03 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import lms.database


# revision identifiers, used by Alembic.
revision = 'f17a0b1c2d3e'
down_revision = 'e13e4a1c9955'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('unit_heads',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('assigned_at', lms.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_unit_heads_unit_id_units')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_unit_heads_user_id_users')),
    sa.PrimaryKeyConstraint('unit_id', 'user_id', name=op.f('pk_unit_heads'))
    )
    with op.batch_alter_table('unit_heads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_heads_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('unit_heads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_heads_user_id'))

    op.drop_table('unit_heads')
