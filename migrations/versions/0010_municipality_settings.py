"""municipality settings and texts (sender, contact, controller, DPO, accessibility, legal
basis) and their saved versions

Revision ID: municipality_settings
Revises: sso
Create Date: 2026-12-01

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'municipality_settings'
down_revision = 'sso'
branch_labels = None
depends_on = None

_COLUMNS = (
    ('sms_sender', sa.String(length=11)),
    ('service_name', sa.String(length=100)),
    ('contact_phone', sa.String(length=30)),
    ('contact_email', sa.String(length=254)),
    ('opening_hours', sa.String(length=200)),
    ('controller_address', sa.String(length=200)),
    ('dpo_email', sa.String(length=254)),
    ('dpo_phone', sa.String(length=30)),
    ('accessibility_email', sa.String(length=254)),
    ('accessibility_reviewed_on', sa.Date()),
)


def upgrade(engine_name):
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name):
    globals()["downgrade_%s" % engine_name]()


def upgrade_personal():
    # Plain ADD COLUMN, not a batch: on SQLite a batch copies and drops the table, which the
    # foreign keys of existing invitations and users refuse.
    for name, type_ in _COLUMNS:
        op.add_column('municipality', sa.Column(name, type_, nullable=True))
    # Existing municipalities (and rows written without them) get consent, version 1.
    op.add_column('municipality', sa.Column(
        'legal_basis', sa.String(length=20), nullable=False, server_default='consent'))
    op.add_column('municipality', sa.Column(
        'consent_version', sa.Integer(), nullable=False, server_default='1'))
    op.create_table('municipality_settings_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('consent_version', sa.Integer(), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('changed_by', sa.String(length=64), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('municipality_settings_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_municipality_settings_version_municipality_id'),
                              ['municipality_id'], unique=False)


def downgrade_personal():
    with op.batch_alter_table('municipality_settings_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_municipality_settings_version_municipality_id'))
    op.drop_table('municipality_settings_version')
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later, PostgreSQL): no table copy.
    for name in ('consent_version', 'legal_basis', *(name for name, _ in reversed(_COLUMNS))):
        op.drop_column('municipality', name)


def upgrade_responses():
    pass


def downgrade_responses():
    pass
