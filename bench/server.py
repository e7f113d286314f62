"""The portal as in production, on loopback: stores in a temp dir, migrated, served by gunicorn."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Stores:
    """Where the two stores live: SQLite files in a temp dir, or two PostgreSQL databases."""

    personal_url: str
    responses_url: str
    kind: str  # "sqlite" | "postgresql"
    responses_path: Path | None = None  # the SQLite file, for reading it back


def sqlite_stores(folder: Path) -> Stores:
    personal = folder / "personal.sqlite3"
    responses = folder / "responses.sqlite3"
    return Stores(f"sqlite:///{personal}", f"sqlite:///{responses}", "sqlite", responses)


@contextlib.contextmanager
def postgres_stores(admin_url: str, suffix: str) -> Iterator[Stores]:
    """Two throw-away databases, dropped afterwards whatever happens."""
    sys.path.insert(0, str(ROOT))
    from tests.postgres import postgres_store_urls

    with postgres_store_urls(admin_url, suffix) as urls:
        yield Stores(urls["personal"], urls["responses"], "postgresql")


@dataclass
class Portal:
    stores: Stores
    folder: Path
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def prepare(cls, stores: Stores, folder: Path, backlog: int = 0) -> Portal:
        env = {
            **os.environ,
            "PORTAL_ENV": "production",
            "PORTAL_SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789",
            "PORTAL_PERSONAL_DATABASE_URL": stores.personal_url,
            "PORTAL_RESPONSES_DATABASE_URL": stores.responses_url,
            # Plain HTTP on loopback: a Secure (__Host-) cookie would never come back. In
            # production the cookie is __Host-portal_parent and Secure behind TLS.
            "PORTAL_SESSION_COOKIE_SECURE": "false",
            # Production refuses a base URL that is not https; the bench follows only the
            # paths of the links it makes, so the host is never contacted.
            "PORTAL_BASE_URL": "https://portal.bench.invalid",
            # As behind nginx (docs/deployment.md): the client address is X-Forwarded-For's.
            "PORTAL_PROXY_FIX_X_FOR": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        env.pop("PORTAL_INSTANCE_PATH", None)
        portal = cls(stores, folder, env)
        portal.flask("db", "upgrade")
        # 'flask demo' refuses production (it writes synthetic responses); the bench's stores
        # are throw-away, so the demo municipalities and teams are loaded as in a test run.
        portal.flask("demo", env={"PORTAL_ENV": "testing"})
        portal.seed_backlog(backlog)
        return portal

    def flask(self, *args: str, env: dict[str, str] | None = None) -> str:
        done = subprocess.run(
            [str(BIN / "flask"), "--app", "portal", *args],
            cwd=ROOT, env={**self.env, **(env or {})}, capture_output=True, text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stderr[-2000:]}")
        return done.stdout

    def link_via_cli(self) -> str:
        """One link as staff would make it on the command line; returns its path ``/s/...``."""
        out = self.flask("invitations", "create", "--questionnaire", "18-months")
        url = out.strip().splitlines()[-1]
        return url[url.index("/s/"):]

    def in_app(self, body: str, timeout: float = 300) -> str:
        """Run ``body`` in a child process inside the portal's app context; its stdout."""
        script = (
            "from portal import create_app\n"
            "from portal.extensions import db\n"
            "app = create_app()\n"
            "with app.app_context():\n"
            + "".join(f"    {line}\n" for line in body.strip().splitlines())
        )
        done = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env=self.env, capture_output=True,
            text=True, timeout=timeout,
        )
        if done.returncode != 0:
            raise RuntimeError(f"in-app script failed:\n{done.stderr[-2000:]}")
        return done.stdout

    def links(self, count: int) -> list[str]:
        """Many links at once, in-process (the CLI costs a second of start-up per link)."""
        out = self.in_app(f"""
from portal import links
from portal.models.personal import Municipality
key = '18-months'
version = app.extensions['questionnaires'].current(key).version
town = db.session.execute(db.select(Municipality)).scalars().first()
issued = [links.issue_link(key, version, 'da', town, channel='cli') for _ in range({int(count)})]
db.session.commit()
print('\\n'.join('/s/' + i.token for i in issued))
""")
        return [line for line in out.splitlines() if line.startswith("/s/")]

    def seed_backlog(self, count: int) -> None:
        """A store as after a national roll-out: ``count`` invitations, each with a consent.

        Queries that scan instead of using an index only show once the tables are this big.
        """
        if count <= 0:
            return
        self.in_app(f"""
import secrets
from datetime import timedelta
from sqlalchemy import insert, select
from portal.models.personal import ConsentRecord, Invitation, Municipality
from portal.timeutil import utcnow
town = db.session.execute(db.select(Municipality)).scalars().first()
now = utcnow()
first = (db.session.execute(select(db.func.max(Invitation.id))).scalar() or 0) + 1
db.session.execute(insert(Invitation), [dict(
    secret_hash=secrets.token_hex(32), questionnaire_key='18-months', questionnaire_version=1,
    language='da', municipality_id=town.id, channel='bench', status='consented',
    created_at=now, expires_at=now + timedelta(days=30), status_changed_on=now.date(),
) for _ in range({int(count)})])
ids = db.session.execute(select(Invitation.id).where(Invitation.id >= first)).scalars().all()
db.session.execute(insert(ConsentRecord), [dict(
    invitation_id=i, decision=True, text_version='bench', text_hash='0' * 64, language='da',
    recorded_at=now) for i in ids])
db.session.commit()
""")


class Gunicorn:
    """gunicorn with the repository's gunicorn.conf.py; access log to /dev/null."""

    def __init__(self, app: str, env: dict[str, str], log: Path):
        self.port = free_port()
        self.app = app
        self.env = {**env, "HOST": HOST, "PORT": str(self.port)}
        self.log_path = log
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"),
             "--access-logfile", "/dev/null", self.app],
            cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
        )
        self._wait_ready()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=25)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self._log.close()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log_path}")
            # Ready when every worker has booted, not just when the socket accepts.
            if len(self.workers()) >= self.expected_workers():
                with contextlib.suppress(OSError), socket.create_connection(
                    (HOST, self.port), timeout=1
                ):
                    time.sleep(0.5)
                    return
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not start in 30 s; see {self.log_path}")

    def expected_workers(self) -> int:
        return int(self.env.get("WEB_CONCURRENCY") or os.cpu_count() * 2 + 1)

    def workers(self) -> list[int]:
        """Worker pids: the master's children, read from /proc."""
        assert self.process is not None
        master = self.process.pid
        children = Path(f"/proc/{master}/task/{master}/children")
        with contextlib.suppress(OSError):
            return [int(pid) for pid in children.read_text().split()]
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == master:
                    pids.append(int(stat.parent.name))
        return pids
