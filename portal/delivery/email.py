"""E-mail: what an address is (``email-validator``), and sending over SMTP with the standard
library (STARTTLS, implicit TLS or plain on loopback)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from email_validator import EmailNotValidError, validate_email
from flask import current_app

from . import ContactError, DeliveryError, Message


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


def send(message: Message) -> None:
    config = current_app.config
    host = config.get("SMTP_HOST") or "localhost"
    port = int(config.get("SMTP_PORT") or 587)
    security = str(config.get("SMTP_SECURITY") or "starttls").lower()
    timeout = float(config.get("SMTP_TIMEOUT_SECONDS") or 15)
    sender = config.get("MAIL_FROM")
    if not sender:
        raise DeliveryError("mail_from_missing")

    email = EmailMessage()
    # The health service's name before the deployment's address, so the family sees who
    # writes; formataddr quotes and encodes it.
    email["From"] = formataddr((message.sender, sender)) if message.sender else sender
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    email.set_content(message.text)
    if message.language:
        # Screen readers and mail clients pick voice, hyphenation and direction from it. After
        # set_content, which clears every Content-* header.
        email["Content-Language"] = message.language

    try:
        if security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                host, port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        with smtp:
            if security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if config.get("SMTP_USERNAME"):
                smtp.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD") or "")
            smtp.send_message(email)
    except smtplib.SMTPRecipientsRefused:
        raise DeliveryError("smtp_recipient_refused") from None
    except smtplib.SMTPAuthenticationError:
        raise DeliveryError("smtp_auth_failed") from None
    except smtplib.SMTPResponseException as error:
        raise DeliveryError(f"smtp_{error.smtp_code}") from None
    except smtplib.SMTPException:
        raise DeliveryError("smtp_error") from None
    except TimeoutError:
        raise DeliveryError("smtp_timeout") from None
    except OSError:
        raise DeliveryError("smtp_unreachable") from None
