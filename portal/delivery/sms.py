"""SMS: segment counting (GSM 03.38 / UCS-2) and two HTTP gateway shapes.

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

from flask import current_app

from . import DeliveryError, Message

#: GSM 03.38 default alphabet (one septet each). Danish æ, ø, å are in it.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: Characters from the extension table: an escape plus one septet each.
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")

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
