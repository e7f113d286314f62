"""Migrations: one history builds both stores exactly as the models describe them."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from portal.extensions import db
from portal.stores import STORES

from .conftest import make_app


def migrated_app(tmp_path, store_urls):
    app = make_app(tmp_path, store_urls)
    with app.app_context():
        db.drop_all(bind_key=list(STORES))
        for store in STORES:
            with db.engines[store].begin() as conn:
                conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade()
    return app


def test_upgrade_builds_both_stores_as_the_models_say(tmp_path, store_urls):
    app = migrated_app(tmp_path, store_urls)
    with app.app_context():
        for store in STORES:
            with db.engines[store].connect() as conn:
                context = MigrationContext.configure(conn, opts={"compare_type": True})
                diff = compare_metadata(context, db.metadatas[store])
                assert diff == [], f"{store} store differs from its models: {diff}"
        personal_tables = set(inspect(db.engines["personal"]).get_table_names())
        response_tables = set(inspect(db.engines["responses"]).get_table_names())
    assert {"invitation", "consent_record", "alembic_version"} <= personal_tables
    assert {"identity_provider", "external_identity", "sso_used_assertion"} <= personal_tables
    assert response_tables == {
        "response", "draft", "pending_submission", "release", "release_file", "text_review",
        "alembic_version",
    }


def test_downgrade_to_base_and_up_again(tmp_path, store_urls):
    app = migrated_app(tmp_path, store_urls)
    with app.app_context():
        downgrade(revision="base")
        assert set(inspect(db.engines["responses"]).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert "response" in inspect(db.engines["responses"]).get_table_names()
