"""response store: sealed drafts and pending submissions released in mixed batches

Revision ID: mixed_batches
Revises: 0004
Create Date: 2026-12-01

Drafts were stored in plain text under an id derived from the link; they are dropped and made
again sealed (answers in progress at upgrade time are discarded on purpose: they are exactly
what must not stay readable). Parents whose draft is dropped start the questionnaire again.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'mixed_batches'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade(engine_name):
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name):
    globals()["downgrade_%s" % engine_name]()


def upgrade_personal():
    pass


def downgrade_personal():
    pass


def upgrade_responses():
    op.drop_table('draft')
    op.create_table('draft',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('sealed', sa.LargeBinary(), nullable=True),
    sa.Column('expires', sa.String(length=7), nullable=False),
    sa.Column('submitted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sqlite_with_rowid=False
    )
    op.create_table('pending_submission',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('questionnaire_key', sa.String(length=32), nullable=False),
    sa.Column('questionnaire_version', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('municipality_code', sa.String(length=4), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('rounds', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sqlite_with_rowid=False
    )


def downgrade_responses():
    op.drop_table('pending_submission')
    op.drop_table('draft')
    op.create_table('draft',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('questionnaire_key', sa.String(length=32), nullable=False),
    sa.Column('questionnaire_version', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=True),
    sa.Column('page', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('submitted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sqlite_with_rowid=False
    )
