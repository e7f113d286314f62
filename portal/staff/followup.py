"""Scheduled follow-up: reminders and the retention purge (``flask send-reminders``/``purge``).

Both are safe to run twice, or on two hosts at once: a reminder is claimed (counted and dated)
in its own transaction before it is sent, so a second run finds it not yet due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_

from .. import audit, links
from ..extensions import db
from ..models.personal import ENDED_STATUSES, REMINDABLE_STATUSES, Invitation, values
from ..timeutil import utcnow
from .invitations import deliver


@dataclass
class ReminderRun:
    sent: int = 0
    failed: int = 0


def _due(now: datetime, max_reminders: int, interval: timedelta):  # noqa: ANN202
    return (
        db.select(Invitation)
        .where(
            Invitation.channel.in_(("sms", "email")),
            Invitation.status.in_(values(REMINDABLE_STATUSES)),
            Invitation.reminders_sent < max_reminders,
            Invitation.last_sent_at.is_not(None),
            Invitation.last_sent_at <= now - interval,
            ~Invitation.is_expired(now),
            or_(Invitation.phone.is_not(None), Invitation.email.is_not(None)),
        )
        .order_by(Invitation.id)
    )


def send_reminders(now: datetime | None = None, limit: int | None = None) -> ReminderRun:
    config = current_app.config
    now = now or utcnow()
    max_reminders = int(config["REMINDER_MAX"])
    interval = timedelta(days=float(config["REMINDER_INTERVAL_DAYS"]))
    run = ReminderRun()
    due_ids = list(db.session.execute(_due(now, max_reminders, interval).with_only_columns(
        Invitation.id)).scalars())
    db.session.commit()
    for invitation_id in due_ids[:limit]:
        # Claim: re-check under a row lock (PostgreSQL) or the write lock (SQLite), count it,
        # commit. Whatever happens next, this reminder is never sent twice.
        invitation = db.session.execute(
            _due(now, max_reminders, interval)
            .filter_by(id=invitation_id)
            .with_for_update(skip_locked=True)
        ).scalar_one_or_none()
        if invitation is None:
            db.session.commit()
            continue
        invitation.reminders_sent += 1
        invitation.last_sent_at = now
        db.session.commit()

        # Before consent the reminder carries a link of its own; the earlier ones keep working.
        replacement = None
        if invitation.accepts_new_link():
            replacement = links.new_link(invitation)
        attempt = deliver(invitation, replacement.url if replacement else None, "reminder", "cli")
        if attempt.ok:
            run.sent += 1
            if replacement:
                replacement.apply()
                db.session.commit()
        else:
            run.failed += 1
    return run


def purge(now: datetime | None = None) -> int:
    """Delete the contact details and the staff note of invitations closed more than
    RETENTION_DAYS ago.

    Status, dates and counts stay: response rates need them, and they identify no one.
    """
    now = now or utcnow()
    cutoff = now - timedelta(days=float(current_app.config["RETENTION_DAYS"]))
    closed = values(ENDED_STATUSES)
    query = db.select(Invitation).where(
        or_(
            Invitation.phone.is_not(None), Invitation.email.is_not(None),
            Invitation.note.is_not(None),
        ),
        or_(
            Invitation.status.in_(closed) & (Invitation.status_changed_on <= cutoff.date()),
            Invitation.is_expired(cutoff),
        ),
    )
    count = 0
    for invitation in db.session.execute(query).scalars():
        invitation.phone = None
        invitation.email = None
        invitation.note = None
        count += 1
    audit.record("cli", "invitations.purged", None, count=count)
    db.session.commit()
    return count
