"""A municipality goes live: a production install follows docs/deployment.md alone, from empty
databases to a first invitation a parent can open, and start-up refuses what cannot work."""

from __future__ import annotations

import logging
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

from portal import create_app
from portal.config import ConfigError
from portal.extensions import db
from portal.models.personal import AuditEvent, Municipality, StaffUser
from portal.models.responses import Response
from portal.stores import STORES

from .conftest import Parent

ROOT = Path(__file__).resolve().parent.parent
DEPLOYMENT = ROOT / "docs" / "deployment.md"
FLASK = Path(sys.executable).parent / "flask"


def _block(marker: str) -> list[str]:
    """The lines of the fenced block right after ``<!-- marker ... -->`` in the doc."""
    text = DEPLOYMENT.read_text(encoding="utf-8")
    match = re.search(rf"<!-- {marker}:[^>]*-->\s*```\w*\n(.*?)```", text, re.S)
    assert match, f"docs/deployment.md has no block marked {marker!r}"
    return [line for line in match.group(1).splitlines() if line.strip()]


def documented_environment() -> dict[str, str]:
    return dict(
        line.split("=", 1) for line in _block("environment") if not line.startswith("#")
    )


def _production_environment(tmp_path: Path, store_urls: dict[str, str] | None) -> dict[str, str]:
    """The doc's block with its placeholders filled in, and this test's own databases."""
    environment = documented_environment()
    environment["PORTAL_SECRET_KEY"] = "a-production-secret-key-for-this-test-only-0123456789"
    urls = store_urls or {
        "personal": f"sqlite:///{tmp_path / 'personal.sqlite3'}",
        "responses": f"sqlite:///{tmp_path / 'responses.sqlite3'}",
    }
    environment["PORTAL_PERSONAL_DATABASE_URL"] = urls["personal"]
    environment["PORTAL_RESPONSES_DATABASE_URL"] = urls["responses"]
    # No Redis on the test machine; the doc's value is checked in the test below.
    environment["PORTAL_RATELIMIT_STORAGE_URI"] = "memory://"
    environment["PORTAL_SMS_TOKEN"] = "not-used"
    placeholders = [name for name, value in environment.items() if "<" in value]
    assert not placeholders, placeholders
    return environment


def _empty_stores(environment: dict[str, str], tmp_path: Path) -> None:
    """Drop every table, alembic's too: the stores are as new as a fresh install's."""
    app = create_app(
        {**_as_config(environment), "INSTANCE_PATH": str(tmp_path / "instance")}
    )
    with app.app_context():
        db.drop_all(bind_key=list(STORES))
        for store in STORES:
            with db.engines[store].begin() as connection:
                connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        for engine in db.engines.values():
            engine.dispose()


def _as_config(environment: dict[str, str]) -> dict[str, object]:
    config: dict[str, object] = {
        name.removeprefix("PORTAL_"): value
        for name, value in environment.items()
        if name.startswith("PORTAL_")
    }
    config["PROXY_FIX_X_FOR"] = int(str(config["PROXY_FIX_X_FOR"]))
    return config


def test_the_environment_block_is_complete():
    environment = documented_environment()
    for name in ("PORTAL_ENV", "PORTAL_SECRET_KEY", "PORTAL_PERSONAL_DATABASE_URL",
                 "PORTAL_RESPONSES_DATABASE_URL", "PORTAL_BASE_URL", "PORTAL_PROXY_FIX_X_FOR",
                 "PORTAL_RATELIMIT_STORAGE_URI"):
        assert name in environment, name
    assert environment["PORTAL_ENV"] == "production"
    assert environment["PORTAL_BASE_URL"].startswith("https://")
    assert environment["PORTAL_PROXY_FIX_X_FOR"] == "1"
    assert environment["PORTAL_RATELIMIT_STORAGE_URI"].startswith("redis://")
    # The reason stands beside the proxy setting, in the block itself.
    block = "\n".join(_block("environment"))
    assert "X-Forwarded-For" in block and "127.0.0.1" in block


def test_a_fresh_production_install_reaches_its_first_invitation(tmp_path, store_urls):
    """Runs the doc's commands, as written, with PORTAL_ENV=production (on PostgreSQL when
    PORTAL_TEST_POSTGRES_URL is set), then opens the printed link as a parent."""
    environment = _production_environment(tmp_path, store_urls)
    _empty_stores(environment, tmp_path)
    child_environment = {
        key: value for key, value in os.environ.items() if not key.startswith("PORTAL_")
    }
    child_environment.update(environment)
    outputs = []
    for line in _block("first-invitation"):
        command = shlex.split(line)
        assert command[0] == "flask", line
        result = subprocess.run(
            [str(FLASK), *command[1:]],
            cwd=ROOT, env=child_environment, capture_output=True, text=True, timeout=120,
        )
        assert result.returncode == 0, f"{line}\n{result.stdout}\n{result.stderr}"
        outputs.append(result.stdout)

    base_url = environment["PORTAL_BASE_URL"]
    password_link = re.search(rf"{re.escape(base_url)}/staff/set-password/\S+", outputs[-2])
    assert password_link, outputs[-2]
    invitation_link = outputs[-1].strip().splitlines()[-1]
    assert invitation_link.startswith(f"{base_url}/s/")

    app = create_app({**_as_config(environment), "INSTANCE_PATH": str(tmp_path / "instance")})
    try:
        with app.app_context():
            municipality = db.session.execute(db.select(Municipality)).scalar_one()
            assert (municipality.code, municipality.dpo_email) == ("0240", "dpo@egedal.dk")
            admin = db.session.execute(db.select(StaffUser)).scalar_one()
            assert (admin.role, admin.password_hash) == ("admin", None)
            assert db.session.execute(db.select(Response.id)).first() is None  # no demo data
        client = app.test_client()
        client.environ_base.update({"wsgi.url_scheme": "https", "HTTP_HOST": "sundhed.example.dk"})
        # The administrator's one-time link opens its set-password page.
        page = client.get(password_link.group(0).removeprefix(base_url))
        assert page.status_code == 200
        # A parent opens the first invitation and reads Egedal's own consent text.
        parent = Parent(client)
        parent.open(invitation_link.removeprefix(base_url).removeprefix("/s/"))
        parent.choose_language("da")
        consent = parent.get("/s/consent").get_data(as_text=True)
        assert "Egedal Kommune er ansvarlig for dine oplysninger" in consent
        assert "+45 72 59 00 00" in consent and "dpo@egedal.dk" in consent
    finally:
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose()


def _production_app(tmp_path: Path, **overrides: object) -> Flask:
    config: dict[str, object] = {
        "ENV": "production",
        "SECRET_KEY": "s3cret",
        "PERSONAL_DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite3'}",
        "RESPONSES_DATABASE_URL": f"sqlite:///{tmp_path / 'r.sqlite3'}",
        "BASE_URL": "https://sundhed.example.dk",
        "INSTANCE_PATH": str(tmp_path / "instance"),
    }
    config.update(overrides)
    return create_app(config)


@pytest.mark.parametrize(
    "base_url", [None, "http://127.0.0.1:5000", "http://sundhed.example.dk", "https://"]
)
def test_production_refuses_a_base_url_that_links_could_not_use(tmp_path, monkeypatch, base_url):
    monkeypatch.delenv("PORTAL_BASE_URL", raising=False)
    with pytest.raises(ConfigError, match="PORTAL_BASE_URL"):
        _production_app(tmp_path, BASE_URL=base_url)


def test_start_up_warns_when_limits_count_per_worker(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    with caplog.at_level(logging.WARNING):
        _production_app(tmp_path, RATELIMIT_STORAGE_URI="memory://")
    assert "memory:// with 5 workers" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        _production_app(tmp_path, RATELIMIT_STORAGE_URI="redis://redis.internal:6379/0")
    assert "RATELIMIT_STORAGE_URI" not in caplog.text


def test_demo_refuses_in_production(tmp_path):
    """Without the guard in ``flask demo`` this writes 300 synthetic responses and three
    municipalities into a production store (checked by removing the guard by hand)."""
    app = _production_app(tmp_path)
    with app.app_context():
        db.create_all(bind_key=list(STORES))
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code != 0
    assert "PORTAL_ENV=development" in result.output
    with app.app_context():
        assert db.session.execute(db.select(Response.id)).first() is None
        assert db.session.execute(db.select(Municipality.id)).first() is None
        assert db.session.execute(db.select(AuditEvent.id)).first() is None
