"""What every parent page needs to know about its link, read in one query.

A question page is the request parents make most. Loading the invitation and its consent
records as ORM objects cost several queries; this plain read gives the same facts. Views that
change something still load the ORM objects. (The draft is sealed: parent/drafts.py.)
Kept after issue 19: releases changed the evaluation side only, and this is the parent's page;
bench/README.md (section 3) has what it saves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, bindparam

from .. import stores
from ..extensions import db
from ..models.personal import ConsentRecord, Invitation, past_expiry

_LATEST_DECISION = (
    db.select(ConsentRecord.decision)
    .where(ConsentRecord.invitation_id == Invitation.id)
    .order_by(ConsentRecord.id.desc())
    .limit(1)
    .scalar_subquery()
)
# Built once with a parameter: SQLAlchemy then reuses their compiled form on every request.
_LINK = db.select(
    Invitation.id,
    Invitation.status,
    Invitation.expires_at,
    Invitation.questionnaire_key,
    Invitation.questionnaire_version,
    Invitation.language,
    _LATEST_DECISION,
).where(Invitation.id == bindparam("id"))


@dataclass(frozen=True)
class LinkState:
    id: int
    status: str
    expires_at: datetime
    questionnaire_key: str
    questionnaire_version: int
    language: str
    #: The parent's latest consent decision; None before they have made one.
    decision: bool | None

    @property
    def consented(self) -> bool:
        return bool(self.decision)

    def is_expired(self, now: datetime | None = None) -> bool:
        return past_expiry(self.expires_at, now)


def load_link(invitation_id: int) -> LinkState | None:
    row = _first("personal", _LINK, invitation_id)
    return None if row is None else LinkState(*row)


def _first(store: str, statement: Select[Any], key: int | str) -> Row[Any] | None:
    if stores.wants_write_lock():
        # In a request that writes, the read belongs to the session's transaction: it takes
        # the store's write lock now, in the order every request takes them (answering.submit).
        return db.session.execute(statement, {"id": key}).first()
    # A page view only reads: a connection of its own skips the session's bookkeeping
    # (identity map, transaction state), a large share of what a read through the session
    # costs on the request parents make most (bench/README.md, section 3).
    with db.engines[store].connect() as connection:
        # One SELECT is consistent on its own: no BEGIN (SQLite, stores.py) and no BEGIN and
        # ROLLBACK round trips to the server (PostgreSQL, autocommit).
        if connection.dialect.name == "sqlite":
            connection.execution_options(portal_single_read=True)
        else:
            connection.execution_options(isolation_level="AUTOCOMMIT")
        return connection.execute(statement, {"id": key}).first()
