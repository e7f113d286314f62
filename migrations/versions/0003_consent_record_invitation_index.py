"""index consent_record.invitation_id

Every parent page asks for the invitation's consent records; without this index that is a scan
of the whole table, which slows every page as invitations accumulate (bench/README.md).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade(engine_name):
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name):
    globals()["downgrade_%s" % engine_name]()


def upgrade_personal():
    with op.batch_alter_table('consent_record', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_consent_record_invitation_id'), ['invitation_id'], unique=False
        )


def downgrade_personal():
    with op.batch_alter_table('consent_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_record_invitation_id'))


def upgrade_responses():
    pass


def downgrade_responses():
    pass
