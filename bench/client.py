"""A parent on plain stdlib HTTP: one cookie, CSRF tokens from the forms, redirects by hand.

Every request opens its own connection (gunicorn's sync workers close after each response) and
has a socket timeout, so nothing here can hang the benchmark.
"""

from __future__ import annotations

import http.client
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
#: Connection failures a killed worker causes; the parent retries the same request.
CUT_OFF = (
    http.client.RemoteDisconnected,
    http.client.IncompleteRead,
    http.client.BadStatusLine,
    ConnectionResetError,
    ConnectionRefusedError,
    BrokenPipeError,
    TimeoutError,
)

#: Answers for every page of 18-months v1 (as tests/conftest.py EIGHTEEN_MONTHS).
EIGHTEEN_MONTHS: list[dict[str, str | list[str]]] = [
    {"visit_useful": "4", "listened": "5", "respected": "5"},
    {"adv_sleep": "1", "adv_food": "2", "adv_language": "4"},
    {"interp_needed": "1", "interp_avail": "2"},
    {"changes": ["1", "3"], "visit_again": "1", "comments": "Tak for besøget"},
]


class InFlight:
    """How many tracked requests are sent and not yet answered, and how many were cut off."""

    def __init__(self) -> None:
        self.count = 0
        self.cut_off = 0
        self._lock = threading.Lock()

    def change(self, delta: int) -> None:
        with self._lock:
            self.count += delta

    def lost_one(self) -> None:
        with self._lock:
            self.cut_off += 1


class UnexpectedResponse(RuntimeError):
    def __init__(self, method: str, path: str, status: int, body: str = ""):
        super().__init__(f"{method} {path} -> {status}")
        self.status = status
        self.body = body[:300]


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        target = self.headers.get("location", "")
        return urllib.parse.urlsplit(target).path or target


@dataclass
class Parent:
    host: str
    port: int
    cookie_name: str = "portal_parent"
    timeout: float = 30.0
    cookie: str | None = None
    #: The phone's other cookies (the draft's key, parent/drafts.py), by name.
    other_cookies: dict[str, str] = field(default_factory=dict)
    html: str = ""
    #: Requests that were cut off (connection dropped) and sent again.
    retries: int = 0
    cut_off_paths: list[str] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    #: Told when a request has been sent and when its answer (or its failure) is in.
    tracker: InFlight | None = None
    #: The phone's own address, sent as nginx would (X-Forwarded-For); None: loopback's.
    address: str | None = None

    def request(
        self, method: str, path: str, form: dict | None = None, retry_until: float = 0.0
    ) -> Reply:
        """One request; with ``retry_until`` (a monotonic deadline) a cut-off one is repeated."""
        body = None
        headers = {"Host": f"{self.host}:{self.port}", "User-Agent": "portal-bench"}
        if self.address:
            headers["X-Forwarded-For"] = self.address
        if form is not None:
            pairs = [
                (key, item)
                for key, value in form.items()
                for item in (value if isinstance(value, list) else [value])
            ]
            body = urllib.parse.urlencode(pairs).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        attempt = 0
        while True:
            headers.pop("Cookie", None)
            if self.cookie_header():
                headers["Cookie"] = self.cookie_header()
            try:
                reply = self._send(method, path, body, headers)
                break
            except CUT_OFF:
                self.cut_off_paths.append(f"{method} {path}")
                if self.tracker:
                    self.tracker.lost_one()
                attempt += 1
                if time.monotonic() >= retry_until or attempt > 20:
                    raise
                self.retries += 1
                time.sleep(min(0.05 * attempt, 0.5))
        self.statuses.append(reply.status)
        cookie = _session_cookie(reply, self.cookie_name)
        if cookie is not None:
            self.cookie = cookie or None
        for name in _cookie_names(reply):
            if name != self.cookie_name:
                value = _session_cookie(reply, name)
                if value:
                    self.other_cookies[name] = value
                else:
                    self.other_cookies.pop(name, None)
        return reply

    def cookie_header(self) -> str:
        """Every cookie the phone holds, as one Cookie header."""
        pairs = [(self.cookie_name, self.cookie)] if self.cookie else []
        pairs += sorted(self.other_cookies.items())
        return "; ".join(f"{name}={value}" for name, value in pairs)

    def _send(self, method: str, path: str, body: bytes | None, headers: dict) -> Reply:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        tracker, sent = self.tracker, False
        try:
            conn.request(method, path, body=body, headers=headers)
            if tracker:
                tracker.change(+1)
                sent = True
            response = conn.getresponse()
            data = response.read()
            header_map = {}
            for key, value in response.getheaders():
                key = key.lower()
                header_map[key] = (
                    header_map[key] + "\n" + value if key in header_map else value
                )
            return Reply(response.status, header_map, data)
        finally:
            if sent:
                tracker.change(-1)
            conn.close()

    def get(self, path: str, expect: tuple[int, ...] = (200,), retry_until: float = 0.0) -> Reply:
        reply = self.request("GET", path, retry_until=retry_until)
        if reply.status not in expect:
            raise UnexpectedResponse("GET", path, reply.status, reply.text)
        if reply.status == 200:
            self.html = reply.text
        return reply

    def post(
        self, path: str, form: dict, expect: tuple[int, ...] = (303,), retry_until: float = 0.0
    ) -> Reply:
        match = CSRF.search(self.html)
        if not match:
            raise UnexpectedResponse("POST", path, 0, "no CSRF token on the page before")
        reply = self.request(
            "POST", path, {"csrf_token": match.group(1), **form}, retry_until=retry_until
        )
        if reply.status not in expect:
            raise UnexpectedResponse("POST", path, reply.status, reply.text)
        return reply

    # The parent's path ------------------------------------------------------------------

    def open(self, link_path: str, retry_until: float = 0.0) -> None:
        reply = self.get(link_path, expect=(303,), retry_until=retry_until)
        # Straight to the step (issue 16): the language choice for a new phone.
        if not reply.location.startswith("/s/") or reply.location.startswith(link_path):
            raise UnexpectedResponse("GET", link_path, reply.status, reply.location)

    def choose_language(self, language: str = "da", retry_until: float = 0.0) -> None:
        self.get("/s/language", retry_until=retry_until)
        self.post("/s/language", {"language": language}, retry_until=retry_until)

    def consent(self, retry_until: float = 0.0) -> None:
        self.get("/s/consent", retry_until=retry_until)
        self.post("/s/consent", {"yes": "1"}, retry_until=retry_until)

    def start(self, link_path: str, language: str = "da", retry_until: float = 0.0) -> None:
        self.open(link_path, retry_until)
        self.choose_language(language, retry_until)
        self.consent(retry_until)

    def answer_page(
        self, number: int, answers: dict, action: str, retry_until: float = 0.0
    ) -> Reply:
        self.get(f"/s/page/{number}", retry_until=retry_until)
        form = {**answers, "action": action}
        return self.post(f"/s/page/{number}", form, retry_until=retry_until)


def _cookie_names(reply: Reply) -> list[str]:
    names = []
    for line in reply.headers.get("set-cookie", "").split("\n"):
        first = line.split(";", 1)[0].strip()
        if "=" in first:
            names.append(first.split("=", 1)[0])
    return names


def _session_cookie(reply: Reply, name: str) -> str | None:
    """The new value of the parent cookie, "" when cleared, None when not set."""
    for line in reply.headers.get("set-cookie", "").split("\n"):
        first = line.split(";", 1)[0].strip()
        if first.startswith(name + "="):
            value = first[len(name) + 1 :]
            expired = "expires=thu, 01 jan 1970" in line.lower() or "max-age=0" in line.lower()
            return "" if expired else value
    return None
