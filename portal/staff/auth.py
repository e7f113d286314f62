"""Staff authentication: sessions that can be ended on the server, throttled logins, roles.

``roles_required`` is the one role check for every staff and evaluation view; ``protect``
installs default deny on a blueprint: a view without ``roles_required`` answers 403 to everyone.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable, Iterable
from functools import cache, wraps
from typing import Any, TypeVar

import limits
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db, limiter, login_manager
from ..models.personal import Role, StaffUser

F = TypeVar("F", bound=Callable[..., Any])

ALL_ROLES = tuple(role.value for role in Role)

@cache
def _dummy_hash() -> str:
    # Checked against when the e-mail is unknown, so a wrong address costs as long as a wrong
    # password and response times do not reveal which addresses have accounts.
    return generate_password_hash("not-a-password", method="scrypt")


def roles_required(*roles: str) -> Callable[[F], F]:
    """Allow a view to the named roles only (403 for other roles; login is checked before)."""
    unknown = set(roles) - set(ALL_ROLES)
    if unknown or not roles:
        raise ValueError(f"unknown roles: {sorted(unknown)}")

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapper.allowed_roles = frozenset(roles)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def protect(bp: Blueprint, public_endpoints: Iterable[str] = ()) -> None:
    """Default deny for a blueprint: login first, then the view must declare its roles."""
    public = frozenset(public_endpoints)

    @bp.before_request
    def _default_deny() -> Any:
        if request.endpoint in public:
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        view = current_app.view_functions.get(request.endpoint or "")
        if not getattr(view, "allowed_roles", None):
            abort(403)
        return None


# --- sessions ---------------------------------------------------------------------------------


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def end_all_sessions(user: StaffUser) -> None:
    """Every session cookie of this user stops working at the next request. Caller commits."""
    user.session_token = new_session_token()


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


def session_is_fresh(now: float | None = None) -> bool:
    """False, and the session emptied with a note for the login page, once the session has
    been idle for ``STAFF_IDLE_MINUTES`` or open for ``STAFF_MAX_HOURS``."""
    now = time.time() if now is None else now
    auth_at, seen_at = session.get("auth_at"), session.get("seen_at")
    if not isinstance(auth_at, int) or not isinstance(seen_at, int):
        return False
    config = current_app.config
    idle = float(config["STAFF_IDLE_MINUTES"]) * 60
    longest = float(config["STAFF_MAX_HOURS"]) * 3600
    if now - auth_at > longest:
        message = _("You have been logged in for a long time, so you were logged out. "
                    "Log in again.")
    elif now - seen_at > idle:
        message = _("You were logged out because the page was not used for a while. "
                    "Log in again.")
    else:
        return True
    session.clear()
    g.staff_session_expired = True
    flash(message)
    return False


def _unauthorized() -> Any:
    return redirect(url_for("staff.login", next=safe_next(request.full_path)))


def safe_next(target: str | None) -> str | None:
    """A local staff path to go back to after login, or None (no open redirects)."""
    if target and target.startswith("/staff/") and "//" not in target and "\\" not in target:
        return target.rstrip("?")
    return None


# --- passwords --------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    # "scrypt" is werkzeug's default cost (n=2**15, r=8, p=1); tests lower n to stay quick.
    return generate_password_hash(
        password, method=current_app.config.get("PASSWORD_HASH_METHOD") or "scrypt"
    )


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; without a hash (no such user, no password yet) it takes as long."""
    if not password_hash:
        check_password_hash(_dummy_hash(), password)
        return False
    return check_password_hash(password_hash, password)


def authenticate(email: str, password: str, address: str) -> tuple[str, StaffUser | None]:
    """Try a login: ("ok", user), ("failed", None) or ("throttled", None). Audits and commits."""
    from .. import audit

    email = email.strip().lower()
    user = db.session.execute(db.select(StaffUser).filter_by(email=email)).scalar_one_or_none()
    found = (user.id, user.password_hash, user.active and _password_allowed(user)) if user else None
    subject = f"staff:{user.id}" if user else None
    # End the read before hashing: scrypt takes a noticeable fraction of a second, and on
    # SQLite a POST's transaction holds the write lock that parents' answers wait for.
    db.session.commit()
    if not login_allowed(email, address):
        audit.record("anonymous", "login.throttled", subject)
        db.session.commit()
        return "throttled", None
    if verify_password(found[1] if found else None, password) and found and found[2]:
        clear_failed_logins(email)
        audit.record(f"staff:{found[0]}", "login.succeeded", subject)
        db.session.commit()
        return "ok", db.session.get(StaffUser, found[0])
    record_failed_login(email, address)
    audit.record("anonymous", "login.failed", subject)
    db.session.commit()
    return "failed", None


def _password_allowed(user: StaffUser) -> bool:
    # A municipality that signs in through its identity provider has no password logins
    # (the provider decides who gets in); admins keep theirs to reach the portal when it fails.
    from .sso.provisioning import uses_identity_provider

    return user.role == Role.ADMIN or not uses_identity_provider(user.municipality_id)


def _link_serializer() -> URLSafeTimedSerializer:
    config = current_app.config
    keys = [*config.get("SECRET_KEY_FALLBACKS", []), config["SECRET_KEY"]]
    return URLSafeTimedSerializer(keys, salt="staff-set-password")


def _fingerprint(user: StaffUser) -> str:
    # Changes when the password does, so a link works once and is void after any change.
    return hashlib.sha256((user.password_hash or "unset").encode()).hexdigest()[:16]


def password_link_token(user: StaffUser) -> str:
    return _link_serializer().dumps({"u": user.id, "f": _fingerprint(user)})


def password_link(user: StaffUser) -> str:
    base = current_app.config["BASE_URL"].rstrip("/")
    return f"{base}/staff/set-password/{password_link_token(user)}"


def user_for_password_token(token: str) -> StaffUser | None:
    """The user a set-password link is for, or None if it is tampered, used or too old."""
    max_age = int(float(current_app.config["SET_PASSWORD_LINK_HOURS"]) * 3600)
    try:
        data = _link_serializer().loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature, UnicodeError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = db.session.get(StaffUser, data["u"])
    if user is None or not user.active or data.get("f") != _fingerprint(user):
        return None
    return user


# --- login throttling -------------------------------------------------------------------------


def _limits() -> tuple[limits.RateLimitItem, limits.RateLimitItem]:
    config = current_app.config
    return (
        limits.parse(config["LOGIN_LIMIT_PER_ACCOUNT"]),
        limits.parse(config["LOGIN_LIMIT_PER_ADDRESS"]),
    )


def _account_key(email: str) -> str:
    # Hashed, so a shared store (Redis) never holds staff addresses.
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def login_allowed(email: str, address: str) -> bool:
    """False while the account or the address has used up its failed attempts."""
    per_account, per_address = _limits()
    strategy = limiter.limiter
    return strategy.test(per_account, "login-account", _account_key(email)) and strategy.test(
        per_address, "login-address", address
    )


def record_failed_login(email: str, address: str) -> None:
    per_account, per_address = _limits()
    limiter.limiter.hit(per_account, "login-account", _account_key(email))
    limiter.limiter.hit(per_address, "login-address", address)


def clear_failed_logins(email: str) -> None:
    per_account, _ = _limits()
    limiter.limiter.clear(per_account, "login-account", _account_key(email))


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.user_loader(_load_user)
    login_manager.unauthorized_handler(_unauthorized)
    # Flask-Login's own "session protection" is replaced by the server-side session token.
    login_manager.session_protection = None
    limiter.init_app(app)
    # The limiter's hook before every request only checks default and application-wide
    # limits, and there are none: route limits are checked by their decorator and login
    # limits by hand. Dropped, it no longer costs every parent page a tenth of its time.
    app.before_request_funcs[None].remove(limiter._check_request_limit)


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
    factors: callers are the second-factor views."""
    from flask_login import login_user

    session.clear()
    login_user(user, remember=False)
    now = int(time.time())
    session["auth_at"] = session["seen_at"] = now
    if user.language:
        session["lang"] = user.language
