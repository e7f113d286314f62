"""ASVS checks not covered elsewhere: output encoding, sessions ended by a password change,
an unexpected error that says nothing about the inside, methods the portal does not serve.
(docs/security.md maps each requirement to its test.)"""

from __future__ import annotations

import re

from .conftest import STAFF_PASSWORD, Staff, make_staff


def test_what_users_type_is_shown_escaped(app, staff_as):
    admin = staff_as("admin")
    admin.get("/staff/users/new")
    response = admin.post("/staff/users/new", {
        "email": "x@egedal.dk", "name": '<script>alert("x")</script><img src=x onerror=alert(1)>',
        "role": "health_visitor", "municipality": "1", "team": "",
    })
    assert response.status_code == 200
    html = admin.get("/staff/users").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_a_new_password_ends_every_session_of_the_user(app, runner):
    _, email = make_staff(app, "coordinator")
    laptop = Staff(app.test_client())
    assert laptop.login(email).status_code == 303
    assert laptop.client.get("/staff/users").status_code == 200
    result = runner.invoke(args=["staff", "password-link", "--email", email])
    path = re.search(r"(/staff/set-password/\S+)", result.output).group(1)
    phone = Staff(app.test_client())
    phone.get(path)
    response = phone.post(path, {"password": "another long password",
                                 "confirm": "another long password"})
    assert response.headers["Location"] == "/staff/mfa"  # the second factor still applies
    assert laptop.client.get("/staff/users").status_code == 302
    assert Staff(app.test_client()).login(email, STAFF_PASSWORD).status_code == 200


def test_an_unexpected_error_shows_a_plain_page(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/s/test-only-boom")
    def boom():
        raise RuntimeError("secret internals: /srv/portal, SELECT * FROM staff_user")

    response = app.test_client().get("/s/test-only-boom")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "secret internals" not in html and "Traceback" not in html
    assert response.headers["Cache-Control"] == "no-store"


def test_methods_the_portal_does_not_serve_are_refused(app, client):
    for method in ("PUT", "DELETE", "PATCH", "TRACE"):
        assert client.open("/staff/login", method=method).status_code == 405
        assert client.open("/s/language", method=method).status_code == 405


def test_docs_security_names_only_tests_that_exist():
    """docs/security.md maps ASVS requirements to tests: every test it names must exist."""
    import ast
    from pathlib import Path

    doc = Path("docs/security.md").read_text(encoding="utf-8")
    named: list[tuple[str, str]] = []
    current = None
    for match in re.finditer(r"`(test_\w+\.py)?(?:::)?(test_\w+)?`", doc):
        module, test = match.groups()
        if module:
            current = module
        if test and current:
            named.append((current, test))
    assert len(named) > 50
    for module, test in named:
        tree = ast.parse(Path("tests", module).read_text(encoding="utf-8"))
        names = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
        assert test in names, f"docs/security.md names {module}::{test}, which does not exist"


def test_absurd_team_numbers_are_refused_not_500(app, staff_as):
    """Found by test_form_properties: a team id beyond 64 bits overflowed the database driver."""
    admin = staff_as("admin")
    user_id, _ = make_staff(app, "health_visitor")
    for team in ("99999999999999999999999", "³", "٣", "-1"):
        for path in ("/staff/users/new", f"/staff/users/{user_id}"):
            admin.get(path)
            response = admin.post(path, {"email": "t@egedal.dk", "name": "", "role":
                                         "health_visitor", "municipality": "1", "team": team})
            assert response.status_code == 400, (team, path, response.status_code)
            assert "Vælg et af teamene på listen." in response.get_data(as_text=True)
