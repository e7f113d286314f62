"""SMS: who can receive one (mobile numbers, with ``phonenumbers``), segment counting
(GSM 03.38 / UCS-2) and two HTTP gateway shapes.

``gatewayapi`` speaks GatewayAPI.com's REST API (``POST /rest/mtsms``, JSON, token auth).
``generic`` posts ``{"to", "message", "sender"}`` as JSON with an optional bearer token, which
most municipal SMS gateways can be configured to accept.
"""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

import phonenumbers
from flask import current_app
from phonenumbers import NumberParseException, PhoneNumberType

from . import ContactError, DeliveryError, Message

#: GSM 03.38 default alphabet (one septet each). Danish æ, ø, å are in it.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: Characters from the extension table: an escape plus one septet each.
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")

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


PROVIDERS = {
    "gatewayapi": "https://gatewayapi.com/rest/mtsms",
    "generic": None,
}


@dataclass(frozen=True)
class Segments:
    encoding: str  # "gsm7" or "ucs2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    count: int

    @property
    def per_segment(self) -> int:
        single, multi = (160, 153) if self.encoding == "gsm7" else (70, 67)
        return single if self.count <= 1 else multi


def segments(text: str) -> Segments:
    """How many SMS a text becomes, by the rules phones and gateways use."""
    if all(c in GSM7_BASIC or c in GSM7_EXTENDED for c in text):
        units = sum(2 if c in GSM7_EXTENDED else 1 for c in text)
        single, multi = 160, 153
        encoding = "gsm7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi = 70, 67
        encoding = "ucs2"
    count = 1 if units <= single else math.ceil(units / multi)
    return Segments(encoding, units, count)


def _post(url: str, body: dict, headers: dict[str, str]) -> None:
    if urlsplit(url).scheme not in ("https", "http"):
        raise DeliveryError("gateway_url_invalid")
    timeout = float(current_app.config.get("SMS_TIMEOUT_SECONDS") or 10)
    request = urllib.request.Request(  # noqa: S310  (scheme checked above)
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            response.read(65536)
    except urllib.error.HTTPError as error:
        # The body may echo the number: read nothing from it.
        raise DeliveryError(f"gateway_http_{error.code}") from None
    except TimeoutError:
        raise DeliveryError("gateway_timeout") from None
    except (urllib.error.URLError, OSError):
        raise DeliveryError("gateway_unreachable") from None


def send(message: Message, provider: str) -> None:
    config = current_app.config
    url = config.get("SMS_URL") or PROVIDERS[provider]
    if not url:
        raise DeliveryError("gateway_url_missing")
    token = config.get("SMS_TOKEN") or ""
    sender = message.sender or config.get("SMS_SENDER") or "Sundhed"
    if provider == "gatewayapi":
        if not token:
            raise DeliveryError("gateway_token_missing")
        body = {
            "sender": sender,
            "message": message.text,
            "recipients": [{"msisdn": int(message.to.lstrip("+"))}],
        }
        if message.encoding == "ucs2":
            body["encoding"] = "UCS2"
        _post(url, body, {"Authorization": f"Token {token}"})
    else:
        body = {"to": message.to, "message": message.text, "sender": sender}
        _post(url, body, {"Authorization": f"Bearer {token}"} if token else {})
