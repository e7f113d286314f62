"""Security headers on every route, for every kind of response."""

from __future__ import annotations

from pathlib import Path

from .conftest import Parent, create_link, make_app


def check(response, static: bool = False) -> None:
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    if not static:
        assert headers["Cache-Control"] == "no-store"


def test_every_route_sends_the_headers(app, client):
    _, token = create_link(app)
    parent = Parent(client)
    parent.start(token)
    seen = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = rule.rule.replace("<token>", token).replace("<int:number>", "1")
        path = path.replace("<filename>", "css/portal.css")
        check(client.get(path))
        seen.add(rule.endpoint)
    check(client.get("/static/css/portal.css"), static=True)
    check(client.get("/no/such/page"))
    check(client.get(f"/s/{token}x"))
    assert "parent.page" in seen


def test_hsts_only_in_production(tmp_path):
    app = make_app(
        tmp_path,
        None,
        ENV="production",
        PERSONAL_DATABASE_URL="sqlite://",
        RESPONSES_DATABASE_URL="sqlite://",
    )
    assert "max-age" in app.test_client().get("/").headers["Strict-Transport-Security"]


def test_no_hsts_in_development(client):
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_templates_have_no_inline_script_or_style():
    for path in Path("templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "<script>" not in text and "<style" not in text, path
        assert " style=" not in text and " onclick=" not in text, path


def test_parent_session_cookie_is_its_own_and_http_only(app, client):
    _, token = create_link(app)
    cookie = client.get(f"/s/{token}").headers["Set-Cookie"]
    assert cookie.startswith("portal_parent=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookies_are_secure_with_host_prefix(tmp_path):
    app = make_app(
        tmp_path,
        None,
        ENV="production",
        PERSONAL_DATABASE_URL="sqlite:///" + str(tmp_path / "p.db"),
        RESPONSES_DATABASE_URL="sqlite:///" + str(tmp_path / "r.db"),
    )
    from portal.extensions import db
    from portal.stores import STORES

    with app.app_context():
        db.create_all(bind_key=list(STORES))
        from portal.demo import load_demo

        load_demo()
    _, token = create_link(app)
    cookie = (
        app.test_client().get(f"/s/{token}", base_url="https://localhost").headers["Set-Cookie"]
    )
    assert cookie.startswith("__Host-portal_parent=")
    assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
