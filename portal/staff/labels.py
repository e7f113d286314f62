"""What staff read for stored codes: statuses, channels, roles, questionnaires."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUS = {
    "created": _l("Created"),
    "sent": _l("Sent"),
    "delivery_failed": _l("Delivery failed"),
    "opened": _l("Opened"),
    "consented": _l("Consented"),
    "completed": _l("Completed"),
    "declined": _l("Declined"),
    "expired": _l("Expired"),
    "revoked": _l("Revoked"),
}

CHANNEL = {
    "sms": _l("SMS"),
    "email": _l("E-mail"),
    "qr": _l("QR code"),
    "link": _l("Link"),
    "cli": _l("Link"),
}

ROLE = {
    "health_visitor": _l("Health visitor"),
    "coordinator": _l("Coordinator"),
    "evaluator": _l("Evaluator"),
    "reviewer": _l("Free-text reviewer"),
    "admin": _l("Administrator"),
}

QUESTIONNAIRE = {
    "18-months": _l("1½-year questionnaire"),
    "3-years": _l("3-year questionnaire"),
    "cos-p": _l("COS-P questionnaire"),
}

ERROR = {
    "phone_missing": _l("Enter the family's mobile number."),
    "phone_invalid": _l(
        "This is not a valid mobile number. Check the digits; a number from abroad starts "
        "with + and the country code."
    ),
    "phone_not_mobile": _l("This number cannot receive text messages. Enter a mobile number."),
    "email_missing": _l("Enter the family's e-mail address."),
    "email_invalid": _l("This is not a valid e-mail address. Check it for typing errors."),
    "email_taken": _l("There is already a user with this e-mail address."),
    "role_invalid": _l("Choose one of the roles in the list."),
    "team_mismatch": _l("The team must belong to the user's municipality."),
    "not_allowed": _l("You cannot make this change."),
    "not_yourself": _l("You cannot deactivate yourself or change your own role."),
    "too_short": _l("The password must be at least %(n)s characters long."),
    "too_long": _l("The password is too long."),
    "too_simple": _l("The password needs more different characters."),
}


def questionnaire(key: str) -> str:
    return str(QUESTIONNAIRE.get(key, key))
