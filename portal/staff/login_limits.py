"""Login throttling: how often a password may be tried, and for whom the wait does not count.

Failed passwords are counted three ways, and none of them lets a stranger lock a victim out:

* per account *and* address, or per device once the browser has signed in to the account
  before (a signed device cookie): ``LOGIN_LIMIT_PER_PAIR``, tiers that grow (a few minutes,
  then an hour, then a day). Only whoever guesses from there waits.
* per address across accounts (``LOGIN_LIMIT_PER_ADDRESS``): one address trying many
  accounts. A device cookie of the account is not held back by it.
* per account across addresses (``LOGIN_LIMIT_PER_ACCOUNT``): many addresses guessing one
  account. Used up, it "protects" the account: only a device or address that has signed in
  to it before may try, still at its own pace. The right password from the victim's own
  browser or office keeps working however hard the account is hammered from elsewhere.

Counters live in the rate-limit store (memory, or Redis shared by every worker), reached
through Flask-Limiter's public ``limiter.limiter``; keys are hashes, so the store never holds
an e-mail address. Imports nothing else of the staff side: the login flow (``auth``) and the
password change page (``accounts``) both count against these limits without an import circle.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from typing import Any

import limits
from flask import after_this_request, current_app, has_request_context, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..extensions import limiter
from ..models.personal import StaffUser

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
    """Whether this address completed a login of this account within ``LOGIN_KNOWN_DAYS``."""
    return bool(limiter.limiter.storage.get(_known_key(email, address)))


class LoginAttempt:
    """One password attempt for ``email`` from ``address`` (and a device nonce, if the browser
    holds this account's device cookie). Plain: testable without a request."""

    def __init__(self, email: str, address: str, device: str | None = None) -> None:
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


# --- the device cookie ------------------------------------------------------------------------


def _device_serializer() -> URLSafeTimedSerializer:
    config = current_app.config
    keys = [*config.get("SECRET_KEY_FALLBACKS", []), config["SECRET_KEY"]]
    return URLSafeTimedSerializer(keys, salt="staff-device")


def device_cookie_name() -> str:
    """``__Host-`` in front when cookies are secure: the browser then refuses it from a
    subdomain or over plain HTTP."""
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


def remember_device(user: StaffUser) -> None:
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
