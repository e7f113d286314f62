"""Audit events: who did what to which record. Never a contact detail, token or password."""

from __future__ import annotations

from typing import Any

from .extensions import db
from .models.personal import AuditEvent

#: Detail keys an event may carry. Anything else is refused, so a careless caller cannot slip a
#: phone number or a link into the audit trail.
ALLOWED_DETAILS = frozenset(
    {"channel", "questionnaire", "role", "team", "active", "ok", "error", "count", "reason",
     "changed", "kind", "municipality",
     # An export: its format, filters and size, never the data.
     "format", "filters", "rows", "suppressed", "k", "period_level"}
)


def record(actor: str, action: str, subject: str | None = None, **details: Any) -> AuditEvent:
    """Add an event to the session; the caller commits with the change it describes."""
    unknown = set(details) - ALLOWED_DETAILS
    if unknown:
        raise ValueError(f"audit details not allowed: {sorted(unknown)}")
    event = AuditEvent(actor=actor, action=action, subject=subject, details=details)
    db.session.add(event)
    return event


def staff_actor(user_id: int) -> str:
    return f"staff:{user_id}"
