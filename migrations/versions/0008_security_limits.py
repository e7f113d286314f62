"""second-factor attempts that end: counts of wrong codes in a row, and when the code was locked;
recovery codes hashed with scrypt (a longer hash column)

Revision ID: security_limits
Revises: invitation_links
Create Date: 2026-12-01

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'security_limits'
down_revision = 'invitation_links'
branch_labels = None
depends_on = None


def upgrade(engine_name):
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name):
    globals()["downgrade_%s" % engine_name]()


def upgrade_personal():
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_failures', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('recovery_failures', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('totp_locked_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.alter_column('code_hash', existing_type=sa.String(length=128),
                              type_=sa.String(length=255), existing_nullable=False)


def downgrade_personal():
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.alter_column('code_hash', existing_type=sa.String(length=255),
                              type_=sa.String(length=128), existing_nullable=False)
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_column('totp_locked_at')
        batch_op.drop_column('recovery_failures')
        batch_op.drop_column('totp_failures')


def upgrade_responses():
    pass


def downgrade_responses():
    pass
