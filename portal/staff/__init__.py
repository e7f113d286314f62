"""The staff side (``/staff/``): health visitors invite families and follow up; coordinators and
admins manage users. Every view needs a login and declares its roles (default deny)."""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")

#: The only staff endpoints reachable without a login.
PUBLIC_ENDPOINTS = frozenset(
    {"staff.login", "staff.set_password", "staff.mfa", "staff.mfa_enrol", "staff.mfa_enrol_qr"}
    # Sign-in through the municipality's identity provider (portal/staff/sso/).
    | {"staff.login_municipality", "staff.sso_callback", "staff.saml_acs", "staff.saml_finish",
       "staff.saml_metadata", "staff.sso_logged_out"}
)

from ..access import protect  # noqa: E402
from . import (  # noqa: E402, F401
    mfa_pages,
    organisations,
    password_change,
    routes,
    sso,
    translation_preview,
)

protect(bp, PUBLIC_ENDPOINTS)
