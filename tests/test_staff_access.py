"""Staff accounts: default deny on every route, login, throttling, logout, set-password links."""

from __future__ import annotations

import re

import pytest

from portal.extensions import db
from portal.models.personal import AuditEvent, StaffUser
from portal.staff import PUBLIC_ENDPOINTS

from .conftest import STAFF_PASSWORD, Staff, make_staff

ROLES = ("health_visitor", "coordinator", "evaluator", "admin")
PROTECTED_PREFIXES = ("/staff", "/evaluation")


def _protected_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PROTECTED_PREFIXES):
            yield rule


def _url(rule) -> str:
    values = {name: 1 if "int" in type(conv).__name__.lower() else "x"
              for name, conv in rule._converters.items()}
    return rule.build(values, append_unknown=False)[1]


def _method(rule) -> str:
    return "GET" if "GET" in rule.methods else "POST"


def test_every_other_route_is_public_by_design(app):
    """A new route outside /staff and /evaluation must be a parent page or a static file."""
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PROTECTED_PREFIXES):
            continue
        # Besides parent pages: the front page, the favicon, and the short address printed on
        # a card (a redirect to /s/k).
        assert rule.rule in ("/", "/favicon.ico", "/k") or rule.rule.startswith(
            ("/s/", "/static/")
        ), rule.rule


def test_every_protected_endpoint_declares_its_roles(app):
    for rule in _protected_rules(app):
        view = app.view_functions[rule.endpoint]
        assert rule.endpoint in PUBLIC_ENDPOINTS or getattr(view, "allowed_roles", None), (
            f"{rule.endpoint} has no roles_required"
        )


def _walk_logged_out(app, visitor: Staff, rules) -> None:
    """Every protected route sends ``visitor`` to the login; public ones answer, never 5xx."""
    for rule in rules:
        url, method = _url(rule), _method(rule)
        client = visitor.client
        response = client.get(url) if method == "GET" else client.post(url, data={})
        where = (rule.endpoint, response.status_code)
        if rule.endpoint in PUBLIC_ENDPOINTS:
            assert response.status_code in (200, 302, 303, 400, 404, 410), where
            if response.status_code in (302, 303):
                assert response.headers["Location"].startswith("/staff/"), where
        else:
            assert response.status_code == 302, where
            assert "/staff/login" in response.headers["Location"], rule.endpoint


def test_every_route_with_every_role_and_anonymous(app):
    rules = sorted(_protected_rules(app), key=lambda r: r.endpoint == "staff.logout")
    assert rules, "no staff routes registered"
    _walk_logged_out(app, Staff(app.test_client()), rules)

    # The password alone logs nobody in: between it and the second factor every route but
    # the second-factor pages still answers "log in".
    for enrolled in (True, False):
        _, email = make_staff(app, "admin", mfa=enrolled)
        halfway = Staff(app.test_client())
        halfway.get("/staff/login")
        response = halfway.post("/staff/login", {"email": email, "password": STAFF_PASSWORD})
        assert response.headers["Location"] == ("/staff/mfa" if enrolled else "/staff/mfa/enrol")
        _walk_logged_out(app, halfway, [r for r in rules if r.endpoint != "staff.login"])

    for role in ROLES:
        _, email = make_staff(app, role)
        staff = Staff(app.test_client())
        assert staff.login(email).status_code == 303
        staff.get("/staff/", follow_redirects=True)
        token = staff.csrf()
        for rule in rules:
            url, method = _url(rule), _method(rule)
            if method == "GET":
                response = staff.client.get(url)
            else:
                response = staff.client.post(url, data={"csrf_token": token})
            allowed = getattr(app.view_functions[rule.endpoint], "allowed_roles", None)
            where = (role, rule.endpoint, response.status_code)
            assert response.status_code < 500, where
            if rule.endpoint in PUBLIC_ENDPOINTS:
                continue
            if role in allowed:
                assert response.status_code != 403, where
                if rule.endpoint != "staff.logout":
                    assert "/staff/login" not in response.headers.get("Location", ""), where
            else:
                assert response.status_code == 403, where


def test_a_view_without_roles_is_refused_even_to_an_admin(app):
    # Default deny is enforced by protect(): check it with a throw-away blueprint.
    from flask import Blueprint

    from portal.staff.auth import protect

    extra = Blueprint("extra", __name__, url_prefix="/extra")

    @extra.get("/")
    def forgotten():  # noqa: ANN202
        return "should not be seen"

    protect(extra)
    app.register_blueprint(extra)
    _, email = make_staff(app, "admin")
    staff = Staff(app.test_client())
    staff.login(email)
    assert staff.client.get("/extra/").status_code == 403


def test_login_logout_and_the_old_cookie_is_dead(app):
    _, email = make_staff(app, "health_visitor")
    staff = Staff(app.test_client())
    assert staff.login(email).status_code == 303
    assert staff.client.get("/staff/invitations").status_code == 200
    cookie = staff.client.get_cookie("portal_staff").value

    staff.get("/staff/invitations")
    response = staff.post("/staff/logout", {})
    assert response.status_code == 303
    assert staff.client.get("/staff/invitations").status_code == 302

    # Someone who copied the cookie before logout gets nowhere with it.
    thief = app.test_client()
    thief.set_cookie("portal_staff", cookie)
    response = thief.get("/staff/invitations")
    assert response.status_code == 302
    assert "/staff/login" in response.headers["Location"]


def test_wrong_password_and_unknown_address_get_the_same_answer(app):
    _, email = make_staff(app)
    staff = Staff(app.test_client())
    wrong = staff.login(email, "not the password")
    unknown = Staff(app.test_client()).login("nobody@egedal.dk", "not the password")
    assert wrong.status_code == unknown.status_code == 200
    assert "Forkert e-mailadresse eller adgangskode" in wrong.get_data(as_text=True)
    assert "Forkert e-mailadresse eller adgangskode" in unknown.get_data(as_text=True)
    # Nothing typed is lost but the password.
    assert f'value="{email}"' in wrong.get_data(as_text=True)


def test_login_is_throttled_per_account_and_address(app):
    """Wrong passwords slow down whoever types them there, not the account everywhere (the
    old per-account lockout refused the right password from any browser: issue 18)."""
    app.config["LOGIN_LIMIT_PER_PAIR"] = "3 per 15 minutes"
    _, email = make_staff(app)
    for _ in range(3):
        assert Staff(app.test_client()).login(email, "wrong").status_code == 200
    # From here, even the right password waits now.
    response = Staff(app.test_client()).login(email)
    assert response.status_code == 429
    assert "Vent 15 minutter" in response.get_data(as_text=True)
    # Another account from the same address is not locked out by this one.
    _, other = make_staff(app)
    assert Staff(app.test_client()).login(other).status_code == 303
    # Nor is the same account from another address.
    elsewhere = Staff(app.test_client())
    elsewhere.client.environ_base["REMOTE_ADDR"] = "127.0.0.9"
    assert elsewhere.login(email).status_code == 303


def test_login_is_throttled_per_address(app):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "4 per 15 minutes"
    client = Staff(app.test_client())
    for number in range(4):
        assert client.login(f"guess{number}@egedal.dk", "wrong").status_code == 200
    _, email = make_staff(app)
    assert client.login(email).status_code == 429


def test_a_successful_login_clears_the_counter_of_that_place(app):
    app.config["LOGIN_LIMIT_PER_PAIR"] = "3 per 15 minutes"
    _, email = make_staff(app)
    for _ in range(2):
        Staff(app.test_client()).login(email, "wrong")
    assert Staff(app.test_client()).login(email).status_code == 303
    for _ in range(2):
        Staff(app.test_client()).login(email, "wrong")
    assert Staff(app.test_client()).login(email).status_code == 303


def test_deactivated_user_cannot_log_in_and_is_logged_out(app, staff_as):
    coordinator = staff_as("coordinator")
    user_id, email = make_staff(app, "health_visitor")
    visitor = Staff(app.test_client())
    visitor.login(email)
    assert visitor.client.get("/staff/invitations").status_code == 200

    coordinator.get(f"/staff/users/{user_id}")
    response = coordinator.post(
        f"/staff/users/{user_id}", {"name": "", "role": "health_visitor", "team": ""}
    )  # "active" unticked
    assert response.status_code == 303
    assert visitor.client.get("/staff/invitations").status_code == 302
    assert Staff(app.test_client()).login(email).status_code == 200


def test_login_and_failures_are_audited_without_the_address(app):
    user_id, email = make_staff(app)
    Staff(app.test_client()).login(email, "wrong")
    Staff(app.test_client()).login("someone.else@egedal.dk", "wrong")
    Staff(app.test_client()).login(email)
    with app.app_context():
        events = db.session.execute(db.select(AuditEvent)).scalars().all()
        actions = [(e.action, e.subject) for e in events if e.action.startswith("login")]
        dumped = repr([(e.actor, e.action, e.subject, e.details, e.note) for e in events])
    assert ("login.failed", f"staff:{user_id}") in actions
    assert ("login.failed", None) in actions
    assert ("login.succeeded", f"staff:{user_id}") in actions
    assert email not in dumped and "someone.else" not in dumped and "wrong" not in dumped


def test_next_parameter_cannot_leave_the_site(app):
    _, email = make_staff(app)
    staff = Staff(app.test_client())
    staff.get("/staff/login?next=//evil.example/")
    response = staff.post("/staff/login?next=//evil.example/", {"email": email,
                                                                "password": STAFF_PASSWORD})
    assert response.headers["Location"] == "/staff/mfa"
    assert staff.second_factor(email).headers["Location"] == "/staff/"


def test_login_form_without_csrf_keeps_the_address(app):
    _, email = make_staff(app)
    client = app.test_client()
    response = client.post("/staff/login", data={"email": email, "password": STAFF_PASSWORD})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Siden havde været åben længe" in html
    assert f'value="{email}"' in html


def test_login_with_empty_fields(app):
    staff = Staff(app.test_client())
    staff.get("/staff/login")
    response = staff.post("/staff/login", {"email": "", "password": ""})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Skriv din e-mailadresse." in html
    assert "Skriv din adgangskode." in html


# --- set-password links and the CLI ---------------------------------------------------------


def _link_path(text: str) -> str:
    match = re.search(r"(/staff/set-password/[A-Za-z0-9_.\-]+)", text)
    assert match, text
    return match.group(1)


def test_cli_creates_a_user_with_a_one_time_link(app, runner):
    result = runner.invoke(
        args=["staff", "create", "--email", "New.Nurse@Egedal.dk", "--role", "health_visitor",
              "--organisation", "Egedal Kommune", "--team", "sundhedsplejen nord", "--link"]
    )
    assert result.exit_code == 0, result.output
    path = _link_path(result.output)

    staff = Staff(app.test_client())
    assert staff.get(path).status_code == 200
    response = staff.post(path, {"password": "short", "confirm": "short"})
    assert response.status_code == 400
    assert "mindst 12 tegn" in response.get_data(as_text=True)
    response = staff.post(path, {"password": "a long new password", "confirm": "a long new pass"})
    assert "De to adgangskoder er ikke ens." in response.get_data(as_text=True)
    response = staff.post(path, {"password": "a long new password",
                                 "confirm": "a long new password"})
    # A new user sets up the second factor before anything else.
    assert response.status_code == 303
    assert response.headers["Location"] == "/staff/mfa/enrol"
    assert staff.client.get("/staff/invitations").status_code == 302
    secret, codes, _ = staff.enrol("new.nurse@egedal.dk")
    assert len(codes) == 10
    assert staff.client.get("/staff/invitations").status_code == 200

    # Used once: the link is void now.
    assert Staff(app.test_client()).get(path).status_code == 410
    assert Staff(app.test_client()).login("new.nurse@egedal.dk", "a long new password",
                                          totp_secret=secret).status_code == 303


def test_cli_prompts_for_a_password(app, runner):
    result = runner.invoke(
        args=["staff", "create", "--email", "coord@egedal.dk", "--role", "coordinator",
              "--organisation", "0240"],
        input="a good long password\na good long password\n",
    )
    assert result.exit_code == 0, result.output
    assert "a good long password" not in result.output
    assert Staff(app.test_client()).login("coord@egedal.dk",
                                          "a good long password").status_code == 303


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "x@egedal.dk", "--role", "nurse", "--organisation", "0240"], "nurse"),
        (["--email", "x@egedal.dk", "--role", "admin", "--organisation", "9999"],
         "no municipality"),
        (["--email", "not-an-address", "--role", "admin", "--organisation", "0240", "--link"],
         "not a valid e-mail"),
        (["--email", "x@egedal.dk", "--role", "admin", "--organisation", "0240",
          "--team", "Nowhere", "--link"], "no team"),
    ],
)
def test_cli_refuses_bad_input(runner, args, message):
    result = runner.invoke(args=["staff", "create", *args])
    assert result.exit_code != 0
    assert message in result.output


def test_cli_refuses_a_duplicate(app, runner):
    make_staff(app, email="taken@egedal.dk")
    result = runner.invoke(args=["staff", "create", "--email", "TAKEN@egedal.dk", "--role",
                                 "admin", "--organisation", "0240", "--link"])
    assert result.exit_code != 0
    assert "already exists" in result.output


def test_tampered_set_password_link(app):
    response = app.test_client().get("/staff/set-password/abc.def.ghi")
    assert response.status_code == 410
    assert "Linket virker ikke" in response.get_data(as_text=True)


def test_passwords_are_stored_with_scrypt(app):
    user_id, _ = make_staff(app)
    with app.app_context():
        assert db.session.get(StaffUser, user_id).password_hash.startswith("scrypt:")


# --- user management --------------------------------------------------------------------------


def test_coordinator_creates_a_user_in_their_municipality_only(app, staff_as):
    coordinator = staff_as("coordinator")
    coordinator.get("/staff/users/new")
    html = coordinator.page_html
    assert "Københavns Kommune" not in html  # only their own municipality is offered
    assert 'value="admin"' not in html  # and no admin role
    response = coordinator.post(
        "/staff/users/new",
        {"email": "fresh@egedal.dk", "name": "Fresh", "role": "admin", "municipality": "1",
         "team": ""},
    )
    assert response.status_code == 400
    assert "Vælg en af rollerne på listen." in response.get_data(as_text=True)
    assert 'value="fresh@egedal.dk"' in response.get_data(as_text=True)

    response = coordinator.post(
        "/staff/users/new",
        {"email": "fresh@egedal.dk", "name": "Fresh", "role": "health_visitor",
         "municipality": "1", "team": ""},
    )
    assert response.status_code == 200
    assert "/staff/set-password/" in response.get_data(as_text=True)

    response = coordinator.post(
        "/staff/users/new",
        {"email": "Fresh@egedal.dk", "name": "", "role": "health_visitor",
         "municipality": "1", "team": ""},
    )
    assert response.status_code == 400
    assert "Der findes allerede en bruger" in response.get_data(as_text=True)


def test_user_form_bad_input(app, staff_as):
    admin = staff_as("admin")
    admin.get("/staff/users/new")
    response = admin.post(
        "/staff/users/new",
        {"email": "not-mail", "name": "", "role": "health_visitor", "municipality": "999",
         "team": "abc"},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Det er ikke en gyldig e-mailadresse" in html
    assert "Vælg en af kommunerne på listen." in html
    assert "Vælg et af teamene på listen." in html


def test_coordinator_cannot_see_another_municipalitys_user(app, staff_as):
    other_id, _ = make_staff(app, "health_visitor", municipality_code="0101")
    coordinator = staff_as("coordinator")
    assert coordinator.client.get(f"/staff/users/{other_id}").status_code == 404
    coordinator.get("/staff/users")
    assert "@k0101.dk" not in coordinator.page_html


def test_user_changes_are_audited(app, staff_as):
    admin = staff_as("admin")
    user_id, _ = make_staff(app, "health_visitor")
    admin.get(f"/staff/users/{user_id}")
    admin.post(f"/staff/users/{user_id}", {"name": "Ny", "role": "coordinator", "team": "",
                                           "active": "y"})
    with app.app_context():
        event = db.session.execute(
            db.select(AuditEvent).filter_by(action="user.updated")
        ).scalar_one()
        assert event.subject == f"staff:{user_id}"
        assert set(event.details["changed"]) == {"role", "team_id", "name"}
        assert db.session.get(StaffUser, user_id).role == "coordinator"


def test_nobody_can_lock_themselves_out(app, staff_as):
    admin = staff_as("admin")
    with app.app_context():
        me = db.session.execute(db.select(StaffUser).filter_by(email=admin.email)).scalar_one()
    admin.get(f"/staff/users/{me.id}")
    response = admin.post(f"/staff/users/{me.id}", {"name": "", "role": "admin", "team": ""})
    assert response.status_code == 400
    assert "Du kan ikke deaktivere dig selv" in response.get_data(as_text=True)


def test_demo_logins_exist_only_in_development(app, runner, tmp_path):
    from .conftest import make_app

    result = runner.invoke(args=["demo"])
    assert "demo-password-1" not in result.output
    dev = make_app(tmp_path / "dev", None, ENV="development",
                   INSTANCE_PATH=str(tmp_path / "dev-instance"))
    with dev.app_context():
        from portal.stores import create_all

        create_all()
        result = dev.test_cli_runner().invoke(args=["demo"])
    assert "sundhedsplejerske@egedal.demo" in result.output
    assert "demo-password-1" in result.output
    from portal.demo import DEMO_TOTP_SECRET
    from portal.staff.mfa import grouped

    assert grouped(DEMO_TOTP_SECRET) in result.output
    response = Staff(dev.test_client()).login(
        "sundhedsplejerske@egedal.demo", "demo-password-1", totp_secret=DEMO_TOTP_SECRET
    )
    assert response.status_code == 303 and response.headers["Location"] == "/staff/"


def test_user_form_without_csrf_keeps_what_was_typed(app, staff_as):
    admin = staff_as("admin")
    response = admin.client.post("/staff/users/new", data={
        "email": "kept@egedal.dk", "name": "Kept Name", "role": "health_visitor",
        "municipality": "1", "team": ""})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Siden havde været åben længe" in html
    assert 'value="kept@egedal.dk"' in html and 'value="Kept Name"' in html
    with app.app_context():
        assert db.session.execute(
            db.select(StaffUser).filter_by(email="kept@egedal.dk")).first() is None


def test_set_password_without_csrf_changes_nothing(app, runner):
    result = runner.invoke(args=["staff", "create", "--email", "n@egedal.dk", "--role",
                                 "coordinator", "--organisation", "0240", "--link"])
    path = _link_path(result.output)
    response = app.test_client().post(path, data={"password": "a long new password",
                                                  "confirm": "a long new password"})
    assert response.status_code == 400
    assert "Siden havde været åben længe" in response.get_data(as_text=True)
    assert Staff(app.test_client()).get(path).status_code == 200  # the link still works


def test_anonymous_post_without_csrf_goes_to_login(app):
    response = app.test_client().post("/staff/invite", data={"channel": "qr"})
    assert response.status_code == 302
    assert "/staff/login" in response.headers["Location"]


def test_login_returns_to_the_page_asked_for(app):
    _, email = make_staff(app)
    staff = Staff(app.test_client())
    response = staff.client.get("/staff/invitations?status=sent")
    login_url = response.headers["Location"]
    staff.get(login_url)
    response = staff.post(login_url, {"email": email, "password": STAFF_PASSWORD})
    assert response.headers["Location"] == "/staff/mfa"
    response = staff.second_factor(email)
    assert response.headers["Location"] == "/staff/invitations?status=sent"


def test_cli_password_link_for_a_locked_out_user(app, runner):
    _, email = make_staff(app, "admin")
    result = runner.invoke(args=["staff", "password-link", "--email", email.upper()])
    assert result.exit_code == 0, result.output
    path = _link_path(result.output)
    staff = Staff(app.test_client())
    staff.get(path)
    assert staff.post(path, {"password": "a brand new password",
                             "confirm": "a brand new password"}).status_code == 303
    assert Staff(app.test_client()).login(email).status_code == 200  # old password gone
    missing = runner.invoke(args=["staff", "password-link", "--email", "nobody@egedal.dk"])
    assert missing.exit_code != 0 and "no active user" in missing.output
