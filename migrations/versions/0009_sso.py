"""staff sign-in through a municipality's identity provider (OIDC, SAML)

Revision ID: sso
Revises: security_limits
Create Date: 2026-12-01

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'sso'
down_revision = 'security_limits'
branch_labels = None
depends_on = None


def upgrade(engine_name):
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name):
    globals()["downgrade_%s" % engine_name]()


def upgrade_personal():
    op.create_table('identity_provider',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('protocol', sa.String(length=8), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('issuer', sa.String(length=500), nullable=False),
    sa.Column('client_id', sa.String(length=255), nullable=True),
    sa.Column('client_secret', sa.Text(), nullable=True),
    sa.Column('tenant', sa.String(length=100), nullable=True),
    sa.Column('roles_claim', sa.String(length=255), nullable=False),
    sa.Column('email_claim', sa.String(length=255), nullable=False),
    sa.Column('role_map', sa.JSON(), nullable=False),
    sa.Column('team_map', sa.JSON(), nullable=False),
    sa.Column('metadata_xml', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('municipality_id')
    )
    op.create_table('external_identity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('deactivated_token', sa.String(length=43), nullable=True),
    sa.Column('last_sign_in_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['provider_id'], ['identity_provider.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['staff_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('provider_id', 'subject'),
    sa.UniqueConstraint('user_id')
    )
    op.create_table('sso_used_assertion',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('request_id', sa.String(length=100), nullable=True),
    sa.Column('claims', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade_personal():
    op.drop_table('sso_used_assertion')
    op.drop_table('external_identity')
    op.drop_table('identity_provider')


def upgrade_responses():
    pass


def downgrade_responses():
    pass
