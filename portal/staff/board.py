"""The board of invitations: searching it, and the short address printed on a card."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlalchemy import Select, false, or_

from ..i18n import NATIVE_NAMES
from ..models.personal import Invitation
from . import labels

#: Where a parent types the code from a card (see portal/parent/short_code.py).
SHORT_PATH = "/k"


def short_address(base_url: str) -> str:
    """What a card prints for a parent to type: the host and ``/k``, no ``https://``."""
    parts = urlsplit(base_url)
    host = parts.netloc or parts.path
    return f"{host}{parts.path.rstrip('/') if parts.netloc else ''}{SHORT_PATH}"


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search(query: Select, q: str) -> Select:
    """Invitations whose note, contact, language or questionnaire contain ``q``.

    The contact is matched in full (a number is found by its digits however it was typed), but
    the board shows it masked: typing a number finds the family without the list showing
    anyone's number.
    """
    from .invitations import plain_text

    text = " ".join(plain_text(q or "").split())
    if not text:
        return query
    folded = text.casefold()
    conditions = [Invitation.note.ilike(_like(text), escape="\\")]
    digits = re.sub(r"\D", "", text)
    if len(digits) >= 2 and not re.search(r"[^\d\s+\-()]", text):
        conditions.append(Invitation.phone.like(_like(digits), escape="\\"))
    if len(text) >= 3:
        conditions.append(Invitation.email.ilike(_like(text), escape="\\"))
    languages = [
        code for code, name in labels.LANGUAGE.items()
        if folded in str(name).casefold() or folded in NATIVE_NAMES.get(code, "").casefold()
    ]
    if languages:
        conditions.append(Invitation.language.in_(languages))
    questionnaires = [
        key for key, name in labels.QUESTIONNAIRE.items() if folded in str(name).casefold()
    ]
    if questionnaires:
        conditions.append(Invitation.questionnaire_key.in_(questionnaires))
    return query.where(or_(false(), *conditions))
