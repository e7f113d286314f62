"""The response store: anonymous responses and in-progress drafts, nothing else.

Rules (enforced by tests/test_privacy.py): no column can hold an invitation id, a token, a staff
id, a contact detail or a time finer than a month; row ids are random, never sequential.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String
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
    __bind_key__ = "responses"
    __tablename__ = "draft"
    __table_args__ = (_RANDOM_ORDER,)

    #: Keyed hash of the link's secret: only someone holding the link can find this row.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    questionnaire_key: Mapped[str] = mapped_column(String(32))
    questionnaire_version: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(8))
    answers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    page: Mapped[int] = mapped_column(Integer, default=0)
    #: ``YYYY-MM`` of the last save, so stale drafts can be purged without a finer time.
    period: Mapped[str] = mapped_column(String(7))
    #: True once submitted; the answers are then cleared and only this marker stays, so a
    #: retry or a second tab finds "already answered" instead of starting again.
    submitted: Mapped[bool] = mapped_column(Boolean, default=False)
