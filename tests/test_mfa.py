"""Staff multi-factor login: enrolment, TOTP codes used once, recovery codes, limits, audit;
and the staff session itself: renewed at login, idle and absolute timeouts, no remember-me."""

from __future__ import annotations

import time

import pyotp
import pytest

from portal.extensions import db
from portal.models.personal import AuditEvent, RecoveryCode, StaffUser

from .conftest import STAFF_PASSWORD, TEST_TOTP_SECRET, Staff, make_staff


def _password_step(app, email: str, path: str = "/staff/login") -> Staff:
    staff = Staff(app.test_client())
    staff.get(path)
    response = staff.post(path, {"email": email, "password": STAFF_PASSWORD})
    assert response.status_code == 303
    return staff


def _actions(app) -> list[tuple[str, str | None, dict]]:
    with app.app_context():
        events = db.session.execute(db.select(AuditEvent).order_by(AuditEvent.id)).scalars()
        return [(e.action, e.subject, e.details) for e in events]


def _user(app, user_id: int) -> StaffUser:
    with app.app_context():
        user = db.session.get(StaffUser, user_id)
        db.session.expunge(user)
        return user


# --- enrolment --------------------------------------------------------------------------------


def test_first_login_enrols_then_shows_recovery_codes_once(app):
    user_id, email = make_staff(app, "evaluator", mfa=False)
    staff = _password_step(app, email)
    assert staff.client.get("/staff/mfa").headers["Location"] == "/staff/mfa/enrol"

    page = staff.get("/staff/mfa/enrol")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<img src="/staff/mfa/enrol/qr.svg"' in html
    qr = staff.client.get("/staff/mfa/enrol/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    assert b"<svg" in qr.data
    # Reloading keeps the key the user may already have scanned.
    first_key = staff.page_html.split('id="totp-secret">')[1].split("<")[0]
    staff.get("/staff/mfa/enrol")
    assert first_key in staff.page_html

    wrong = staff.post("/staff/mfa/enrol", {"code": "000000"})
    assert wrong.status_code == 400
    assert "Koden er forkert" in wrong.get_data(as_text=True)
    assert staff.client.get("/staff/").status_code == 302  # still not logged in

    secret, codes, response = staff.enrol(email)
    assert secret == first_key.replace(" ", "")
    html = response.get_data(as_text=True)
    assert "Dine reservekoder" in html and len(codes) == len(set(codes)) == 10
    # Only salted hashes are kept.
    with app.app_context():
        stored = db.session.execute(db.select(RecoveryCode.code_hash)).scalars().all()
    assert len(stored) == 10
    assert not any(code in "".join(stored) for code in codes)
    # Into the app (an evaluator lands on the evaluation pages).
    assert staff.client.get("/staff/").status_code == 302
    assert staff.client.get("/evaluation/").status_code == 200
    # The codes are never shown again.
    assert staff.client.get("/staff/mfa/enrol").headers["Location"] == "/staff/"
    assert staff.client.get("/staff/mfa/enrol/qr.svg").status_code == 404
    assert ("mfa.enrolled", f"staff:{user_id}", {"count": 10}) in _actions(app)


def test_enrolment_qr_and_pages_need_the_password_first(app):
    client = app.test_client()
    assert client.get("/staff/mfa/enrol/qr.svg").status_code == 404
    assert client.get("/staff/mfa/enrol").headers["Location"] == "/staff/login"
    assert client.get("/staff/mfa").headers["Location"] == "/staff/login"
    assert client.post("/staff/mfa", data={"code": "123456"}).status_code in (302, 303, 400)


def test_an_enrolled_user_is_never_offered_a_new_key(app):
    _, email = make_staff(app)
    staff = _password_step(app, email)
    response = staff.client.get("/staff/mfa/enrol")
    assert response.headers["Location"] == "/staff/mfa"
    assert staff.client.get("/staff/mfa/enrol/qr.svg").status_code == 404


# --- codes ------------------------------------------------------------------------------------


def test_a_code_logs_in_once_and_is_refused_the_second_time(app):
    user_id, email = make_staff(app)
    code = pyotp.TOTP(TEST_TOTP_SECRET).now()
    first = _password_step(app, email)
    first.get("/staff/mfa")
    assert first.post("/staff/mfa", {"code": code}).headers["Location"] == "/staff/"
    assert first.client.get("/staff/invitations").status_code == 200

    # Someone who saw the code over a shoulder and knows the password gets nowhere with it.
    second = _password_step(app, email)
    second.get("/staff/mfa")
    response = second.post("/staff/mfa", {"code": code})
    assert response.status_code == 400
    assert "Koden er lige blevet brugt" in response.get_data(as_text=True)
    assert second.client.get("/staff/invitations").status_code == 302
    actions = _actions(app)
    assert ("mfa.succeeded", f"staff:{user_id}", {"kind": "totp"}) in actions
    assert ("mfa.failed", f"staff:{user_id}", {"reason": "reused"}) in actions


def test_codes_are_typed_like_people_type_them(app):
    _, email = make_staff(app)
    staff = _password_step(app, email)
    staff.get("/staff/mfa")
    code = pyotp.TOTP(TEST_TOTP_SECRET).now()
    spaced = f" {code[:3]} {code[3:]} "
    assert staff.post("/staff/mfa", {"code": spaced}).status_code == 303


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "0" * 64, "x" * 65, "\x00"])
def test_bad_codes_are_refused_kindly(app, code):
    _, email = make_staff(app)
    staff = _password_step(app, email)
    staff.get("/staff/mfa")
    response = staff.post("/staff/mfa", {"code": code})
    assert response.status_code == 400
    assert staff.client.get("/staff/invitations").status_code == 302


def test_a_code_from_long_ago_is_refused(app):
    _, email = make_staff(app)
    staff = _password_step(app, email)
    staff.get("/staff/mfa")
    old = pyotp.TOTP(TEST_TOTP_SECRET).at(time.time() - 600)
    assert staff.post("/staff/mfa", {"code": old}).status_code == 400


def test_recovery_codes_work_once_each(app):
    user_id, email = make_staff(app, mfa=False)
    staff = _password_step(app, email)
    _, codes, _ = staff.enrol(email)

    lost_phone = _password_step(app, email)
    lost_phone.get("/staff/mfa")
    response = lost_phone.post("/staff/mfa", {"code": codes[3].upper()})
    assert response.status_code == 303
    page = lost_phone.get("/staff/invitations")
    assert "Reservekoder tilbage: 9" in page.get_data(as_text=True)

    again = _password_step(app, email)
    again.get("/staff/mfa")
    assert again.post("/staff/mfa", {"code": codes[3]}).status_code == 400
    assert ("mfa.recovery_code_used", f"staff:{user_id}", {"count": 9}) in _actions(app)


# --- limits -----------------------------------------------------------------------------------


def test_wrong_codes_are_throttled_per_account(app):
    app.config["MFA_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    user_id, email = make_staff(app)
    for _ in range(3):
        staff = _password_step(app, email)
        staff.get("/staff/mfa")
        assert staff.post("/staff/mfa", {"code": "000000"}).status_code == 400
    staff = _password_step(app, email)
    staff.get("/staff/mfa")
    response = staff.post("/staff/mfa", {"code": pyotp.TOTP(TEST_TOTP_SECRET).now()})
    assert response.status_code == 429
    assert "For mange forkerte koder" in response.get_data(as_text=True)
    assert ("mfa.throttled", f"staff:{user_id}", {}) in _actions(app)
    # Another account is not locked out by this one.
    _, other = make_staff(app)
    assert Staff(app.test_client()).login(other).status_code == 303


def test_wrong_codes_are_throttled_per_address(app):
    app.config["MFA_LIMIT_PER_ADDRESS"] = "4 per 15 minutes"
    for _ in range(4):
        _, email = make_staff(app)
        staff = _password_step(app, email)
        staff.get("/staff/mfa")
        staff.post("/staff/mfa", {"code": "000000"})
    _, email = make_staff(app)
    assert Staff(app.test_client()).login(email).status_code == 429
    # Elsewhere, the same account is fine.
    elsewhere = Staff(app.test_client())
    elsewhere.client.environ_base["REMOTE_ADDR"] = "127.0.0.9"
    assert elsewhere.login(email).status_code == 303


def test_the_password_step_goes_stale(app):
    _, email = make_staff(app)
    staff = _password_step(app, email)
    staff.get("/staff/mfa")
    with staff.client.session_transaction() as session:
        session["mfa"] = {**session["mfa"], "at": session["mfa"]["at"] - 11 * 60}
    response = staff.client.post(
        "/staff/mfa",
        data={"code": pyotp.TOTP(TEST_TOTP_SECRET).now(), "csrf_token": staff.csrf()},
    )
    assert response.headers["Location"] == "/staff/login"


def test_a_password_change_voids_a_half_done_login(app):
    user_id, email = make_staff(app)
    staff = _password_step(app, email)
    with app.app_context():
        from portal.staff import session_ends

        session_ends.end_all_sessions(db.session.get(StaffUser, user_id))
        db.session.commit()
    staff.get("/staff/mfa")
    assert staff.client.get("/staff/mfa").headers["Location"] == "/staff/login"


def test_cli_resets_a_lost_second_factor(app, runner):
    user_id, email = make_staff(app)
    result = runner.invoke(args=["staff", "reset-mfa", "--email", email])
    assert result.exit_code == 0, result.output
    staff = _password_step(app, email)
    assert staff.client.get("/staff/mfa").headers["Location"] == "/staff/mfa/enrol"
    assert ("mfa.reset", f"staff:{user_id}", {}) in _actions(app)
    assert runner.invoke(args=["staff", "reset-mfa", "--email", "no@one.dk"]).exit_code != 0


# --- the session ------------------------------------------------------------------------------


def test_login_starts_a_new_session_and_an_old_cookie_is_not_fixated(app):
    _, email = make_staff(app)
    staff = Staff(app.test_client())
    staff.get("/staff/login")
    with staff.client.session_transaction() as session:
        session["planted"] = "by someone else"
    before = staff.client.get_cookie("portal_staff").value
    assert staff.login(email).status_code == 303
    after = staff.client.get_cookie("portal_staff").value
    assert after != before
    with staff.client.session_transaction() as session:
        assert "planted" not in session
        assert "mfa" not in session
    # The cookie from before the login does not open anything.
    other = app.test_client()
    other.set_cookie("portal_staff", before)
    assert other.get("/staff/invitations").status_code == 302


def _age(staff: Staff, **seconds: int) -> None:
    with staff.client.session_transaction() as session:
        for key, delta in seconds.items():
            session[key] -= delta


def test_idle_timeout(app):
    app.config["STAFF_IDLE_MINUTES"] = 30
    _, email = make_staff(app)
    staff = Staff(app.test_client())
    staff.login(email)
    _age(staff, seen_at=29 * 60)
    assert staff.client.get("/staff/invitations").status_code == 200  # and it counts as use
    _age(staff, seen_at=29 * 60)
    assert staff.client.get("/staff/invitations").status_code == 200
    _age(staff, seen_at=31 * 60)
    response = staff.client.get("/staff/invitations")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login")
    page = staff.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "ikke har været brugt i et stykke tid" in page
    assert staff.client.get("/staff/invitations").status_code == 302


def test_absolute_timeout_even_when_busy(app):
    app.config["STAFF_MAX_HOURS"] = 10
    _, email = make_staff(app)
    staff = Staff(app.test_client())
    staff.login(email)
    _age(staff, auth_at=9 * 3600)
    assert staff.client.get("/staff/invitations").status_code == 200
    _age(staff, auth_at=3601)
    response = staff.client.get("/staff/invitations", follow_redirects=True)
    assert "Du har været logget ind længe" in response.get_data(as_text=True)
    assert staff.client.get("/evaluation/").status_code == 302


def test_timeouts_hold_for_posts_too(app):
    _, email = make_staff(app)
    staff = Staff(app.test_client())
    staff.login(email)
    staff.get("/staff/invite")
    _age(staff, seen_at=3600)
    response = staff.post("/staff/invite", {"questionnaire": "18-months", "language": "da",
                                            "channel": "qr", "action": "send"})
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    with app.app_context():
        from portal.models.personal import Invitation

        assert db.session.execute(db.select(Invitation)).first() is None


def test_no_remember_me_cookie_is_set_or_accepted(app):
    from flask_login.utils import encode_cookie

    user_id, email = make_staff(app)
    staff = Staff(app.test_client())
    staff.login(email)
    assert staff.client.get_cookie("remember_token") is None
    with app.app_context():
        user = db.session.get(StaffUser, user_id)
        with app.test_request_context():
            forged = encode_cookie(user.get_id())
    thief = app.test_client()
    thief.set_cookie("remember_token", forged)
    response = thief.get("/staff/invitations")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


def test_a_coordinator_resets_a_lost_authenticator(app, staff_as):
    coordinator = staff_as("coordinator")
    user_id, email = make_staff(app, "health_visitor")
    visitor = Staff(app.test_client())
    visitor.login(email)
    coordinator.get(f"/staff/users/{user_id}")
    assert "Nulstil godkendelsesappen" in coordinator.page_html
    response = coordinator.post(f"/staff/users/{user_id}/reset-mfa", {})
    assert response.status_code == 303
    assert "nulstillet" in coordinator.get(response.headers["Location"]).get_data(as_text=True)
    assert visitor.client.get("/staff/invitations").status_code == 302  # logged out everywhere
    staff = _password_step(app, email)
    assert staff.client.get("/staff/mfa").headers["Location"] == "/staff/mfa/enrol"
    assert ("mfa.reset", f"staff:{user_id}", {}) in _actions(app)

    # Not for someone outside their municipality, and not for themselves.
    other_id, _ = make_staff(app, "health_visitor", municipality_code="0101")
    coordinator.get("/staff/users")
    assert coordinator.post(f"/staff/users/{other_id}/reset-mfa", {}).status_code == 404
    with app.app_context():
        me = db.session.execute(
            db.select(StaffUser).filter_by(email=coordinator.email)).scalar_one()
    coordinator.get("/staff/users")
    assert coordinator.post(f"/staff/users/{me.id}/reset-mfa", {}).status_code == 404
