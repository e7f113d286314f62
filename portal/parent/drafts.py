"""Drafts only their own browser can read: sealed with a key kept in the parent's cookie.

The browser holds, per invitation, a random draft id and a random 256-bit key in a persistent,
signed cookie that lasts as long as the link. The response store holds the draft under that id
as AES-GCM ciphertext (answers, page, language) padded to a fixed step. Neither the link, nor
copies of the stores, nor the server's secret key open it: another device with the same link has
no key, and is told that the questionnaire is being answered elsewhere (routes.other_device).
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Flask, Request, current_app
from flask import Response as FlaskResponse
from itsdangerous import BadSignature, URLSafeSerializer

from ..extensions import db
from ..models.responses import Draft
from ..timeutil import month_of

#: Plaintext is padded to a multiple of this, so a draft's size says little about its answers.
PAD_STEP = 1024
_SALT = "parent-draft-cookie"
#: Links a browser can keep drafts for at once (a parent with two children's questionnaires).
MAX_ENTRIES = 4


@dataclass(frozen=True)
class DraftKey:
    """What the browser holds for one invitation: the draft's id and its key."""

    draft_id: str
    key: bytes
    #: The link's expiry, so the cookie lasts exactly as long.
    expires_at: datetime

    @classmethod
    def new(cls, expires_at: datetime) -> DraftKey:
        return cls(secrets.token_hex(20), AESGCM.generate_key(bit_length=256), expires_at)


@dataclass
class DraftContent:
    answers: dict[str, Any] = field(default_factory=dict)
    page: int = 0
    language: str | None = None
    submitted: bool = False
    exists: bool = False


def cookie_name(app: Flask) -> str:
    prefix = "__Host-" if app.config["SESSION_COOKIE_SECURE"] else ""
    return prefix + "portal_draft"


def _serializer() -> URLSafeSerializer:
    config = current_app.config
    return URLSafeSerializer([*config.get("SECRET_KEY_FALLBACKS", []), config["SECRET_KEY"]],
                             salt=_SALT)


def read_cookie(request: Request) -> dict[str, DraftKey]:
    """Invitation id (as text) -> the draft key this browser holds; {} for a missing or bad
    cookie (a bad cookie is treated as none: the parent then sees the other-device page)."""
    raw = request.cookies.get(cookie_name(current_app))
    if not raw:
        return {}
    try:
        data = _serializer().loads(raw)
        return {
            inv: DraftKey(entry[0], base64.urlsafe_b64decode(entry[1]),
                          datetime.fromisoformat(entry[2]))
            for inv, entry in data.items()
        }
    except (BadSignature, ValueError, TypeError, KeyError, IndexError, AttributeError):
        return {}


def write_cookie(response: FlaskResponse, entries: dict[str, DraftKey]) -> None:
    """Store ``entries`` in the browser, or delete the cookie when none is left."""
    app = current_app
    name = cookie_name(app)
    if not entries:
        response.delete_cookie(name, path="/", secure=app.config["SESSION_COOKIE_SECURE"],
                               httponly=True, samesite="Lax")
        return
    # The newest few: a browser answering many links keeps the ones it is answering now.
    kept = dict(sorted(entries.items(), key=lambda item: item[1].expires_at)[-MAX_ENTRIES:])
    value = _serializer().dumps({
        inv: [k.draft_id, base64.urlsafe_b64encode(k.key).decode(), k.expires_at.isoformat()]
        for inv, k in kept.items()
    })
    latest = max(k.expires_at for k in kept.values())
    response.set_cookie(
        name, value, expires=latest, path="/", secure=app.config["SESSION_COOKIE_SECURE"],
        httponly=True, samesite="Lax",
    )


def seal(key: DraftKey, content: DraftContent) -> bytes:
    plain = json.dumps(
        {"answers": content.answers, "page": content.page, "language": content.language},
        separators=(",", ":"), ensure_ascii=False,
    ).encode()
    padded = plain + b" " * (-len(plain) % PAD_STEP)  # JSON ignores trailing spaces
    nonce = secrets.token_bytes(12)
    # The draft id as associated data: a sealed blob copied under another id does not open.
    return nonce + AESGCM(key.key).encrypt(nonce, padded, key.draft_id.encode())


def unseal(key: DraftKey, sealed: bytes) -> DraftContent | None:
    try:
        plain = AESGCM(key.key).decrypt(sealed[:12], sealed[12:], key.draft_id.encode())
        data = json.loads(plain)
    except (InvalidTag, ValueError):
        return None
    return DraftContent(data.get("answers") or {}, int(data.get("page") or 0),
                        data.get("language"), exists=True)


def load(key: DraftKey, for_update: bool = False) -> DraftContent:
    """The browser's draft, empty if nothing was saved yet (or it cannot be opened)."""
    query = db.select(Draft).filter_by(id=key.draft_id)
    if for_update:
        query = query.with_for_update()
    row = db.session.execute(query).scalar_one_or_none()
    if row is None:
        return DraftContent()
    if row.submitted:
        return DraftContent(submitted=True, exists=True)
    return (unseal(key, row.sealed) if row.sealed else None) or DraftContent(exists=True)


def save(key: DraftKey, content: DraftContent) -> None:
    """Seal and store the draft (created at its first save, never at consent). Commits."""
    row = db.session.get(Draft, key.draft_id)
    if row is None:
        row = Draft(id=key.draft_id, submitted=False, expires=month_of(key.expires_at))
        db.session.add(row)
    if row.submitted:
        db.session.rollback()
        return
    row.sealed = seal(key, content)
    db.session.commit()
