"""One convention for time: naive UTC in the personal store, months in the response store."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, as a naive UTC datetime (what both SQLite and PostgreSQL columns hold here)."""
    return datetime.now(UTC).replace(tzinfo=None)


def month_of(moment: datetime) -> str:
    """The coarse period the response store keeps: ``YYYY-MM``."""
    return f"{moment.year:04d}-{moment.month:02d}"
