"""Staff sign-in with a password: loading the signed-in user, the password step, the hand-over
to the second factor and the session that starts after it.

Who may see which view is decided in ``portal.access`` (roles and default deny); how often a
password may be tried in ``login_limits``; hashing and checking a password in ``passwords``;
set-password links in ``password_links``; when a session ends in ``session_ends``.
"""

from __future__ import annotations

import secrets
import time
from typing import Any, NamedTuple

from flask import Flask, current_app, has_request_context, redirect, request, session, url_for

from ..extensions import db, limiter, login_manager
from ..models.personal import Role, StaffUser
from ..security import log_event, safe_next
from .login_limits import LoginAttempt, device_nonce, remember_address, remember_device
from .passwords import verify_password
from .session_ends import session_is_fresh


def _load_user(user_id: str) -> StaffUser | None:
    # The session holds "<id>:<session token>"; a logged-out or changed user's token no longer
    # matches, so a copied cookie is worthless after logout.
    # Only the session's own login counts: Flask-Login would also offer an id from a
    # "remember me" cookie, which the portal never sets and must never accept (it would skip
    # the second factor and the timeouts).
    if session.get("_user_id") != user_id or not session_is_fresh():
        return None
    number, _sep, token = user_id.partition(":")
    if not number.isdigit() or not token:
        return None
    user = db.session.get(StaffUser, int(number))
    if user is None or not user.active:
        return None
    if not secrets.compare_digest(user.session_token, token):
        return None
    session["seen_at"] = int(time.time())
    return user


def _unauthorized() -> Any:
    return redirect(url_for("staff.login", next=safe_next(request.full_path)))


class Login(NamedTuple):
    """What a password attempt came to. ``outcome``: ``ok``, ``failed``, ``throttled`` (this
    address or device guessed too often) or ``protected`` (the account is being guessed at
    from many places; only a device or address it signed in from before may try now).
    ``wait``: seconds until trying again makes sense."""

    outcome: str
    user: StaffUser | None = None
    wait: int = 0


def authenticate(email: str, password: str, address: str) -> Login:
    """Try a login. Audits and commits. Who waits when: ``login_limits``."""
    from .. import audit

    email = email.strip().lower()
    user = db.session.execute(db.select(StaffUser).filter_by(email=email)).scalar_one_or_none()
    found = (user.id, user.password_hash, user.active and _password_allowed(user)) if user else None
    subject = f"staff:{user.id}" if user else None
    # End the read before hashing: scrypt takes a noticeable fraction of a second, and on
    # SQLite a POST's transaction holds the write lock that parents' answers wait for.
    db.session.commit()
    attempt = LoginAttempt(email, address, device_nonce(found[0]) if found else None)
    outcome, wait = attempt.gate()
    if outcome != "ok":
        audit.record("anonymous", "login.throttled", subject, reason=outcome)
        db.session.commit()
        log_event("login.throttled", reason=outcome, subject=subject)
        return Login(outcome, None, wait)
    if verify_password(found[1] if found else None, password) and found and found[2]:
        attempt.succeeded()
        audit.record(f"staff:{found[0]}", "login.succeeded", subject)
        db.session.commit()
        return Login("ok", db.session.get(StaffUser, found[0]))
    attempt.failed()
    audit.record("anonymous", "login.failed", subject)
    db.session.commit()
    return Login("failed")


def _password_allowed(user: StaffUser) -> bool:
    # A municipality that signs in through its identity provider has no password logins
    # (the provider decides who gets in); admins keep theirs to reach the portal when it fails.
    from .sso.models import uses_identity_provider

    return user.role == Role.ADMIN or not uses_identity_provider(user.municipality_id)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.user_loader(_load_user)
    login_manager.unauthorized_handler(_unauthorized)
    # Flask-Login's own "session protection" is replaced by the server-side session token.
    login_manager.session_protection = None
    # Used through its public API only: route limits by the decorator, login limits by hand
    # (``limiter.limiter``); there are no default limits for its hook before each request.
    limiter.init_app(app)


def begin_second_factor(user: StaffUser, next_url: str | None) -> str:
    """The password is right: remember that (and nothing more) in a fresh session and return
    where the second factor is asked for. The user is not logged in until it passes."""
    from . import mfa

    session.clear()
    session["mfa"] = {
        "u": user.id, "t": user.session_token, "at": int(time.time()), "next": next_url,
    }
    if user.language:
        session["lang"] = user.language
    return url_for("staff.mfa" if mfa.is_enrolled(user) else "staff.mfa_enrol")


def pending_user() -> StaffUser | None:
    """The user who has given their password and not yet the second factor, if the step is
    still fresh (``MFA_PENDING_MINUTES``) and nothing about the account changed since."""
    pending = session.get("mfa")
    if not isinstance(pending, dict) or not isinstance(pending.get("u"), int):
        return None
    limit = float(current_app.config["MFA_PENDING_MINUTES"]) * 60
    if not isinstance(pending.get("at"), int) or time.time() - pending["at"] > limit:
        session.pop("mfa", None)
        return None
    user = db.session.get(StaffUser, pending["u"])
    if user is None or not user.active or not secrets.compare_digest(
        user.session_token, str(pending.get("t"))
    ):
        session.pop("mfa", None)
        return None
    return user


def pending_next() -> str | None:
    pending = session.get("mfa")
    return safe_next(pending.get("next")) if isinstance(pending, dict) else None


def start_session(user: StaffUser) -> None:
    """Log in on a fresh session (no fixation) in the user's language. Only after both
    factors: callers are the second-factor views, sign-in through an identity provider and
    the password change page (which starts the changed user's session again)."""
    from flask_login import login_user

    session.clear()
    login_user(user, remember=False)
    if has_request_context():
        remember_device(user)
        remember_address(user.email, request.remote_addr or "unknown")
    now = int(time.time())
    session["auth_at"] = session["seen_at"] = now
    if user.language:
        session["lang"] = user.language
