"""Migration 0002 goes up and down on a store that already holds invitations."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from portal.extensions import db

from .conftest import make_app


def test_0002_upgrade_keeps_existing_invitations_and_downgrades(tmp_path):
    app = make_app(tmp_path, None, INSTANCE_PATH=str(tmp_path / "instance"))
    with app.app_context():
        upgrade(revision="0001")
        engine = db.engines["personal"]
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO municipality (id, code, name) VALUES (1, '0240', 'E')"
            )
            conn.exec_driver_sql(
                "INSERT INTO invitation (secret_hash, questionnaire_key, questionnaire_version,"
                " language, municipality_id, channel, status, created_at, expires_at,"
                " status_changed_on) VALUES ('h', '18-months', 1, 'da', 1, 'cli', 'sent',"
                " '2026-01-01', '2026-02-01', '2026-01-01')"
            )
        upgrade(revision="0002")
        tables = inspect(engine).get_table_names()
        assert {"staff_user", "delivery_attempt"} <= set(tables)
        with engine.begin() as conn:
            row = conn.exec_driver_sql(
                "SELECT reminders_sent, phone, email, created_by_id FROM invitation"
            ).one()
        assert tuple(row) == (0, None, None, None)
        downgrade(revision="0001")
        assert "staff_user" not in inspect(engine).get_table_names()
        with engine.begin() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM invitation").scalar() == 1
        for engine in db.engines.values():
            engine.dispose()


def test_invitation_links_migration_keeps_every_sent_link_working(tmp_path):
    """Each invitation's one link becomes its first invitation_link row; down again is clean."""
    app = make_app(tmp_path, None, INSTANCE_PATH=str(tmp_path / "instance"))
    with app.app_context():
        upgrade(revision="0004")
        engine = db.engines["personal"]
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO municipality (id, code, name) VALUES (1, '0240', 'E')"
            )
            conn.exec_driver_sql(
                "INSERT INTO invitation (id, secret_hash, questionnaire_key,"
                " questionnaire_version, language, municipality_id, channel, status,"
                " created_at, expires_at, status_changed_on, reminders_sent) VALUES"
                " (7, 'h', '18-months', 1, 'da', 1, 'sms', 'sent', '2026-01-01',"
                " '2026-02-01', '2026-01-01', 0)"
            )
        upgrade()
        with engine.begin() as conn:
            rows = conn.exec_driver_sql(
                "SELECT invitation_id, secret_hash, kind FROM invitation_link"
            ).all()
            note = conn.exec_driver_sql("SELECT note FROM invitation").scalar()
        assert [tuple(row) for row in rows] == [(7, "h", "link")] and note is None
        downgrade(revision="0004")
        assert "invitation_link" not in inspect(engine).get_table_names()
        for engine in db.engines.values():
            engine.dispose()
