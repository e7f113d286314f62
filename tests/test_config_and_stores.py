"""Configuration that fails loudly, and two SQLite stores that wait instead of failing."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import text

from portal import create_app
from portal.config import ConfigError
from portal.extensions import db

PRODUCTION = {
    "ENV": "production",
    "SECRET_KEY": "s3cret",
    "PERSONAL_DATABASE_URL": "sqlite:///:memory:",
    "RESPONSES_DATABASE_URL": "sqlite:///:memory:",
    "BASE_URL": "https://sundhed.example.dk",
}


@pytest.mark.parametrize("missing", list(PRODUCTION)[1:])
def test_production_refuses_to_start_without_required_settings(tmp_path, monkeypatch, missing):
    for name in PRODUCTION:
        monkeypatch.delenv(f"PORTAL_{name}", raising=False)
    config = {**PRODUCTION, missing: None, "INSTANCE_PATH": str(tmp_path)}
    with pytest.raises(ConfigError, match=f"PORTAL_{missing} is not set"):
        create_app(config)


def test_production_is_the_default_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("PORTAL_ENV", raising=False)
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="PORTAL_SECRET_KEY"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_production_starts_with_its_settings_and_secure_cookies(tmp_path):
    app = create_app({**PRODUCTION, "INSTANCE_PATH": str(tmp_path)})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert app.config["PARENT_SESSION_COOKIE_NAME"].startswith("__Host-")


def test_environment_variables_configure_the_portal(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "development")
    monkeypatch.setenv("PORTAL_LINK_LIFETIME_DAYS", "14")
    monkeypatch.setenv("PORTAL_BASE_URL", "https://sundhed.example.dk")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["LINK_LIFETIME_DAYS"] == 14
    assert app.config["BASE_URL"] == "https://sundhed.example.dk"


def test_development_defaults_to_two_sqlite_files_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("PORTAL_PERSONAL_DATABASE_URL", raising=False)
    monkeypatch.delenv("PORTAL_RESPONSES_DATABASE_URL", raising=False)
    app = create_app({"ENV": "development", "INSTANCE_PATH": str(tmp_path)})
    assert app.config["PERSONAL_DATABASE_URL"] == f"sqlite:///{tmp_path}/personal.sqlite3"
    assert app.config["RESPONSES_DATABASE_URL"] == f"sqlite:///{tmp_path}/responses.sqlite3"
    # The development key is kept, so links survive a restart.
    again = create_app({"ENV": "development", "INSTANCE_PATH": str(tmp_path)})
    assert again.config["SECRET_KEY"] == app.config["SECRET_KEY"]


def test_unknown_language_setting_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="unknown language"):
        create_app({"ENV": "testing", "INSTANCE_PATH": str(tmp_path), "LANGUAGES": ["da", "xx"]})


def sqlite_only(app):
    if not app.config["PERSONAL_DATABASE_URL"].startswith("sqlite"):
        pytest.skip("SQLite-specific: the suite runs against PostgreSQL")


def test_sqlite_stores_use_wal_and_a_busy_timeout(app):
    sqlite_only(app)
    with app.app_context():
        for store in ("personal", "responses"):
            with db.engines[store].connect() as conn:
                assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
                assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000


def test_concurrent_writers_wait_instead_of_failing(app):
    """A second writer queues behind the first (BEGIN IMMEDIATE + busy timeout), no 'locked'."""
    sqlite_only(app)
    path = app.config["PERSONAL_DATABASE_URL"].removeprefix("sqlite:///")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO municipality (code, name) VALUES ('9999', 'Holder')")
    errors: list[BaseException] = []

    def write() -> None:
        try:
            with app.app_context(), db.engines["personal"].begin() as conn:
                conn.execute(text("SELECT count(*) FROM municipality")).scalar()
                conn.execute(text("INSERT INTO municipality (code, name) VALUES ('8888', 'W')"))
        except BaseException as error:
            errors.append(error)

    writer = threading.Thread(target=write)
    writer.start()
    time.sleep(0.5)
    assert writer.is_alive(), "the second writer did not wait for the lock"
    holder.execute("COMMIT")
    writer.join(timeout=10)
    assert not errors
    codes = {row[0] for row in holder.execute("SELECT code FROM municipality")}
    assert {"9999", "8888"} <= codes


def test_reads_do_not_take_the_write_lock(app, client):
    """Page views must not queue behind writers for the whole request."""
    sqlite_only(app)
    path = app.config["PERSONAL_DATABASE_URL"].removeprefix("sqlite:///")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        assert client.get("/s/page/1").status_code == 403  # reads the personal store
        assert time.monotonic() - started < 5
    finally:
        holder.execute("ROLLBACK")


def test_plain_postgresql_urls_use_the_installed_driver(tmp_path):
    app = create_app(
        {
            **PRODUCTION,
            "INSTANCE_PATH": str(tmp_path),
            "PERSONAL_DATABASE_URL": "postgresql://portal@db.example/personal",
            "RESPONSES_DATABASE_URL": "postgres://portal@db.example/responses",
        }
    )
    binds = app.config["SQLALCHEMY_BINDS"]
    assert binds["personal"] == "postgresql+psycopg://portal@db.example/personal"
    assert binds["responses"] == "postgresql+psycopg://portal@db.example/responses"
