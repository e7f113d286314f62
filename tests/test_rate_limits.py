"""Rate limits: parents opening links, per client address (behind a proxy too), and the shared
store (Redis) that lets several workers count together."""

from __future__ import annotations

import socket
import uuid

import pytest

from portal.extensions import db
from portal.stores import STORES

from .conftest import Staff, create_link, make_app, make_staff

REDIS_URL = "redis://127.0.0.1:6379/0"


def test_opening_links_is_limited_per_address_with_a_kind_page(app):
    app.config["LINK_OPEN_LIMIT"] = "5 per minute"
    _, token = create_link(app)
    guesser = app.test_client()
    for number in range(5):
        assert guesser.get(f"/s/guess{number}").status_code in (400, 404, 410)
    response = guesser.get(f"/s/{token}", headers={"Accept-Language": "ar"})
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "60"
    html = response.get_data(as_text=True)
    assert "يُرجى الانتظار قليلًا" in html and 'dir="rtl"' in html
    assert response.headers["Cache-Control"] == "no-store"
    # Nothing about the link was looked at: it is still unopened.
    with app.app_context():
        from portal.models.personal import Invitation

        assert db.session.execute(db.select(Invitation.opened_at)).scalar_one() is None
    # The other pages of a parent already answering are not limited.
    assert guesser.get("/s/accessibility").status_code == 200
    # Another address is not affected.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "127.0.0.2"
    assert other.get(f"/s/{token}").status_code == 303


@pytest.mark.parametrize("language", ["da", "en", "ar", "fa", "ur", "so", "tr", "pl", "uk", "ti"])
def test_the_wait_page_is_in_every_parent_language(app, language):
    from flask_babel import force_locale, gettext

    app.config["LINK_OPEN_LIMIT"] = "1 per minute"
    client = app.test_client()
    client.get("/s/first")
    response = client.get("/s/second", headers={"Accept-Language": language})
    assert response.status_code == 429
    with app.test_request_context(), force_locale(language):
        heading = gettext("Please wait a moment")
    assert heading in response.get_data(as_text=True)
    if language not in ("en",):
        assert heading != "Please wait a moment"


def test_forwarded_for_is_ignored_unless_a_proxy_is_trusted(app):
    app.config["LINK_OPEN_LIMIT"] = "2 per minute"
    client = app.test_client()
    for number in range(2):
        client.get(f"/s/x{number}", headers={"X-Forwarded-For": f"10.0.0.{number}"})
    # A client cannot dodge the limit by inventing X-Forwarded-For headers.
    assert client.get("/s/y", headers={"X-Forwarded-For": "10.9.9.9"}).status_code == 429


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(tmp_path, store_urls):
    app = make_app(tmp_path, store_urls, PROXY_FIX_X_FOR=1, LINK_OPEN_LIMIT="2 per minute")
    with app.app_context():
        db.create_all(bind_key=list(STORES))
    proxy = app.test_client()  # every request arrives from the proxy's address
    for _ in range(2):
        proxy.get("/s/abc", headers={"X-Forwarded-For": "198.51.100.7"})
    assert proxy.get("/s/abc", headers={"X-Forwarded-For": "198.51.100.7"}).status_code == 429
    assert proxy.get("/s/abc", headers={"X-Forwarded-For": "198.51.100.8"}).status_code != 429
    # Only the last hop is trusted: a client's own forged entry in front of it changes nothing.
    spoofed = proxy.get("/s/abc", headers={"X-Forwarded-For": "1.2.3.4, 198.51.100.7"})
    assert spoofed.status_code == 429


def test_login_limits_see_the_real_client_behind_a_proxy(tmp_path, store_urls):
    app = make_app(tmp_path, store_urls, PROXY_FIX_X_FOR=1,
                   LOGIN_LIMIT_PER_ADDRESS="2 per 15 minutes")
    with app.app_context():
        db.create_all(bind_key=list(STORES))
        from portal.demo import load_demo

        load_demo(responses=False)
    _, email = make_staff(app)
    attacker = Staff(app.test_client())
    attacker.client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.66"
    for number in range(2):
        attacker.login(f"guess{number}@egedal.dk", "wrong")
    assert attacker.login(email).status_code == 429
    colleague = Staff(app.test_client())
    colleague.client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.10"
    assert colleague.login(email).status_code == 303


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.mark.skipif(not _redis_reachable(), reason="no Redis server on 127.0.0.1:6379")
def test_a_shared_redis_store_counts_across_workers(tmp_path, store_urls):
    import redis

    prefix = f"portal-test-{uuid.uuid4().hex[:8]}"
    address = f"127.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"

    def worker(name: str, storage: str):  # noqa: ANN202
        app = make_app(tmp_path / name, store_urls, RATELIMIT_STORAGE_URI=storage,
                       RATELIMIT_KEY_PREFIX=prefix, LINK_OPEN_LIMIT="3 per minute")
        with app.app_context():
            db.create_all(bind_key=list(STORES))
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        return client

    try:
        first = worker("one", REDIS_URL)
        for _ in range(3):
            assert first.get("/s/nope").status_code != 429
        assert first.get("/s/nope").status_code == 429
        # A worker with the in-memory default counts on its own (per process) ...
        assert worker("two", "memory://").get("/s/nope").status_code != 429
        # ... while another worker on the same Redis knows this address has used its share.
        assert worker("three", REDIS_URL).get("/s/nope").status_code == 429
        keys = redis.Redis.from_url(REDIS_URL).keys(f"*{prefix}*")
        assert keys, "the counts are not in Redis"
    finally:
        connection = redis.Redis.from_url(REDIS_URL)
        for key in connection.keys(f"*{prefix}*"):
            connection.delete(key)

