"""Fixtures: ``app``, ``client``, ``runner``, data factories and a parent who answers like a person.

Every test gets empty stores: SQLite files in its own temporary folder, or, when
``PORTAL_TEST_POSTGRES_URL`` is set, two PostgreSQL databases emptied between tests.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal import create_app
from portal.extensions import db
from portal.stores import STORES

from .postgres import postgres_store_urls

POSTGRES_URL = os.environ.get("PORTAL_TEST_POSTGRES_URL")


@pytest.fixture(scope="session")
def store_urls() -> Iterator[dict[str, str] | None]:
    if not POSTGRES_URL:
        yield None
        return
    with postgres_store_urls(POSTGRES_URL, f"t{uuid.uuid4().hex[:8]}") as urls:
        yield urls


def make_app(tmp_path: Path, store_urls: dict[str, str] | None, **overrides) -> Flask:
    config = {
        "ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "BASE_URL": "http://localhost",
    }
    if store_urls:
        config["PERSONAL_DATABASE_URL"] = store_urls["personal"]
        config["RESPONSES_DATABASE_URL"] = store_urls["responses"]
    config.update(overrides)
    return create_app(config)


@pytest.fixture
def app(tmp_path: Path, store_urls: dict[str, str] | None) -> Iterator[Flask]:
    app = make_app(tmp_path, store_urls)
    with app.app_context():
        db.drop_all(bind_key=list(STORES))
        db.create_all(bind_key=list(STORES))
        from portal.demo import load_demo

        # Organisations only: tests that need responses write their own.
        load_demo(responses=False)
    yield app
    with app.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


def create_link(
    app: Flask, questionnaire: str = "18-months", language: str = "da", **kwargs
) -> tuple[int, str]:
    """A fresh invitation: (invitation id, token)."""
    from portal import links
    from portal.models.personal import Municipality

    with app.app_context():
        registry = app.extensions["questionnaires"]
        municipality = db.session.execute(db.select(Municipality)).scalars().first()
        issued = links.issue_link(
            questionnaire, registry.current(questionnaire).version, language, municipality, **kwargs
        )
        db.session.commit()
        return issued.invitation.id, issued.token


_CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


class Parent:
    """A parent with a phone browser: opens a link, reads pages, posts forms with their token."""

    def __init__(self, client: FlaskClient):
        self.client = client
        self.page_html = ""

    def get(self, path: str, **kwargs):
        response = self.client.get(path, **kwargs)
        self.page_html = response.get_data(as_text=True)
        return response

    def csrf(self) -> str:
        match = _CSRF.search(self.page_html)
        assert match, "the page has no CSRF token"
        return match.group(1)

    def post(self, path: str, data: dict, follow: bool = False):
        data = {"csrf_token": self.csrf(), **data}
        response = self.client.post(path, data=data, follow_redirects=follow)
        if follow or response.status_code != 303:
            self.page_html = response.get_data(as_text=True)
        return response

    def open(self, token: str):
        return self.get(f"/s/{token}", follow_redirects=True)

    def choose_language(self, language: str = "da"):
        self.get("/s/language")
        return self.post("/s/language", {"language": language}, follow=True)

    def consent(self, yes: bool = True):
        self.get("/s/consent")
        return self.post("/s/consent", {"yes" if yes else "no": "1"}, follow=True)

    def start(self, token: str, language: str = "da"):
        self.open(token)
        self.choose_language(language)
        return self.consent(True)

    def answer(self, number: int, answers: dict, action: str = "next", follow: bool = True):
        self.get(f"/s/page/{number}")
        return self.post(f"/s/page/{number}", {**answers, "action": action}, follow=follow)


#: Answers for every page of 18-months v1, page by page.
EIGHTEEN_MONTHS = [
    {"visit_useful": "4", "listened": "5", "respected": "5"},
    {"adv_sleep": "1", "adv_food": "2", "adv_language": "4"},
    {"interp_needed": "1", "interp_avail": "2"},
    {"changes": ["1", "3"], "visit_again": "1", "comments": "Tak for besøget"},
]


@pytest.fixture
def parent(client: FlaskClient) -> Parent:
    return Parent(client)


@pytest.fixture(autouse=True)
def _no_real_sends(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may send to the outside world: SMTP and HTTP go only to servers tests start."""
    import smtplib
    import socket

    real_connect = socket.socket.connect

    def guarded_connect(self, address):  # noqa: ANN001, ANN202
        host = address[0] if isinstance(address, tuple) else address
        local = ("127.0.0.1", "::1", "localhost")
        if isinstance(host, str) and host not in local and "/" not in host:
            raise AssertionError(f"a test tried to connect to {host!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    assert smtplib  # SMTP goes through socket.connect too
