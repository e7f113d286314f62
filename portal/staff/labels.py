"""What staff read for stored codes: statuses, channels, roles, questionnaires."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..models.personal import Role

#: Each status says what a person did (or that nobody has yet), not what the server did.
STATUS = {
    "created": _l("Not opened yet"),
    "sent": _l("Sent"),
    "delivery_failed": _l("Delivery failed"),
    "opened": _l("Opened by the family"),
    "consented": _l("Said yes, answering"),
    "completed": _l("Completed"),
    "declined": _l("Said no"),
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
    Role.HEALTH_VISITOR: _l("Health visitor"),
    Role.COORDINATOR: _l("Coordinator"),
    Role.EVALUATOR: _l("Evaluator"),
    Role.REVIEWER: _l("Free-text reviewer"),
    Role.ADMIN: _l("Administrator"),
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
    # Why a password is refused (issue 18, accounts.password_problem).
    "common": _l(
        "This password is on the lists of common passwords that attackers try first. "
        "Choose another: several unrelated words are easy to remember and hard to guess."
    ),
    "context": _l(
        "The password contains your name, your e-mail address or the municipality's name, "
        "which attackers try first. Choose another."
    ),
    "guessable": _l(
        "This password follows a pattern that is easy to guess (a row of keys, a sequence, "
        "repeats or a date). Choose another: several unrelated words work well."
    ),
    "wrong_current": _l("Your current password is not right."),
    "mismatch": _l("The two new passwords are not the same."),
}


#: Each language's name in the staff member's language (Danish on Danish pages), shown beside
#: its own name (``i18n.NATIVE_NAMES``): a Danish health visitor must tell العربية from فارسی.
LANGUAGE = {
    "da": _l("Danish"),
    "en": _l("English"),
    "ar": _l("Arabic"),
    "fa": _l("Farsi"),
    "ur": _l("Urdu"),
    "so": _l("Somali"),
    "tr": _l("Turkish"),
    "pl": _l("Polish"),
    "uk": _l("Ukrainian"),
    "ti": _l("Tigrinya"),
}


def language(code: str) -> str:
    """``Arabisk`` on a Danish page: the language by the staff member's name for it."""
    return str(LANGUAGE.get(code, code))


def language_choice(code: str, native: str) -> str:
    """``Arabisk – العربية``: the staff member's name for it, then its own (once if the same)."""
    name = language(code)
    if not native or native.casefold() == name.casefold():
        return name
    # The native name is isolated so an Arabic name cannot reorder the Danish one around it.
    return f"{name} – ⁨{native}⁩"


def login_wait_message(outcome: str, seconds: int) -> str:
    """Why a login is refused for now, and for how long (``outcome`` from auth.Login)."""
    from flask_babel import ngettext

    minutes = max(1, -(-int(seconds) // 60))
    if outcome == "protected":
        return ngettext(
            "There have been many wrong passwords for this account from elsewhere. To "
            "protect it, for now it can only be used from a browser or network that has "
            "logged in to it before. Try again in %(num)s minute, or log in at your usual "
            "workplace.",
            "There have been many wrong passwords for this account from elsewhere. To "
            "protect it, for now it can only be used from a browser or network that has "
            "logged in to it before. Try again in %(num)s minutes, or log in at your usual "
            "workplace.",
            minutes,
        )
    return ngettext(
        "Too many failed attempts from here. Wait %(num)s minute and try again.",
        "Too many failed attempts from here. Wait %(num)s minutes and try again.",
        minutes,
    )


def questionnaire(key: str) -> str:
    return str(QUESTIONNAIRE.get(key, key))
