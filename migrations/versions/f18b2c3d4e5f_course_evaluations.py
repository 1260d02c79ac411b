"""course evaluations

A course's evaluation form (from content/<course>/evaluation.yml), each class's evaluation settings,
who answered (class, user; nothing else) and each class's answers aggregated in one row with no
link to who gave them.

Revision ID: f18b2c3d4e5f
Revises: f17b2c3d4e5f
Create Date: 2026-12-03 17:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f18b2c3d4e5f'
down_revision = 'f17b2c3d4e5f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('evaluation_forms',
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('form', sa.JSON(), nullable=False),
    sa.Column('source_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_evaluation_forms_course_id_courses')),
    sa.PrimaryKeyConstraint('course_id', name=op.f('pk_evaluation_forms'))
    )
    op.create_table('class_evaluations',
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['class_id'], ['classes.id'], name=op.f('fk_class_evaluations_class_id_classes')),
    sa.PrimaryKeyConstraint('class_id', name=op.f('pk_class_evaluations'))
    )
    op.create_table('evaluation_submissions',
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['classes.id'], name=op.f('fk_evaluation_submissions_class_id_classes')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_evaluation_submissions_user_id_users')),
    sa.PrimaryKeyConstraint('class_id', 'user_id', name=op.f('pk_evaluation_submissions'))
    )
    op.create_table('evaluation_results',
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('respondents', sa.Integer(), nullable=False),
    sa.Column('tallies', sa.JSON(), nullable=False),
    sa.Column('comments', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['class_id'], ['classes.id'], name=op.f('fk_evaluation_results_class_id_classes')),
    sa.PrimaryKeyConstraint('class_id', name=op.f('pk_evaluation_results'))
    )


def downgrade():
    op.drop_table('evaluation_results')
    op.drop_table('evaluation_submissions')
    op.drop_table('class_evaluations')
    op.drop_table('evaluation_forms')
