"""Parsing the family's contact detail: phone numbers with ``phonenumbers``, addresses with
``email-validator``. Errors are codes; the form turns them into translated sentences."""

from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from phonenumbers import NumberParseException, PhoneNumberType


class ContactError(ValueError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


#: Types that can never receive an SMS.
_NOT_MOBILE = {
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.PREMIUM_RATE,
    PhoneNumberType.SHARED_COST,
    PhoneNumberType.VOIP,
    PhoneNumberType.PAGER,
    PhoneNumberType.UAN,
    PhoneNumberType.VOICEMAIL,
}


def parse_phone(value: str, region: str = "DK") -> str:
    """A mobile number in E.164 (``+4520123456``). Without a ``+`` it is read as Danish.

    Raises ContactError: ``phone_missing``, ``phone_invalid`` or ``phone_not_mobile``.
    """
    text = (value or "").strip()
    if not text:
        raise ContactError("phone_missing")
    if len(text) > 32:
        raise ContactError("phone_invalid")
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        raise ContactError("phone_invalid") from None
    if not phonenumbers.is_valid_number(number):
        raise ContactError("phone_invalid")
    if phonenumbers.number_type(number) in _NOT_MOBILE:
        raise ContactError("phone_not_mobile")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    """How staff see a stored number: international format, grouped."""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def parse_email(value: str) -> str:
    """A normalised address. No DNS look-up: that would be a network call per keystroke of
    a typo and says little about whether the family reads the mail.

    Raises ContactError: ``email_missing`` or ``email_invalid``.
    """
    text = (value or "").strip()
    if not text:
        raise ContactError("email_missing")
    if len(text) > 254:
        raise ContactError("email_invalid")
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        raise ContactError("email_invalid") from None
    return result.normalized
