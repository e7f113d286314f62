"""staff accounts, delivery attempts, invitation contact details and reminders

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

FK_CREATED_BY = 'fk_invitation_created_by_id_staff_user'
UQ_FORM_NONCE = 'uq_invitation_form_nonce'


def upgrade(engine_name):
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name):
    globals()["downgrade_%s" % engine_name]()


def upgrade_personal():
    op.create_table('staff_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('session_token', sa.String(length=43), nullable=False),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], ),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('email')
    )
    op.create_table('delivery_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invitation_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('error_code', sa.String(length=64), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['invitation_id'], ['invitation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        # Existing invitations have had no reminders.
        batch_op.add_column(
            sa.Column('reminders_sent', sa.Integer(), nullable=False, server_default='0')
        )
        batch_op.add_column(sa.Column('last_sent_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('created_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(FK_CREATED_BY, 'staff_user', ['created_by_id'], ['id'])
        batch_op.add_column(sa.Column('form_nonce', sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(UQ_FORM_NONCE, ['form_nonce'])


def downgrade_personal():
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_constraint(UQ_FORM_NONCE, type_='unique')
        batch_op.drop_column('form_nonce')
        batch_op.drop_constraint(FK_CREATED_BY, type_='foreignkey')
        batch_op.drop_column('created_by_id')
        batch_op.drop_column('last_sent_at')
        batch_op.drop_column('reminders_sent')
        batch_op.drop_column('email')
        batch_op.drop_column('phone')

    op.drop_table('delivery_attempt')
    op.drop_table('staff_user')


def upgrade_responses():
    pass


def downgrade_responses():
    pass
