"""A link's life: issue, resolve, revoke. Only a hash of a link's secret is stored.

The token in a link is the secret itself: 22 characters from 0-9, A-Z and a-z, drawn with
``secrets`` (62**22 > 2**130, so more than 128 bits). It needs no signature: the server looks
a link up by the SHA-256 of its token, and a token that was not drawn here matches nothing, so
forging one means guessing 130 random bits. Revoking and expiring stay in the invitation's row.
Without a signature the link is 61 characters with a host such as
``https://sundhed.ringkobing-skjern.dk`` (it was 85 with the signed 57-character token), which
keeps the Danish SMS to one segment (tests/test_sms_segments.py).

Links sent before this change are ``<secret>.<timestamp>.<signature>`` (itsdangerous); they keep
working until their invitation expires, checked against the same key list as before, and the
dot tells the two formats apart (the new alphabet has none). Rotating ``SECRET_KEY`` (with the
old key in ``SECRET_KEY_FALLBACKS``) therefore no longer touches new links at all; the keys
only verify the old tokens.
"""

from __future__ import annotations

import enum
import hashlib
import re
import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner
from sqlalchemy import or_

from .extensions import db
from .models.personal import Invitation, InvitationLink, InvitationStatus, Municipality, Team
from .timeutil import utcnow

LINK_PREFIX = "/s/"
_SALT = "parent-link"
#: The characters of a token: letters and digits only, so that no SMS app or mail client cuts
#: a link at a ``-`` or ``_`` at its end, and every one is in the GSM-7 alphabet.
TOKEN_ALPHABET = string.digits + string.ascii_uppercase + string.ascii_lowercase
#: 62**22 is about 2**131: at least 128 bits of secret.
TOKEN_LENGTH = 22
#: A token of the real length, for previews of a message before its link exists.
SAMPLE_TOKEN = "x" * TOKEN_LENGTH
#: What ``read_token`` takes as a bare secret: ours, and also the base64url shape (``-``, ``_``)
#: of secrets derived elsewhere from 16 bytes (a printed card's code stands for one).
_TOKEN = re.compile(f"[0-9A-Za-z_-]{{{TOKEN_LENGTH}}}")
#: A signature older than this is expired whatever the database says (a purged invitation).
_MAX_AGE_SECONDS = 400 * 24 * 3600


class LinkProblem(enum.Enum):
    """Why a link cannot be used, with the HTTP status its page is served with."""

    TAMPERED = "tampered"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    REVOKED = "revoked"
    USED = "used"

    @property
    def status(self) -> int:
        return {"tampered": 400, "unknown": 404}.get(self.value, 410)


class LinkError(Exception):
    def __init__(self, problem: LinkProblem):
        super().__init__(problem.name)
        self.problem = problem


@dataclass(frozen=True)
class IssuedLink:
    invitation: Invitation
    token: str

    @property
    def url(self) -> str:
        return current_app.config["BASE_URL"].rstrip("/") + LINK_PREFIX + self.token


def _keys() -> list[str]:
    # itsdangerous signs with the last key and accepts all: rotation without broken links.
    config = current_app.config
    return [*config.get("SECRET_KEY_FALLBACKS", []), config["SECRET_KEY"]]


def _signer() -> TimestampSigner:
    return TimestampSigner(_keys(), salt=_SALT)


def new_secret() -> str:
    """A link's secret, which is also its token (see the module's docstring)."""
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


def make_token(secret: str) -> str:
    """The token that goes into a link for a secret from ``new_secret``: the secret itself."""
    return secret


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_link(
    questionnaire_key: str,
    questionnaire_version: int,
    language: str,
    municipality: Municipality,
    team: Team | None = None,
    channel: str = "link",
    lifetime_days: int | None = None,
) -> IssuedLink:
    """Create an invitation and its link. The caller commits."""
    secret = new_secret()
    days = lifetime_days or int(current_app.config["LINK_LIFETIME_DAYS"])
    invitation = Invitation(
        secret_hash=secret_hash(secret),
        questionnaire_key=questionnaire_key,
        questionnaire_version=questionnaire_version,
        language=language,
        municipality=municipality,
        team=team,
        channel=channel,
        expires_at=utcnow() + timedelta(days=days),
    )
    invitation.links.append(InvitationLink(secret_hash=invitation.secret_hash, kind="link"))
    db.session.add(invitation)
    return IssuedLink(invitation, make_token(secret))


def read_token(token: str) -> str:
    """The secret inside a token, or LinkError(TAMPERED/EXPIRED).

    A token is either a bare secret (``new_secret``) or, for links sent before, a signed one.
    Anything else is TAMPERED: a link cut short by copying, or made up.
    """
    if _TOKEN.fullmatch(token):
        return token
    if "." not in token:
        raise LinkError(LinkProblem.TAMPERED)
    try:
        return _signer().unsign(token, max_age=_MAX_AGE_SECONDS).decode()
    except SignatureExpired:
        raise LinkError(LinkProblem.EXPIRED) from None
    except (BadSignature, UnicodeError, ValueError):
        raise LinkError(LinkProblem.TAMPERED) from None


def resolve(token: str) -> tuple[Invitation, str]:
    """The invitation a token opens, and its secret; raises LinkError saying why not."""
    secret = read_token(token)
    invitation = find_by_hash(secret_hash(secret))
    if invitation is None:
        raise LinkError(LinkProblem.UNKNOWN)
    check_usable(invitation)
    return invitation, secret


def find_by_hash(hashed: str, kind: str | None = None) -> Invitation | None:
    """The invitation one of whose links (or card codes) has this hash; ``kind`` narrows it.

    Every link an invitation was ever sent is a row of ``invitation_link``; the invitation's own
    ``secret_hash`` (its first link) is looked at too, for rows made before there were several.
    """
    condition = InvitationLink.secret_hash == hashed
    if kind is not None:
        condition = condition & (InvitationLink.kind == kind)
    linked = db.select(InvitationLink.invitation_id).where(condition).scalar_subquery()
    match = Invitation.id == linked
    if kind in (None, "link"):
        match = or_(match, Invitation.secret_hash == hashed)
    return db.session.execute(db.select(Invitation).where(match).limit(1)).scalar_one_or_none()


def token_for(secret: str) -> str:
    """The token of a link whose secret is known (a card's code stands for one)."""
    return make_token(secret)


class _Usable(Protocol):
    status: str

    def is_expired(self, now: datetime | None = None) -> bool: ...


def check_usable(invitation: _Usable) -> None:
    """Raise LinkError if the invitation can no longer be answered."""
    if invitation.status == InvitationStatus.REVOKED:
        raise LinkError(LinkProblem.REVOKED)
    if invitation.status == InvitationStatus.COMPLETED:
        raise LinkError(LinkProblem.USED)
    if invitation.is_expired():
        raise LinkError(LinkProblem.EXPIRED)


def find_by_token(token: str) -> Invitation | None:
    """The invitation behind a token whatever its state (for revoking by link)."""
    try:
        secret = read_token(token)
    except LinkError:
        return None
    return find_by_hash(secret_hash(secret))


def revoke(invitation: Invitation) -> bool:
    """Revoke an invitation's link; False if it was already answered or revoked. Caller commits."""
    return invitation.revoke()


@dataclass(frozen=True)
class NewLink:
    """Another link for an invitation, not yet stored: ``apply`` once it was delivered."""

    invitation: Invitation
    token: str
    secret_hash: str

    @property
    def url(self) -> str:
        return current_app.config["BASE_URL"].rstrip("/") + LINK_PREFIX + self.token

    def apply(self) -> None:
        """Store the new link's hash beside the earlier ones, which keep working until the
        invitation is answered, revoked or expired. Caller commits."""
        self.invitation.links.append(InvitationLink(secret_hash=self.secret_hash, kind="link"))


def new_link(invitation: Invitation) -> NewLink:
    """Draw another link for an invitation (the only way to send a link again: only a hash of
    a secret is stored). Refused once the parent has consented: the draft hangs on the secret
    of the link they consented with, and a new link would open an empty one."""
    if not invitation.accepts_new_link():
        raise ValueError(f"cannot replace the link of a {invitation.status} invitation")
    secret = new_secret()
    return NewLink(invitation, make_token(secret), secret_hash(secret))
