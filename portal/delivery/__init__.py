"""Delivering invitations: e-mail over SMTP, SMS through an HTTP gateway, or a console outbox.

Each channel's module also owns what a recipient of that channel is: ``sms.parse_phone`` (a
mobile number) and ``email.parse_email`` (an address).

A backend raises :class:`DeliveryError` with a short code. The code is what gets stored and
logged; exception texts are not, because SMTP servers and gateways echo the recipient in them.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app


class DeliveryError(Exception):
    """Sending failed. ``code`` is safe to store and log: it never holds a contact detail."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class ContactError(ValueError):
    """A contact detail no channel can deliver to. ``code`` names why; the form that asked for
    it turns the code into a translated sentence."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Message:
    channel: str  # "sms" or "email"
    to: str  # E.164 phone number or e-mail address
    text: str
    subject: str = ""
    #: "gsm7" or "ucs2" for SMS; gateways need it to keep Arabic or Tigrinya readable.
    encoding: str = "gsm7"
    #: The text's language (BCP 47), sent as the e-mail's Content-Language.
    language: str = ""
    #: The municipality's own sender: SMS sender id, or the e-mail's display name. Empty:
    #: the deployment's PORTAL_SMS_SENDER / plain PORTAL_MAIL_FROM.
    sender: str = ""


def backend_name(channel: str) -> str:
    """The configured backend for a channel; "" when the channel is switched off."""
    config = current_app.config
    configured = config.get("SMS_BACKEND" if channel == "sms" else "EMAIL_BACKEND")
    if configured is None:
        # Development and tests get the console outbox; production must choose explicitly.
        return "console" if config["ENV"] in ("development", "testing") else ""
    return str(configured).strip().lower()


def available_channels() -> list[str]:
    """Channels staff can choose: QR always, SMS and e-mail where a backend is configured."""
    return [channel for channel in ("sms", "email") if backend_name(channel)] + ["qr"]


def send(message: Message) -> None:
    """Send one message or raise DeliveryError."""
    from . import console, email, sms

    name = backend_name(message.channel)
    if name == "console":
        console.send(message)
    elif message.channel == "email" and name == "smtp":
        email.send(message)
    elif message.channel == "sms" and name in sms.PROVIDERS:
        sms.send(message, name)
    elif not name:
        raise DeliveryError("channel_disabled")
    else:
        raise DeliveryError("unknown_backend")
