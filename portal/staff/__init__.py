"""The staff side (``/staff/``): health visitors invite families and follow up; coordinators and
admins manage users. Every view needs a login and declares its roles (default deny)."""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")

#: The only staff endpoints reachable without a login.
PUBLIC_ENDPOINTS = frozenset(
    {"staff.login", "staff.set_password", "staff.mfa", "staff.mfa_enrol", "staff.mfa_enrol_qr"}
)

from . import organisations, routes, second_factor, translation_preview  # noqa: E402, F401
from .auth import protect  # noqa: E402

protect(bp, PUBLIC_ENDPOINTS)
