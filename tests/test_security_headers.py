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
    app = _production_app(tmp_path)
    with app.app_context():
        from portal.demo import load_demo

        load_demo(responses=False)
    _, token = create_link(app)
    cookie = (
        app.test_client().get(f"/s/{token}", base_url="https://localhost").headers["Set-Cookie"]
    )
    assert cookie.startswith("__Host-portal_parent=")
    assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie


def _production_app(tmp_path):
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
    return app


def _attributes(cookie: str) -> dict[str, str]:
    parts = [part.strip() for part in cookie.split(";")]
    return {part.split("=", 1)[0].lower(): part.partition("=")[2] for part in parts[1:]}


def test_production_staff_cookie_is_secure_http_only_same_site_with_host_prefix(tmp_path):
    app = _production_app(tmp_path)
    response = app.test_client().get("/staff/login", base_url="https://localhost")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-portal_staff=")
    attributes = _attributes(cookie)
    assert {"secure", "httponly"} <= set(attributes)
    assert attributes["samesite"] == "Lax" and attributes["path"] == "/"
    assert "domain" not in attributes
    # Flask-Login's remember-me cookie is never offered; if it ever were, it is locked down too.
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_HTTPONLY"] is True
    assert app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"


def test_production_parent_cookie_attributes(tmp_path):
    app = _production_app(tmp_path)
    with app.app_context():
        from portal.demo import load_demo

        load_demo(responses=False)
    _, token = create_link(app)
    cookie = app.test_client().get(f"/s/{token}", base_url="https://localhost").headers[
        "Set-Cookie"
    ]
    attributes = _attributes(cookie)
    assert cookie.startswith("__Host-portal_parent=")
    assert {"secure", "httponly"} <= set(attributes) and attributes["samesite"] == "Lax"


def test_staff_and_parent_cookies_are_different_and_never_cross(app, staff_as):
    staff = staff_as("admin")
    assert staff.client.get_cookie("portal_staff") is not None
    assert staff.client.get_cookie("portal_parent") is None
    cookie = staff.client.get("/staff/invitations").headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    # The staff login does not reach the parent pages and the other way round.
    _, token = create_link(app)
    staff.client.get(f"/s/{token}")
    assert staff.client.get_cookie("portal_parent") is not None
    staff.client.delete_cookie("portal_staff")
    assert staff.client.get("/staff/invitations").status_code == 302


def test_no_page_sets_a_remember_me_cookie(app, staff_as):
    staff = staff_as("coordinator")
    for path in ("/staff/", "/staff/invitations", "/staff/users", "/evaluation/"):
        response = staff.client.get(path)
        assert "remember_token" not in response.headers.get("Set-Cookie", "")
    assert staff.client.get_cookie("remember_token") is None
