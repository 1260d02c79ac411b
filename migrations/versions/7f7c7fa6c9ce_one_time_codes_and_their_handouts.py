"""one-time codes and their handouts

Activation and reset codes, stored only as a keyed hash, and the handout of an import's codes
(given out once as CSV and once as printable slips).

Revision ID: 7f7c7fa6c9ce
Revises: 4f1d0c122a1e
Create Date: 2026-12-03 11:42:35.249703

"""
from alembic import op
import sqlalchemy as sa

import lms.database


# revision identifiers, used by Alembic.
revision = '7f7c7fa6c9ce'
down_revision = '4f1d0c122a1e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('code_handouts',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', lms.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('csv_taken_at', lms.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('slips_taken_at', lms.database.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_code_handouts_created_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_code_handouts'))
    )
    op.create_table('one_time_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', lms.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', lms.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', lms.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('replaced_at', lms.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('handout_id', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_one_time_codes_created_by_users')),
    sa.ForeignKeyConstraint(['handout_id'], ['code_handouts.id'], name=op.f('fk_one_time_codes_handout_id_code_handouts')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_one_time_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_one_time_codes')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_one_time_codes_code_hash'))
    )
    with op.batch_alter_table('one_time_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_one_time_codes_handout_id'), ['handout_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_one_time_codes_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('one_time_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_one_time_codes_user_id'))
        batch_op.drop_index(batch_op.f('ix_one_time_codes_handout_id'))

    op.drop_table('one_time_codes')
    op.drop_table('code_handouts')
