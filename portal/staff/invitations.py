"""Inviting a family and following up, as plain functions (views and CLI call these).

The contact detail is handed to the delivery backend and stored on the invitation; it is never
put in a log line, an audit event or a delivery attempt.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import Select
from sqlalchemy.exc import IntegrityError

from .. import audit, delivery, links, short_codes
from ..delivery import messages
from ..extensions import db
from ..models.personal import (
    DeliveryAttempt,
    Invitation,
    InvitationStatus,
    Role,
    StaffUser,
)
from ..timeutil import utcnow

log = logging.getLogger("portal.staff")

CHANNELS = ("sms", "email", "qr")


@dataclass(frozen=True)
class Outcome:
    invitation: Invitation
    #: The link, for the QR code on screen; None after a delivery (it is in the message).
    url: str | None = None
    attempt: DeliveryAttempt | None = None
    #: The short code printed on the card with the QR code (QR only); only its hash is kept.
    code: str | None = None

    @property
    def delivered(self) -> bool:
        return self.attempt is not None and self.attempt.ok


def visible_to(user: StaffUser) -> Select:
    """The invitations a user may see: own team, own municipality (coordinator) or all."""
    query = db.select(Invitation)
    if user.role == Role.ADMIN:
        return query
    if user.role == Role.COORDINATOR:
        return query.filter_by(municipality_id=user.municipality_id)
    if user.role == Role.HEALTH_VISITOR:
        if user.team_id is not None:
            return query.filter_by(team_id=user.team_id)
        return query.filter_by(created_by_id=user.id)
    return query.where(False)


def status_counts(user: StaffUser) -> dict[str, int]:
    """How many of the user's visible invitations are in each status (expiry applied)."""
    # Counted here rather than grouped in SQL: PostgreSQL would not match the GROUP BY's
    # expression to the selected one, as each carries its own "now" parameter.
    shown = visible_to(user).with_only_columns(Invitation.effective_status(utcnow()))
    return dict(Counter(db.session.execute(shown).scalars()))


def response_rate(counts: dict[str, int]) -> int | None:
    """Completed as a whole percentage of all invitations but revoked ones."""
    invited = sum(n for status, n in counts.items() if status != InvitationStatus.REVOKED)
    if not invited:
        return None
    return round(100 * counts.get(InvitationStatus.COMPLETED.value, 0) / invited)


#: Longest note a health visitor can keep on an invitation: initials and a date, not a record.
NOTE_MAX = 40


def clean_note(note: str | None) -> str | None:
    """The note as stored: one line of printable text, trimmed; None when empty."""
    text = " ".join(plain_text(note or "").split())[:NOTE_MAX]
    return text or None


#: Characters that have no place in a typed note or search: control characters (PostgreSQL
#: refuses NUL) and the bidi embeddings and overrides that could make a card read backwards.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def plain_text(text: str) -> str:
    return _UNPRINTABLE.sub("", text)


def find_visible(user: StaffUser, invitation_id: int) -> Invitation | None:
    return db.session.execute(
        visible_to(user).filter_by(id=invitation_id)
    ).scalar_one_or_none()


def preview(
    user: StaffUser, language: str, questionnaire_key: str | None = None
) -> messages.Text:
    """The message as the family will get it, with a link of the real length."""
    sample = current_app.config["BASE_URL"].rstrip("/") + links.LINK_PREFIX + links.SAMPLE_TOKEN
    return messages.invitation_text(user.municipality, language, sample, questionnaire_key)


class AlreadyCreated(Exception):
    """The same form was sent twice; the first submission made this invitation."""

    def __init__(self, invitation_id: int):
        super().__init__(invitation_id)
        self.invitation_id = invitation_id


def find_by_nonce(nonce: str | None) -> Invitation | None:
    if not nonce:
        return None
    return db.session.execute(
        db.select(Invitation).filter_by(form_nonce=nonce)
    ).scalar_one_or_none()


def create(
    user: StaffUser,
    questionnaire_key: str,
    language: str,
    channel: str,
    contact: str | None,
    nonce: str | None = None,
    note: str | None = None,
) -> Outcome:
    """Create an invitation and deliver it (SMS, e-mail) or return its link (QR). Commits.

    ``note`` is the staff member's own reminder of who the family is (initials, the visit's
    date); it is personal data and purged with the contact.
    Raises AlreadyCreated when an invitation with the same form ``nonce`` exists.
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    existing = find_by_nonce(nonce)
    if existing is not None:
        raise AlreadyCreated(existing.id)
    definition = current_app.extensions["questionnaires"].current(questionnaire_key)
    issued = links.issue_link(
        questionnaire_key,
        definition.version,
        language,
        user.municipality,
        team=user.team,
        channel=channel,
    )
    invitation = issued.invitation
    invitation.created_by_id = user.id
    invitation.form_nonce = nonce
    invitation.note = clean_note(note)
    code = short_codes.add_code(invitation) if channel == "qr" else None
    if channel == "sms":
        invitation.phone = contact
    elif channel == "email":
        invitation.email = contact
    try:
        db.session.flush()
    except IntegrityError:
        # Two taps at the same moment: the other request's insert won the unique nonce.
        db.session.rollback()
        winner = find_by_nonce(nonce)
        if winner is None:
            raise
        raise AlreadyCreated(winner.id) from None
    audit.record(
        audit.staff_actor(user.id), "invitation.created", f"invitation:{invitation.id}",
        channel=channel, questionnaire=questionnaire_key,
    )
    # Committed before sending: if the process dies mid-send, the invitation is still listed.
    db.session.commit()
    if channel == "qr":
        return Outcome(invitation, url=issued.url, code=code)
    attempt = deliver(invitation, issued.url, "invitation", audit.staff_actor(user.id))
    return Outcome(invitation, attempt=attempt)


def deliver(invitation: Invitation, url: str | None, kind: str, actor: str) -> DeliveryAttempt:
    """Send the invitation's message, record the attempt and the status. Commits."""
    municipality = invitation.municipality
    if kind == "reminder":
        text = messages.reminder_text(
            municipality, invitation.language, url, invitation.questionnaire_key
        )
    else:
        assert url is not None
        text = messages.invitation_text(
            municipality, invitation.language, url, invitation.questionnaire_key
        )
    to = invitation.phone if invitation.channel == "sms" else invitation.email
    error_code = None
    if not to:
        error_code = "no_contact"
    else:
        message = delivery.Message(
            channel=invitation.channel,
            to=to,
            text=text.sms if invitation.channel == "sms" else text.body,
            subject=text.subject,
            encoding=text.sms_segments.encoding,
            language=text.language,
            sender=(municipality.sms_sender if invitation.channel == "sms"
                    else municipality.service_name) or "",
        )
        # End the transaction first: on SQLite a POST's transaction holds the write lock, and a
        # slow gateway must not make every parent's answer wait.
        db.session.commit()
        try:
            delivery.send(message)
        except delivery.DeliveryError as error:
            error_code = error.code
    ok = error_code is None
    attempt = DeliveryAttempt(
        invitation=invitation, channel=invitation.channel, kind=kind, ok=ok, error_code=error_code
    )
    db.session.add(attempt)
    invitation.record_delivery(ok)
    if not ok:
        log.warning(
            "delivery of invitation %s (%s, %s) failed: %s",
            invitation.id, invitation.channel, kind, error_code,
        )
    action = {"invitation": "invitation.sent", "resend": "invitation.resent"}.get(
        kind, "invitation.reminded"
    )
    audit.record(
        actor, action, f"invitation:{invitation.id}", channel=invitation.channel, ok=ok,
        error=error_code,
    )
    db.session.commit()
    return attempt


def can_resend(invitation: Invitation) -> bool:
    """A new link can be sent until the parent consents (see docs/operations.md)."""
    return (
        invitation.accepts_new_link()
        and not invitation.is_expired()
        and (invitation.channel == "qr" or bool(invitation.phone or invitation.email))
    )


def resend(user: StaffUser, invitation: Invitation) -> Outcome:
    """Send (or show, for QR) another link. The earlier links keep working: families tap the
    first message as often as the newest."""
    if not can_resend(invitation):
        raise ValueError("cannot resend")
    replacement = links.new_link(invitation)
    if invitation.channel == "qr":
        replacement.apply()
        code = short_codes.add_code(invitation)
        audit.record(
            audit.staff_actor(user.id), "invitation.resent", f"invitation:{invitation.id}",
            channel="qr",
        )
        db.session.commit()
        return Outcome(invitation, url=replacement.url, code=code)
    attempt = deliver(invitation, replacement.url, "resend", audit.staff_actor(user.id))
    if attempt.ok:
        # Only a delivered link is stored: one that never reached anyone need not work.
        replacement.apply()
        db.session.commit()
    return Outcome(invitation, attempt=attempt)


def revoke(user: StaffUser, invitation: Invitation) -> bool:
    if not links.revoke(invitation):
        return False
    audit.record(audit.staff_actor(user.id), "invitation.revoked", f"invitation:{invitation.id}")
    db.session.commit()
    return True
