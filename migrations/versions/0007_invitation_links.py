"""several links per invitation (resend keeps the earlier ones), card short codes, staff note

Revision ID: invitation_links
Revises: releases
Create Date: 2026-12-01

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'invitation_links'
down_revision = 'releases'
branch_labels = None
depends_on = None


def upgrade(engine_name):
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name):
    globals()["downgrade_%s" % engine_name]()


def upgrade_personal():
    op.create_table('invitation_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invitation_id', sa.Integer(), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['invitation_id'], ['invitation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('secret_hash')
    )
    with op.batch_alter_table('invitation_link', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_invitation_link_invitation_id'), ['invitation_id'], unique=False
        )
    # Every existing invitation's one link becomes its first row: links already sent keep working.
    op.execute(
        "INSERT INTO invitation_link (invitation_id, secret_hash, kind, created_at) "
        "SELECT id, secret_hash, 'link', created_at FROM invitation"
    )
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note', sa.String(length=40), nullable=True))


def downgrade_personal():
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_column('note')
    with op.batch_alter_table('invitation_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_link_invitation_id'))
    op.drop_table('invitation_link')


def upgrade_responses():
    pass


def downgrade_responses():
    pass
