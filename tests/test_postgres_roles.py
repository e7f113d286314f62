"""PostgreSQL: the evaluators' role reads finished responses and nothing of the personal store."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy.engine import make_url

from .conftest import POSTGRES_URL, make_app
from .postgres import postgres_store_urls

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason="PORTAL_TEST_POSTGRES_URL is not set"),
    pytest.mark.skipif(
        not shutil.which("psql"), reason="psql (postgresql-client) is not installed"
    ),
]

ROLES_SQL = Path(__file__).parent.parent / "docs" / "postgres-roles.sql"


def connect_as(url: str, role: str):
    import psycopg

    return psycopg.connect(
        make_url(url)
        .set(drivername="postgresql", username=role)
        .render_as_string(hide_password=False),
        autocommit=True,
    )


def test_evaluator_role_cannot_read_the_personal_store(tmp_path):
    import psycopg

    suffix = f"r{uuid.uuid4().hex[:8]}"
    app_role, evaluator_role = f"portal_app_{suffix}", f"portal_eval_{suffix}"
    with postgres_store_urls(POSTGRES_URL, suffix) as urls:
        app = make_app(tmp_path, urls)
        with app.app_context():
            upgrade()
        admin = make_url(POSTGRES_URL).set(drivername="postgresql")
        names = {store: make_url(url).database for store, url in urls.items()}
        try:
            subprocess.run(
                [
                    "psql",
                    admin.render_as_string(hide_password=False),
                    "-q",
                    "-v",
                    f"personal_db={names['personal']}",
                    "-v",
                    f"responses_db={names['responses']}",
                    "-v",
                    f"app_role={app_role}",
                    "-v",
                    f"evaluator_role={evaluator_role}",
                    "-f",
                    str(ROLES_SQL),
                ],
                check=True,
                capture_output=True,
                text=True,
                env={**os.environ, "PGCONNECT_TIMEOUT": "10"},
            )
            with connect_as(urls["responses"], evaluator_role) as conn:
                assert conn.execute("SELECT count(*) FROM response").fetchone() == (0,)
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute("SELECT * FROM draft")
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute("SELECT * FROM pending_submission")
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute("INSERT INTO response (id) VALUES ('x')")
            with pytest.raises(psycopg.OperationalError, match="permission denied"):
                connect_as(urls["personal"], evaluator_role)
            for store in ("personal", "responses"):
                with connect_as(urls[store], app_role) as conn:
                    table = "invitation" if store == "personal" else "response"
                    assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)
                    if store == "responses":  # the flush's TRUNCATE (portal/mixing.py)
                        conn.execute("BEGIN")
                        conn.execute("TRUNCATE pending_submission")
                        conn.execute("ROLLBACK")
        finally:
            with psycopg.connect(
                admin.render_as_string(hide_password=False), autocommit=True
            ) as conn:
                for name in names.values():
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                for role in (app_role, evaluator_role):
                    conn.execute(f'DROP ROLE IF EXISTS "{role}"')
