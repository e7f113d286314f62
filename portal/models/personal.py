"""The personal store: who was invited, by whom, consent records and audit events.

Nothing here records which response came from which invitation.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text, and_, case
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow


class InvitationStatus(enum.StrEnum):
    CREATED = "created"
    SENT = "sent"
    DELIVERY_FAILED = "delivery_failed"
    OPENED = "opened"
    CONSENTED = "consented"
    COMPLETED = "completed"
    DECLINED = "declined"
    EXPIRED = "expired"
    REVOKED = "revoked"


# Every set of statuses the portal acts on lives here, beside the transitions below.
_S = InvitationStatus
#: Statuses after which a link can no longer be answered.
FINAL_STATUSES = frozenset({_S.COMPLETED, _S.REVOKED})
#: Stored statuses that end an invitation whatever its date (its contact is purged later).
ENDED_STATUSES = frozenset({_S.COMPLETED, _S.DECLINED, _S.REVOKED})
#: Statuses that end an invitation's follow-up: no reminders, contact details purged later.
CLOSED_STATUSES = ENDED_STATUSES | {_S.EXPIRED}
#: Statuses in which a link can be replaced: no consent yet. (Drafts no longer hang on the
#: secret, parent/drafts.py, but a consented family is answering and needs no new link.)
ROTATABLE_STATUSES = frozenset({_S.CREATED, _S.SENT, _S.DELIVERY_FAILED, _S.OPENED})
#: Statuses from which a person acting on the link makes the invitation ``opened``.
UNOPENED_STATUSES = frozenset({_S.CREATED, _S.SENT, _S.DELIVERY_FAILED})
#: Reminders go to families who got the invitation and have not finished or said no.
REMINDABLE_STATUSES = frozenset({_S.SENT, _S.OPENED, _S.CONSENTED})
#: Statuses that mean the link never reached the family (unless it was opened anyway).
NOT_SENT_STATUSES = frozenset({_S.CREATED, _S.DELIVERY_FAILED})
#: Statuses that mean the family opened the link and acted on it (the rates' "opened").
ANSWERED_STATUSES = frozenset({_S.OPENED, _S.CONSENTED, _S.COMPLETED, _S.DECLINED})
#: Statuses that mean the family consented (the rates' "consented").
CONSENTED_STATUSES = frozenset({_S.CONSENTED, _S.COMPLETED})


def values(statuses: frozenset[InvitationStatus]) -> list[str]:
    """The stored strings of a set of statuses, sorted, for ``IN`` clauses."""
    return sorted(s.value for s in statuses)


def past_expiry(expires_at: Any, now: datetime | None = None) -> Any:
    """The expiry rule: a link works until, not at, ``expires_at``. Takes a datetime or a
    column (then gives a SQL clause); ``Invitation.is_expired`` and the parent pages use it."""
    return expires_at <= (now or utcnow())


class Role(enum.StrEnum):
    HEALTH_VISITOR = "health_visitor"
    COORDINATOR = "coordinator"
    EVALUATOR = "evaluator"
    #: Reads free-text answers one at a time and approves, redacts or withholds them.
    REVIEWER = "reviewer"
    ADMIN = "admin"


class Municipality(db.Model):
    __bind_key__ = "personal"
    __tablename__ = "municipality"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The official four-digit municipality code (e.g. 0240 Egedal); goes into responses.
    code: Mapped[str] = mapped_column(String(4), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    # The municipality's own settings and the values its texts are filled with (issue 14).
    # portal/municipalities.py is their one home: which there are, how they are checked, which
    # change the consent text's meaning. Every change is audited and kept as a version.
    #: SMS sender shown on the phone (at most 11 letters and digits, the gateways' limit).
    sms_sender: Mapped[str | None] = mapped_column(String(11))
    #: The health service's name in messages, texts and as the e-mail sender's name.
    service_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    opening_hours: Mapped[str | None] = mapped_column(String(200))
    #: The data controller's postal address (the controller is the municipality itself).
    controller_address: Mapped[str | None] = mapped_column(String(200))
    dpo_email: Mapped[str | None] = mapped_column(String(254))
    dpo_phone: Mapped[str | None] = mapped_column(String(30))
    accessibility_email: Mapped[str | None] = mapped_column(String(254))
    #: The day the accessibility statement was last reviewed.
    accessibility_reviewed_on: Mapped[date | None] = mapped_column(Date)
    #: ``consent`` (GDPR art. 6(1)(a)) or ``public_task`` (art. 6(1)(e), consent as an
    #: ethical layer): the municipality's choice.
    legal_basis: Mapped[str] = mapped_column(
        String(20), default="consent", server_default="consent"
    )
    #: Counts changes of the values the consent text is filled with: part of its version.
    consent_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    teams: Mapped[list[Team]] = relationship(
        back_populates="municipality", order_by="Team.id"
    )


class MunicipalitySettingsVersion(db.Model):
    """One saved state of a municipality's settings: what its texts said from ``changed_at``."""

    __bind_key__ = "personal"
    __tablename__ = "municipality_settings_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipality.id", ondelete="CASCADE"), index=True
    )
    consent_version: Mapped[int] = mapped_column(Integer)
    #: Every setting's value after the change (no contact detail of a family, only the
    #: municipality's own).
    values: Mapped[dict[str, Any]] = mapped_column(JSON)
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Team(db.Model):
    __bind_key__ = "personal"
    __tablename__ = "team"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    name: Mapped[str] = mapped_column(String(100))

    municipality: Mapped[Municipality] = relationship(back_populates="teams")


class Invitation(db.Model):
    __bind_key__ = "personal"
    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: SHA-256 of the link's secret; the secret itself is never stored.
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    questionnaire_key: Mapped[str] = mapped_column(String(32))
    questionnaire_version: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(8))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    #: ``sms``, ``email``, ``qr`` (nothing stored), or ``link``/``cli`` for links made by hand.
    channel: Mapped[str] = mapped_column(String(16), default="link")
    #: The family's contact detail for its channel, E.164 or an address; purged on a schedule.
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    #: The health visitor's own short note (initials, the visit's date) that tells families
    #: apart on the board. Personal data like the contact: purged with it.
    note: Mapped[str | None] = mapped_column(String(40))
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    last_sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    #: Random value of the staff form that created it: a double tap on "Send" finds the
    #: invitation the first tap made instead of inviting (and texting) the family twice.
    form_nonce: Mapped[str | None] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=InvitationStatus.CREATED.value)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    opened_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: Day of the last status change. A day, not a time: a finer stamp on "completed" could be
    #: lined up against the order in which responses were written.
    status_changed_on: Mapped[date] = mapped_column(Date, default=lambda: utcnow().date())

    municipality: Mapped[Municipality] = relationship()
    team: Mapped[Team | None] = relationship()
    created_by: Mapped[StaffUser | None] = relationship()
    attempts: Mapped[list[DeliveryAttempt]] = relationship(
        back_populates="invitation", order_by="DeliveryAttempt.id"
    )
    consents: Mapped[list[ConsentRecord]] = relationship(
        back_populates="invitation", order_by="ConsentRecord.id"
    )
    links: Mapped[list[InvitationLink]] = relationship(
        back_populates="invitation", order_by="InvitationLink.id", cascade="all, delete-orphan",
        passive_deletes=True,
    )

    # The lifecycle. The status is stored as the last transition left it; "expired" is never
    # stored but derived from ``expires_at``, here only, in Python and in SQL alike.

    @hybrid_method
    def is_expired(self, now: datetime | None = None) -> Any:
        """Past its date (``Invitation.is_expired(now)`` is the same test as a SQL clause)."""
        return past_expiry(self.expires_at, now)

    @hybrid_method
    def effective_status(self, now: datetime | None = None) -> Any:
        """The status staff see: an unanswered invitation past its date is expired."""
        status = InvitationStatus(self.status)
        if status not in CLOSED_STATUSES and self.is_expired(now):
            return InvitationStatus.EXPIRED
        return status

    @effective_status.expression
    def effective_status(cls, now: datetime | None = None) -> Any:
        return case(
            (
                and_(cls.status.not_in(values(CLOSED_STATUSES)), cls.is_expired(now)),
                InvitationStatus.EXPIRED.value,
            ),
            else_=cls.status,
        )

    def set_status(self, status: InvitationStatus) -> None:
        self.status = status.value
        self.status_changed_on = utcnow().date()

    def accepts_new_link(self) -> bool:
        """Whether another link may be drawn for it (see ROTATABLE_STATUSES)."""
        return InvitationStatus(self.status) in ROTATABLE_STATUSES

    def record_delivery(self, ok: bool) -> None:
        """A message with its link was delivered (``ok``) or not. Caller commits."""
        status = InvitationStatus(self.status)
        if ok:
            self.last_sent_at = utcnow()
            if status in (InvitationStatus.CREATED, InvitationStatus.DELIVERY_FAILED):
                self.set_status(InvitationStatus.SENT)
        elif status is InvitationStatus.CREATED:
            self.set_status(InvitationStatus.DELIVERY_FAILED)

    def mark_opened(self) -> None:
        """A person acted on the link (a scanner never posts a form). Caller commits."""
        if self.status in UNOPENED_STATUSES:
            self.set_status(InvitationStatus.OPENED)
        if self.opened_at is None:
            self.opened_at = utcnow()

    def record_decision(self, decision: bool) -> None:
        """The parent's consent decision moves the status, unless the invitation is final."""
        if InvitationStatus(self.status) not in FINAL_STATUSES:
            self.set_status(InvitationStatus.CONSENTED if decision else InvitationStatus.DECLINED)

    def complete(self) -> bool:
        """The answers were submitted; False if it was completed already. Caller commits."""
        if self.status == InvitationStatus.COMPLETED:
            return False
        self.set_status(InvitationStatus.COMPLETED)
        return True

    def can_revoke(self) -> bool:
        """Not yet answered or revoked."""
        return self.status not in FINAL_STATUSES

    def revoke(self) -> bool:
        """Revoke it; False if it was already answered or revoked. Caller commits."""
        if not self.can_revoke():
            return False
        self.set_status(InvitationStatus.REVOKED)
        self.revoked_at = utcnow()
        return True


class InvitationLink(db.Model):
    """One working way into an invitation: a link's secret or a card's short code, hashed.

    A resend or a reminder adds a row and leaves the earlier ones alone, so the link in the
    family's first message keeps working until the invitation is answered, revoked or expired.
    """

    __bind_key__ = "personal"
    __tablename__ = "invitation_link"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("invitation.id", ondelete="CASCADE"), index=True
    )
    #: SHA-256 of a link's secret, or the scrypt hash of a short code (see portal/short_codes.py).
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: ``link`` or ``code``.
    kind: Mapped[str] = mapped_column(String(8), default="link")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    invitation: Mapped[Invitation] = relationship(back_populates="links")


class ConsentRecord(db.Model):
    __bind_key__ = "personal"
    __tablename__ = "consent_record"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Indexed: every parent page looks up its invitation's consents (migration 0003).
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("invitation.id", ondelete="CASCADE"), index=True
    )
    decision: Mapped[bool] = mapped_column()
    text_version: Mapped[str] = mapped_column(String(32))
    #: SHA-256 of the exact text the parent saw, in the language they saw it in.
    text_hash: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    invitation: Mapped[Invitation] = relationship(back_populates="consents")


class AuditEvent(db.Model):
    __bind_key__ = "personal"
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    #: Who acted: ``staff:<id>``, ``cli`` or ``parent``; never a contact detail.
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(Text)


class StaffUser(UserMixin, db.Model):
    __bind_key__ = "personal"
    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Stored lower-cased, so logins and uniqueness ignore case.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    #: None until the user has chosen a password through a set-password link.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    active: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    #: Part of the session's user id; changing it ends every session of the user at once.
    session_token: Mapped[str] = mapped_column(String(43))
    #: Base32 TOTP secret. Set when enrolment starts; the second factor counts only once
    #: ``mfa_enrolled_at`` is set (the user proved their authenticator has it).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    mfa_enrolled_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: The TOTP time step of the last accepted code: a code is accepted once, never again.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    #: Wrong codes in a row (issue 18): past MFA_MAX_FAILURES authenticator codes the code is
    #: locked (``totp_locked_at``) and only a recovery code or an admin's reset opens it; past
    #: RECOVERY_MAX_FAILURES recovery codes only the reset does.
    totp_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    recovery_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    totp_locked_at: Mapped[datetime | None] = mapped_column(DateTime)

    municipality: Mapped[Municipality] = relationship()
    team: Mapped[Team | None] = relationship()
    recovery_codes: Mapped[list[RecoveryCode]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="RecoveryCode.id"
    )

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"


class RecoveryCode(db.Model):
    """A one-time recovery code for a lost authenticator; only a salted hash is kept."""

    __bind_key__ = "personal"
    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"))
    #: ``<salt hex>$<sha256 hex of salt + code>``.
    #: scrypt, like passwords (older codes: salted SHA-256); see staff.mfa.
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[StaffUser] = relationship(back_populates="recovery_codes")


class DeliveryAttempt(db.Model):
    __bind_key__ = "personal"
    __tablename__ = "delivery_attempt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitation.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    #: ``invitation``, ``resend`` or ``reminder``.
    kind: Mapped[str] = mapped_column(String(16), default="invitation")
    ok: Mapped[bool] = mapped_column()
    #: A short code such as ``smtp_refused`` or ``gateway_http_400``; never a contact detail.
    error_code: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    invitation: Mapped[Invitation] = relationship(back_populates="attempts")
