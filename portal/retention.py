"""Retention for every table that holds something about a family (``flask purge``).

- contact details (phone, e-mail): the invitation closed ``PORTAL_RETENTION_DAYS`` ago;
- drafts (and "submitted" markers): their link expired ``PORTAL_DRAFT_GRACE_DAYS`` ago;
- consent records: the invitation closed ``PORTAL_CONSENT_RETENTION_DAYS`` ago;
- invitations (with their delivery attempts): closed ``PORTAL_INVITATION_RETENTION_DAYS`` ago.

"Closed" is the day of the last status change for completed, declined and revoked invitations,
and the expiry for the rest. Responses are anonymous and stay. Deleted rows are zeroed in the
SQLite files (``secure_delete``) and the write-ahead logs are truncated afterwards, so the
deleted contacts and consents are not left in old WAL frames either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, or_, select

from . import audit, stores
from .extensions import db
from .models.personal import ENDED_STATUSES, ConsentRecord, DeliveryAttempt, Invitation, values
from .models.responses import Draft
from .timeutil import month_of, utcnow


@dataclass
class PurgeReport:
    contacts: int = 0
    drafts: int = 0
    consent_records: int = 0
    invitations: int = 0
    #: Stores whose write-ahead log could not be truncated (busy); the next run retries.
    busy: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = [
            f"Contact details deleted from {self.contacts} invitations.",
            f"Drafts deleted (their link expired): {self.drafts}.",
            f"Consent records deleted: {self.consent_records}.",
            f"Invitations deleted: {self.invitations}.",
        ]
        lines += [f"The {store} store's write-ahead log was busy; the next run truncates it."
                  for store in self.busy]
        return lines


def _days(name: str) -> timedelta:
    return timedelta(days=float(current_app.config[name]))


def closed_before(cutoff: datetime):  # noqa: ANN201  (a SQL condition)
    """Invitations closed before ``cutoff``: ended by a status before that day, or expired."""
    # ENDED_STATUSES: statuses whose day of change is the day the invitation closed.
    ended = values(ENDED_STATUSES)
    return or_(
        and_(Invitation.status.in_(ended), Invitation.status_changed_on < cutoff.date()),
        and_(Invitation.status.not_in(ended), Invitation.is_expired(cutoff)),
    )


def purge_drafts(now: datetime) -> int:
    """Drafts whose link expired more than DRAFT_GRACE_DAYS ago. A draft keeps only the month
    its link expires (``Draft.expires``), so the month's end counts as the expiry."""
    # The latest month all of whose links expired before now - grace.
    limit = now - _days("DRAFT_GRACE_DAYS")
    first_of_month = date(limit.year, limit.month, 1)
    last_full_month = month_of(datetime(first_of_month.year, first_of_month.month, 1)
                               - timedelta(days=1))
    result = db.session.execute(delete(Draft).where(Draft.expires <= last_full_month))
    db.session.commit()
    return result.rowcount or 0


def purge_consent_records(cutoff: datetime) -> int:
    closed = select(Invitation.id).where(closed_before(cutoff))
    result = db.session.execute(
        delete(ConsentRecord).where(ConsentRecord.invitation_id.in_(closed))
    )
    db.session.commit()
    return result.rowcount or 0


def purge_invitations(cutoff: datetime) -> int:
    """Delete invitations closed before ``cutoff`` with their delivery attempts and consent
    records. The one place invitations are deleted: each is first folded into the counts the
    response rates read (InvitationTally), in the same transaction, so rates outlive it."""
    from .evaluation.tallies import fold_into_tallies

    ids = list(db.session.execute(select(Invitation.id).where(closed_before(cutoff))).scalars())
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        fold_into_tallies(
            db.session.execute(select(Invitation).where(Invitation.id.in_(chunk))).scalars()
        )
        db.session.execute(delete(DeliveryAttempt).where(DeliveryAttempt.invitation_id.in_(chunk)))
        db.session.execute(delete(ConsentRecord).where(ConsentRecord.invitation_id.in_(chunk)))
        db.session.execute(delete(Invitation).where(Invitation.id.in_(chunk)))
    db.session.commit()
    return len(ids)


def purge(now: datetime | None = None) -> PurgeReport:
    """Everything past its retention, oldest rule first; says what it deleted."""
    from .staff.followup import purge as purge_contacts

    now = now or utcnow()
    report = PurgeReport()
    report.contacts = purge_contacts(now)
    report.drafts = purge_drafts(now)
    report.consent_records = purge_consent_records(now - _days("CONSENT_RETENTION_DAYS"))
    report.invitations = purge_invitations(now - _days("INVITATION_RETENTION_DAYS"))
    for action, count in (("drafts.purged", report.drafts),
                          ("consent_records.purged", report.consent_records),
                          ("invitations.deleted", report.invitations)):
        audit.record("cli", action, None, count=count)
    db.session.commit()
    for store in stores.STORES:
        if not stores.truncate_wal(store):
            report.busy.append(store)
    return report
