"""E-mails that tell a member of staff something changed about their login (ASVS 6.3.7, 6.4.x).

Sent after a password is set or changed, an authenticator is set up or reset, the second step
is locked after too many wrong codes, and the role or the account's state is changed. In the
user's language (Danish or English). Never raises: a notice that cannot be sent is audited
(``notice.failed``) and the change it tells of stands.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale, format_datetime
from flask_babel import gettext as _

from .. import audit
from ..delivery import DeliveryError, Message, backend_name, send
from ..extensions import db
from ..i18n import STAFF_LANGUAGES
from ..models.personal import StaffUser
from ..timeutil import utcnow
from . import labels

KINDS = (
    "password_changed", "mfa_enrolled", "mfa_reset", "mfa_locked", "mfa_blocked",
    "role_changed", "deactivated",
)


def _texts(user: StaffUser, kind: str) -> tuple[str, str]:
    """(subject, what happened) in the current locale."""
    if kind == "password_changed":
        return _("Your password was changed"), _(
            "The password of your account was changed."
        )
    if kind == "mfa_enrolled":
        return _("An authenticator app was set up"), _(
            "An authenticator app was set up for your account, and new recovery codes were made."
        )
    if kind == "mfa_reset":
        return _("Your authenticator app was reset"), _(
            "The authenticator app of your account was reset. You set up a new one at your "
            "next login."
        )
    if kind == "mfa_locked":
        return _("Codes from your authenticator app are locked"), _(
            "Too many wrong codes from the authenticator app were typed for your account, so "
            "codes from the app are not accepted now. Log in with one of your recovery codes, "
            "or ask your coordinator or administrator to reset the app."
        )
    if kind == "mfa_blocked":
        return _("The second login step of your account is locked"), _(
            "Too many wrong recovery codes were typed for your account. Only your coordinator "
            "or administrator can open it again, by resetting your authenticator app."
        )
    if kind == "role_changed":
        return _("Your role was changed"), _(
            "Your role is now: %(role)s.", role=labels.ROLE.get(user.role, user.role)
        )
    if kind == "deactivated":
        return _("Your account was deactivated"), _(
            "Your account was deactivated. You can no longer log in."
        )
    raise ValueError(f"unknown notice {kind!r}")


def text(user: StaffUser, kind: str) -> tuple[str, str]:
    """The notice's subject and body in the user's language."""
    config = current_app.config
    language = user.language if user.language in STAFF_LANGUAGES else "da"
    with force_locale(language):
        subject, what = _texts(user, kind)
        body = "\n\n".join([
            _("Hello %(name)s,", name=user.name or user.email),
            what,
            _("When: %(when)s. Portal: %(portal)s (%(address)s).",
              when=format_datetime(utcnow(), "short"), portal=config["MFA_ISSUER"],
              address=config["BASE_URL"]),
            _("If this was you, there is nothing more to do. If it was not, tell your "
              "coordinator or administrator at once: someone else may be using your account."),
        ])
    return f"{config['MFA_ISSUER']}: {subject}", body


def notify(user: StaffUser, kind: str) -> bool:
    """E-mail the notice; True if it was handed to the mail server. Audits and commits."""
    subject_id = f"staff:{user.id}"
    if not backend_name("email"):
        audit.record("system", "notice.failed", subject_id, kind=kind, error="channel_disabled")
        db.session.commit()
        return False
    title, body = text(user, kind)
    try:
        send(Message("email", user.email, body, title))
    except DeliveryError as error:
        audit.record("system", "notice.failed", subject_id, kind=kind, error=error.code)
        db.session.commit()
        return False
    audit.record("system", "notice.sent", subject_id, kind=kind)
    db.session.commit()
    return True
