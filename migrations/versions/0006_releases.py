"""releases: frozen evaluation releases, their files, free-text reviews; invitation tallies

Revision ID: releases
Revises: mixed_batches
Create Date: 2026-12-01

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'releases'
down_revision = 'mixed_batches'
branch_labels = None
depends_on = None


def upgrade(engine_name):
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name):
    globals()["downgrade_%s" % engine_name]()


def upgrade_personal():
    op.create_table('invitation_tally',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_code', sa.String(length=4), nullable=False),
    sa.Column('questionnaire_key', sa.String(length=32), nullable=False),
    sa.Column('questionnaire_version', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('municipality_code', 'questionnaire_key', 'questionnaire_version',
                        'month', 'outcome', name='uq_invitation_tally')
    )


def downgrade_personal():
    op.drop_table('invitation_tally')


def upgrade_responses():
    op.create_table('release',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('questionnaire_key', sa.String(length=32), nullable=False),
    sa.Column('questionnaire_version', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.String(length=7), nullable=False),
    sa.Column('period_end', sa.String(length=7), nullable=False),
    sa.Column('period_length', sa.String(length=8), nullable=False),
    sa.Column('label', sa.String(length=16), nullable=False),
    sa.Column('k', sa.Integer(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('release', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_release_questionnaire_key'), ['questionnaire_key'], unique=False)
    op.create_table('release_file',
    sa.Column('release_id', sa.String(length=36), nullable=False),
    sa.Column('path', sa.String(length=64), nullable=False),
    sa.Column('media_type', sa.String(length=64), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('release_id', 'path')
    )
    op.create_table('text_review',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('response_id', sa.String(length=36), nullable=False),
    sa.Column('question_id', sa.String(length=64), nullable=False),
    sa.Column('questionnaire_key', sa.String(length=32), nullable=False),
    sa.Column('questionnaire_version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('text_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_text_review_response_id'), ['response_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_text_review_status'), ['status'], unique=False)


def downgrade_responses():
    op.drop_table('text_review')
    op.drop_table('release_file')
    with op.batch_alter_table('release', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_release_questionnaire_key'))
    op.drop_table('release')
