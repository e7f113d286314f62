"""The response store: anonymous responses, in-progress drafts and pending submissions.

Rules (enforced by tests/test_privacy.py): no column can hold an invitation id, a token, a staff
id, a contact detail or a time finer than a month; row ids are random, never sequential.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

# Without a rowid SQLite stores rows in primary-key order, and random keys leave no trace of
# the order in which responses arrived.
_RANDOM_ORDER = {"sqlite_with_rowid": False}


class Response(db.Model):
    __bind_key__ = "responses"
    __tablename__ = "response"
    __table_args__ = (_RANDOM_ORDER,)

    #: UUID4, drawn when the response is written.
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    questionnaire_key: Mapped[str] = mapped_column(String(32), index=True)
    questionnaire_version: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(8))
    municipality_code: Mapped[str] = mapped_column(String(4))
    #: ``YYYY-MM``: the month of submission, the finest time the store keeps.
    period: Mapped[str] = mapped_column(String(7), index=True)
    #: Question id -> answer code(s), number or text, as defined by the questionnaire version.
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)


class Draft(db.Model):
    """A parent's answers so far, sealed with a key only their browser holds (parent/drafts.py).

    Nothing here is readable without that key: answers, current page and language are inside
    ``sealed``, padded to a fixed step so its length does not tell how much was written.
    """

    __bind_key__ = "responses"
    __tablename__ = "draft"
    __table_args__ = (_RANDOM_ORDER,)

    #: Random, drawn by the parent's browser session; unrelated to the link or the invitation.
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    #: AES-GCM nonce + ciphertext; None once submitted.
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: ``YYYY-MM`` of the month the link expires: after it (and a grace) the draft is purged.
    expires: Mapped[str] = mapped_column(String(7))
    #: True once submitted; only this marker stays, so a retry or a second tab finds "already
    #: answered" instead of starting again.
    submitted: Mapped[bool] = mapped_column(Boolean, default=False)


class PendingSubmission(db.Model):
    """A submitted response waiting for the next mixed batch (portal/mixing.py).

    Durable from the parent's "thank you" on; moved into ``response`` with others, in random
    order, and then erased without trace. Same fields as a response, plus how many scheduled
    flushes it has waited (a count, not a time: the timeout is a number of runs).
    """

    __bind_key__ = "responses"
    __tablename__ = "pending_submission"
    __table_args__ = (_RANDOM_ORDER,)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    questionnaire_key: Mapped[str] = mapped_column(String(32))
    questionnaire_version: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(8))
    municipality_code: Mapped[str] = mapped_column(String(4))
    period: Mapped[str] = mapped_column(String(7))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    rounds: Mapped[int] = mapped_column(Integer, default=0)
