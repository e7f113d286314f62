"""Staff authentication: sessions that can be ended on the server, throttled logins, roles.

``roles_required`` is the one role check for every staff and evaluation view; ``protect``
installs default deny on a blueprint: a view without ``roles_required`` answers 403 to everyone.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import unicodedata
from collections.abc import Callable, Iterable
from functools import cache, wraps
from typing import Any, NamedTuple, TypeVar

import limits
from flask import (
    Blueprint,
    Flask,
    abort,
    after_this_request,
    current_app,
    flash,
    g,
    has_request_context,
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
    if (
        target
        and len(target) <= 2000
        and target.startswith("/staff/")
        and "//" not in target
        and "\\" not in target
        # Control characters (CR LF would split the Location header) and spaces of any kind.
        and target.isprintable()
        and " " not in target
    ):
        return target.rstrip("?")
    return None


# --- passwords --------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    # "scrypt" is werkzeug's default cost (n=2**15, r=8, p=1); tests lower n to stay quick.
    # NFC first: "blå" is one password however the keyboard sends the å.
    return generate_password_hash(
        unicodedata.normalize("NFC", password),
        method=current_app.config.get("PASSWORD_HASH_METHOD") or "scrypt",
    )


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; without a hash (no such user, no password yet) it takes as long."""
    composed = unicodedata.normalize("NFC", password)
    if not password_hash:
        check_password_hash(_dummy_hash(), composed)
        return False
    if check_password_hash(password_hash, composed):
        return True
    # Hashes from before NFC normalisation hold whatever the browser sent; one set in
    # decomposed form is still accepted (and replaced at the next password change).
    decomposed = unicodedata.normalize("NFD", password)
    return decomposed != composed and check_password_hash(password_hash, decomposed)


class Login(NamedTuple):
    """What a password attempt came to. ``outcome``: ``ok``, ``failed``, ``throttled`` (this
    address or device guessed too often) or ``protected`` (the account is being guessed at
    from many places; only a device or address it signed in from before may try now).
    ``wait``: seconds until trying again makes sense."""

    outcome: str
    user: StaffUser | None = None
    wait: int = 0


def authenticate(email: str, password: str, address: str) -> Login:
    """Try a login. Audits and commits. See "login throttling" below for who waits when."""
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
        security_event("login.throttled", reason=outcome, subject=subject)
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
#
# Failed passwords are counted three ways, and none of them lets a stranger lock a victim out:
#
# * per account *and* address, or per device once the browser has signed in to the account
#   before (a signed device cookie): ``LOGIN_LIMIT_PER_PAIR``, tiers that grow (a few minutes,
#   then an hour, then a day). Only whoever guesses from there waits.
# * per address across accounts (``LOGIN_LIMIT_PER_ADDRESS``): one address trying many
#   accounts. A device cookie of the account is not held back by it.
# * per account across addresses (``LOGIN_LIMIT_PER_ACCOUNT``): many addresses guessing one
#   account. Used up, it "protects" the account: only a device or address that has signed in
#   to it before may try, still at its own pace. The right password from the victim's own
#   browser or office keeps working however hard the account is hammered from elsewhere.
#
# Counters live in the rate-limit store (memory, or Redis shared by every worker); keys are
# hashes, so the store never holds an e-mail address.

DEVICE_COOKIE = "portal_device"
#: Accounts one browser remembers (a shared office PC has several users).
DEVICE_COOKIE_USERS = 5


def _key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _account_key(email: str) -> str:
    return _key(email.strip().lower())


def _items(name: str) -> list[limits.RateLimitItem]:
    return limits.parse_many(str(current_app.config[name]))


def _wait(items: list[limits.RateLimitItem], namespace: str, key: str) -> int:
    """Seconds until ``key`` may try again under every one of ``items`` (0: now)."""
    strategy = limiter.limiter
    wait = 0.0
    for item in items:
        if not strategy.test(item, namespace, key):
            reset = strategy.get_window_stats(item, namespace, key).reset_time
            wait = max(wait, reset - time.time(), 1)
    return int(wait + 0.999)


def _hit(items: list[limits.RateLimitItem], namespace: str, key: str) -> None:
    for item in items:
        limiter.limiter.hit(item, namespace, key)


def _known_key(email: str, address: str) -> str:
    return f"login-known/{_key(email.strip().lower(), address)}"


def remember_address(email: str, address: str) -> None:
    """This address completed a login of this account (both factors)."""
    days = float(current_app.config["LOGIN_KNOWN_DAYS"])
    limiter.limiter.storage.incr(_known_key(email, address), int(days * 86400))


def is_known_address(email: str, address: str) -> bool:
    return bool(limiter.limiter.storage.get(_known_key(email, address)))


class LoginAttempt:
    """One password attempt for ``email`` from ``address`` (and a device nonce, if the browser
    holds this account's device cookie). Plain: testable without a request."""

    def __init__(self, email: str, address: str, device: str | None = None):
        self.account = _account_key(email)
        self.email = email.strip().lower()
        self.address = address
        self.device = device
        self.pair = _key(self.email, address)

    def gate(self) -> tuple[str, int]:
        """("ok", 0) or (why not, seconds to wait), before the password is even checked."""
        if self.device:
            wait = _wait(_items("LOGIN_LIMIT_PER_PAIR"), "login-device", self.device)
            return ("throttled", wait) if wait else ("ok", 0)
        wait = max(
            _wait(_items("LOGIN_LIMIT_PER_PAIR"), "login-pair", self.pair),
            _wait(_items("LOGIN_LIMIT_PER_ADDRESS"), "login-address", self.address),
        )
        if wait:
            return "throttled", wait
        if not is_known_address(self.email, self.address):
            wait = _wait(_items("LOGIN_LIMIT_PER_ACCOUNT"), "login-account", self.account)
            if wait:
                return "protected", wait
        return "ok", 0

    def failed(self) -> None:
        if self.device:
            _hit(_items("LOGIN_LIMIT_PER_PAIR"), "login-device", self.device)
        else:
            _hit(_items("LOGIN_LIMIT_PER_PAIR"), "login-pair", self.pair)
            _hit(_items("LOGIN_LIMIT_PER_ADDRESS"), "login-address", self.address)
        # Counted from everywhere: it is how an attack on the account shows.
        _hit(_items("LOGIN_LIMIT_PER_ACCOUNT"), "login-account", self.account)

    def succeeded(self) -> None:
        # Only this place's counter starts again: the account's keeps counting an attack
        # from elsewhere, which the right password here says nothing about.
        strategy = limiter.limiter
        for item in _items("LOGIN_LIMIT_PER_PAIR"):
            if self.device:
                strategy.clear(item, "login-device", self.device)
            strategy.clear(item, "login-pair", self.pair)


def _device_serializer() -> URLSafeTimedSerializer:
    config = current_app.config
    keys = [*config.get("SECRET_KEY_FALLBACKS", []), config["SECRET_KEY"]]
    return URLSafeTimedSerializer(keys, salt="staff-device")


def device_cookie_name() -> str:
    secure = current_app.config["SESSION_COOKIE_SECURE"]
    return ("__Host-" if secure else "") + DEVICE_COOKIE


def _device_entries() -> list[list[Any]]:
    if not has_request_context():
        return []
    raw = request.cookies.get(device_cookie_name())
    if not raw or len(raw) > 2048:
        return []
    max_age = int(float(current_app.config["LOGIN_KNOWN_DAYS"]) * 86400)
    try:
        data = _device_serializer().loads(raw, max_age=max_age)
    except (BadSignature, SignatureExpired, UnicodeError, ValueError):
        return []
    if not isinstance(data, list):
        return []
    return [entry for entry in data if isinstance(entry, list) and len(entry) == 2
            and isinstance(entry[0], str) and isinstance(entry[1], str)]


def _device_user(user_id: int) -> str:
    # The cookie is signed, not encrypted: it names accounts by a keyed hash, so a shared PC's
    # cookie does not list who has used it.
    return _key("device", str(current_app.config["SECRET_KEY"]), str(user_id))[:16]


def device_nonce(user_id: int) -> str | None:
    """The nonce this browser's device cookie holds for the user, if it holds one."""
    wanted = _device_user(user_id)
    for entry_user, nonce in _device_entries():
        if secrets.compare_digest(entry_user, wanted):
            return nonce
    return None


def _remember_device(user: StaffUser) -> None:
    """Give (or keep) this browser a device cookie for the user; set on the response."""
    me = _device_user(user.id)
    entries = [entry for entry in _device_entries() if entry[0] != me]
    nonce = device_nonce(user.id) or secrets.token_urlsafe(16)
    entries = [[me, nonce], *entries][:DEVICE_COOKIE_USERS]
    value = _device_serializer().dumps(entries)
    config = current_app.config

    @after_this_request
    def _set(response: Any) -> Any:
        response.set_cookie(
            device_cookie_name(), value,
            max_age=int(float(config["LOGIN_KNOWN_DAYS"]) * 86400), path="/",
            secure=bool(config["SESSION_COOKIE_SECURE"]), httponly=True, samesite="Strict",
        )
        return response


def security_event(event: str, **fields: Any) -> None:
    """A line for whoever watches the logs for attacks (logger ``portal.security``)."""
    from ..security import log_event

    log_event(event, **fields)


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
    if has_request_context():
        _remember_device(user)
        remember_address(user.email, request.remote_addr or "unknown")
    now = int(time.time())
    session["auth_at"] = session["seen_at"] = now
    if user.language:
        session["lang"] = user.language
