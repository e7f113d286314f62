"""A link's life: issue, resolve, revoke. Only a hash of a link's secret is stored."""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner

from .extensions import db
from .models.personal import Invitation, InvitationStatus, Municipality, Team
from .timeutil import utcnow

LINK_PREFIX = "/s/"
_SALT = "parent-link"
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
    secret = secrets.token_urlsafe(16)  # 128 bits
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
    db.session.add(invitation)
    return IssuedLink(invitation, _signer().sign(secret).decode())


def read_token(token: str) -> str:
    """The secret inside a signed token, or LinkError(TAMPERED/EXPIRED)."""
    try:
        return _signer().unsign(token, max_age=_MAX_AGE_SECONDS).decode()
    except SignatureExpired:
        raise LinkError(LinkProblem.EXPIRED) from None
    except (BadSignature, UnicodeError, ValueError):
        raise LinkError(LinkProblem.TAMPERED) from None


def resolve(token: str) -> tuple[Invitation, str]:
    """The invitation a token opens, and its secret; raises LinkError saying why not."""
    secret = read_token(token)
    invitation = db.session.execute(
        db.select(Invitation).filter_by(secret_hash=secret_hash(secret))
    ).scalar_one_or_none()
    if invitation is None:
        raise LinkError(LinkProblem.UNKNOWN)
    check_usable(invitation)
    return invitation, secret


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
        secret = _signer().unsign(token).decode()
    except (BadSignature, UnicodeError, ValueError):
        return None
    return db.session.execute(
        db.select(Invitation).filter_by(secret_hash=secret_hash(secret))
    ).scalar_one_or_none()


def revoke(invitation: Invitation) -> bool:
    """Revoke an invitation's link; False if it was already answered or revoked. Caller commits."""
    if invitation.status in (InvitationStatus.COMPLETED, InvitationStatus.REVOKED):
        return False
    invitation.set_status(InvitationStatus.REVOKED)
    invitation.revoked_at = utcnow()
    return True


#: Statuses in which a link can be replaced: no consent yet. (Drafts no longer hang on the
#: secret, parent/drafts.py, but a consented family is answering and needs no new link.)
ROTATABLE_STATUSES = frozenset(
    {
        InvitationStatus.CREATED,
        InvitationStatus.SENT,
        InvitationStatus.DELIVERY_FAILED,
        InvitationStatus.OPENED,
    }
)


@dataclass(frozen=True)
class NewLink:
    """A replacement link for an invitation, not yet stored: ``apply`` once it was delivered."""

    invitation: Invitation
    token: str
    secret_hash: str

    @property
    def url(self) -> str:
        return current_app.config["BASE_URL"].rstrip("/") + LINK_PREFIX + self.token

    def apply(self) -> None:
        """Store the new hash; the old link stops working. Caller commits."""
        self.invitation.secret_hash = self.secret_hash


def new_link(invitation: Invitation) -> NewLink:
    """Draw a new link for an invitation (the only way to send a link again: only a hash of
    the secret is stored). Refused once the parent has consented, as the draft hangs on the
    old secret."""
    if InvitationStatus(invitation.status) not in ROTATABLE_STATUSES:
        raise ValueError(f"cannot replace the link of a {invitation.status} invitation")
    secret = secrets.token_urlsafe(16)
    return NewLink(invitation, _signer().sign(secret).decode(), secret_hash(secret))
