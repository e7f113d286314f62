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
        # scrypt at a lower cost: the suite hashes hundreds of passwords.
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
    }
    if store_urls:
        config["PERSONAL_DATABASE_URL"] = store_urls["personal"]
        config["RESPONSES_DATABASE_URL"] = store_urls["responses"]
    if overrides.get("ENV") == "production":
        config["BASE_URL"] = "https://localhost"  # production refuses anything but https
    config.update(overrides)
    return create_app(config)


def with_fresh_stores(app: Flask) -> Iterator[Flask]:
    """Empty stores with the demo organisations (no responses: tests write their own)."""
    from portal.demo import load_demo

    with app.app_context():
        db.drop_all(bind_key=list(STORES))
        db.create_all(bind_key=list(STORES))
        load_demo(responses=False)
    yield app
    with app.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


@pytest.fixture
def app(tmp_path: Path, store_urls: dict[str, str] | None) -> Iterator[Flask]:
    yield from with_fresh_stores(make_app(tmp_path, store_urls))


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

    def guarded_connect(self, address):
        host = address[0] if isinstance(address, tuple) else address
        local = ("127.0.0.1", "::1", "localhost")
        if isinstance(host, str) and host not in local and "/" not in host:
            raise AssertionError(f"a test tried to connect to {host!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    assert smtplib  # SMTP goes through socket.connect too


# --- staff side (issue 3) -----------------------------------------------------------------------

STAFF_PASSWORD = "correct horse battery"
#: The TOTP secret of every user ``make_staff`` creates (``mfa=True``): codes are
#: ``pyotp.TOTP(TEST_TOTP_SECRET).now()``.
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def make_staff(
    app: Flask,
    role: str = "health_visitor",
    email: str | None = None,
    municipality_code: str = "0240",
    team_index: int | None = 0,
    password: str | None = STAFF_PASSWORD,
    mfa: bool = True,
) -> tuple[int, str]:
    """A staff user in a demo municipality: (id, e-mail). With ``mfa`` (the default) the user
    has enrolled TEST_TOTP_SECRET already; without it, their first login goes through
    enrolment."""
    from portal.models.personal import Municipality
    from portal.staff import accounts
    from portal.staff import mfa as second_factor

    with app.app_context():
        municipality = db.session.execute(
            db.select(Municipality).filter_by(code=municipality_code)
        ).scalar_one()
        team = municipality.teams[team_index] if team_index is not None else None
        email = email or f"{role}-{uuid.uuid4().hex[:6]}@k{municipality_code}.dk"
        user = accounts.create_user("test", email, role, municipality, team, password=password)
        if mfa:
            second_factor.enrol_with_secret(user, TEST_TOTP_SECRET)
            db.session.commit()
        return user.id, user.email


def totp_code(app: Flask, user_email: str, secret: str = TEST_TOTP_SECRET) -> str:
    """A code the server will accept now: the current step's, or the next step's when the
    current one was just used (codes are accepted once). Two logins of one user within the
    same 30 seconds are common in tests; a third falls back to forgetting the used step."""
    import time

    import pyotp

    from portal.models.personal import StaffUser

    totp = pyotp.TOTP(secret)
    current = int(time.time() // totp.interval)
    with app.app_context():
        user = db.session.execute(
            db.select(StaffUser).filter_by(email=user_email.strip().lower())
        ).scalar_one_or_none()
        last = user.totp_last_step if user else None
        if last is not None and last >= current + 1:
            user.totp_last_step = None  # test convenience only; see test_mfa for reuse
            db.session.commit()
            last = None
    step = current if last is None or last < current else current + 1
    return totp.generate_otp(step)


class Staff(Parent):
    """A member of staff in a browser: logs in, fills forms with their CSRF token."""

    def login(self, email: str, password: str = STAFF_PASSWORD, totp_secret: str | None = None):
        """Password, then (when asked) the code from TEST_TOTP_SECRET. Returns the last response:
        303 into the app, or the page that refused (login form, code form, enrolment)."""
        self.get("/staff/login")
        response = self.post("/staff/login", {"email": email, "password": password})
        if response.status_code == 303 and response.headers["Location"] == "/staff/mfa":
            return self.second_factor(email, totp_secret or TEST_TOTP_SECRET)
        return response

    def second_factor(self, email: str, secret: str = TEST_TOTP_SECRET):
        self.get("/staff/mfa")
        code = totp_code(self.client.application, email, secret)
        return self.post("/staff/mfa", {"code": code})

    def enrol(self, email: str):
        """Finish a first login at /staff/mfa/enrol: read the key off the page, confirm a code.
        Returns (secret, recovery codes, response)."""
        import pyotp

        response = self.get("/staff/mfa/enrol")
        assert response.status_code == 200, response.status_code
        match = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', self.page_html)
        assert match, "the enrolment page shows no key"
        secret = match.group(1).replace(" ", "")
        response = self.post("/staff/mfa/enrol", {"code": pyotp.TOTP(secret).now()})
        assert response.status_code == 200, response.get_data(as_text=True)
        codes = re.findall(r'<li class="link-text">([a-z0-9\-]+)</li>', self.page_html)
        return secret, codes, response


@pytest.fixture
def staff_as(app: Flask):
    """``staff_as("coordinator")`` -> a logged-in Staff with their own client."""

    def login(role: str = "health_visitor", **kwargs) -> Staff:
        _, email = make_staff(app, role, **kwargs)
        staff = Staff(app.test_client())
        response = staff.login(email)
        assert response.status_code == 303, response.get_data(as_text=True)
        staff.email = email
        return staff

    return login


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SMTPRecorder:
    """An aiosmtpd handler that keeps what it receives and refuses chosen recipients."""

    def __init__(self) -> None:
        self.messages: list = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(app: Flask):
    """A real SMTP server on loopback; the app's e-mail goes to it."""
    from aiosmtpd.controller import Controller

    handler = SMTPRecorder()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    app.config.update(
        EMAIL_BACKEND="smtp",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=controller.port,
        SMTP_SECURITY="none",
        MAIL_FROM="sundhedsplejen@egedal.dk",
    )
    yield handler
    controller.stop()


class GatewayRecorder:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status = 200
        #: Called while a request is being answered (to look at the app from outside).
        self.during = None


@pytest.fixture
def sms_gateway(app: Flask):
    """A real HTTP server on loopback speaking GatewayAPI's shape; the app's SMS go to it."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    recorder = GatewayRecorder()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            recorder.requests.append(
                {
                    "path": self.path,
                    "headers": dict(self.headers),
                    "json": json.loads(self.rfile.read(length) or b"null"),
                }
            )
            if recorder.during:
                recorder.during()
            body = b'{"ids": [1]}' if recorder.status == 200 else b'{"message": "refused"}'
            self.send_response(recorder.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config.update(
        SMS_BACKEND="gatewayapi",
        SMS_URL=f"http://127.0.0.1:{server.server_address[1]}/rest/mtsms",
        SMS_TOKEN="gateway-test-token",
        SMS_SENDER="Egedal",
    )
    yield recorder
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _only_test_deliveries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Deliveries go to the console outbox in the test's own folder or to servers a test
    started on loopback; anything else fails the test."""
    from urllib.parse import urlsplit

    from flask import current_app

    import portal.delivery as delivery

    real_send = delivery.send

    def guarded_send(message):
        name = delivery.backend_name(message.channel)
        config = current_app.config
        if name == "smtp":
            assert config["SMTP_HOST"] == "127.0.0.1", "e-mail to a server no test started"
        elif name in ("gatewayapi", "generic"):
            assert urlsplit(config["SMS_URL"] or "").hostname == "127.0.0.1", "SMS off loopback"
        elif name == "console":
            assert config["TESTING"]
        return real_send(message)

    monkeypatch.setattr(delivery, "send", guarded_send)


def outbox(app: Flask) -> str:
    """What the console backend wrote in this test."""
    path = Path(app.instance_path) / "outbox.txt"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def flush_responses(app: Flask) -> int:
    """Release every pending submission into ``response`` now, as the scheduled flush would
    once a batch is full (portal/mixing.py). Returns how many were released."""
    from portal import mixing

    with app.app_context():
        flushed = mixing.flush(force=True).flushed
        db.session.remove()
        return flushed
