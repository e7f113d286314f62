"""How the board shows an invitation: Danish time, masked contact, the language by name.

Plain functions (templates call them through filters), so each rule is tested on its own.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

from ..delivery.sms import display_phone

#: Health visitors work in Danish time, summer and winter: the stores hold naive UTC.
DANISH_TIME = ZoneInfo("Europe/Copenhagen")

_PATTERNS = {
    "da": ("d. MMM y 'kl.' HH.mm", "d. MMM y"),
    "en": ("d MMM y, HH:mm", "d MMM y"),
}


def danish_time(moment: datetime) -> datetime:
    """A stored (naive UTC) moment as Danish local time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(DANISH_TIME)


def format_time(moment: datetime | None, locale: str = "da") -> str:
    """``1. dec. 2026 kl. 19.43`` (Danish time) for a stored moment; empty for None."""
    if moment is None:
        return ""
    pattern = _PATTERNS.get(str(locale)[:2], _PATTERNS["en"])[0]
    return format_datetime(danish_time(moment), pattern, locale=str(locale))


def format_day(moment: datetime | date | None, locale: str = "da") -> str:
    """The Danish calendar day of a stored moment (or a date): ``1. dec. 2026``."""
    if moment is None:
        return ""
    day = danish_time(moment).date() if isinstance(moment, datetime) else moment
    pattern = _PATTERNS.get(str(locale)[:2], _PATTERNS["en"])[1]
    return format_date(day, pattern, locale=str(locale))


def mask_phone(e164: str) -> str:
    """``+45 •• •• •• 56``: the country code and the last two digits, enough to tell two
    families apart at a glance, not enough to call anyone."""
    shown = display_phone(e164)
    country, _space, rest = shown.partition(" ")
    if not rest:
        country, rest = "", shown
    digits = [i for i, char in enumerate(rest) if char.isdigit()]
    keep = set(digits[-2:])
    masked = "".join(
        "•" if char.isdigit() and i not in keep else char for i, char in enumerate(rest)
    )
    return f"{country} {masked}".strip()


def mask_email(address: str) -> str:
    """``f…@example.dk``: the first letter and the domain."""
    local, at, domain = address.partition("@")
    if not at:
        return "…"
    return f"{local[:1]}…@{domain}"


def masked_contact(phone: str | None, email: str | None) -> str:
    """The invitation's contact as the board shows it; empty for a QR code or once purged."""
    if phone:
        return mask_phone(phone)
    if email:
        return mask_email(email)
    return ""
