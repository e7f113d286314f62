"""Set-password links: what a new user or one who forgot the password is sent (or handed by an
admin or ``flask staff password-link``). Signed, valid for ``SET_PASSWORD_LINK_HOURS``, and
void once the password changes, so each link works once. Imports nothing else of the staff
side: the CLI, the admin pages and the set-password page use it without going through
``auth``."""

from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..extensions import db
from ..models.personal import StaffUser


def _link_serializer() -> URLSafeTimedSerializer:
    config = current_app.config
    keys = [*config.get("SECRET_KEY_FALLBACKS", []), config["SECRET_KEY"]]
    return URLSafeTimedSerializer(keys, salt="staff-set-password")


def _fingerprint(user: StaffUser) -> str:
    # Changes when the password does, so a link works once and is void after any change.
    return hashlib.sha256((user.password_hash or "unset").encode()).hexdigest()[:16]


def password_link_token(user: StaffUser) -> str:
    """The signed token of a set-password link for the user's current password (or none)."""
    return _link_serializer().dumps({"u": user.id, "f": _fingerprint(user)})


def password_link(user: StaffUser) -> str:
    """The whole set-password link, on ``BASE_URL``."""
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
