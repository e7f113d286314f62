"""Releases: the frozen, generalised copies of responses that evaluators and coordinators get.

Response store tables (no time, staff id or invitation id: who built a release and when is in
the personal store's audit log). A release is written once and never updated: its files are
stored as bytes with their SHA-256, so a download is the same file every time.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class Release(db.Model):
    __bind_key__ = "responses"
    __tablename__ = "release"

    #: Random (UUID4), so release ids say nothing about build order.
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    questionnaire_key: Mapped[str] = mapped_column(String(32), index=True)
    questionnaire_version: Mapped[int] = mapped_column(Integer)
    #: First and last month covered (``YYYY-MM``); releases of one version never overlap.
    period_start: Mapped[str] = mapped_column(String(7))
    period_end: Mapped[str] = mapped_column(String(7))
    #: ``quarter``, ``half`` or ``year``.
    period_length: Mapped[str] = mapped_column(String(8))
    #: How the release is named on pages and in files, e.g. ``2026-Q1`` or ``2026-H2``.
    label: Mapped[str] = mapped_column(String(16))
    k: Mapped[int] = mapped_column(Integer)
    rows: Mapped[int] = mapped_column(Integer)
    #: The release report and the generalisation (see portal/evaluation/releases.py).
    report: Mapped[dict[str, Any]] = mapped_column(JSON)


class ReleaseFile(db.Model):
    __bind_key__ = "responses"
    __tablename__ = "release_file"

    #: The release's id (no foreign key: response-store tables stand alone).
    release_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    #: File name as downloaded (``responses.csv``) or an internal one (``_views.json``).
    path: Mapped[str] = mapped_column(String(64), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class TextReview(db.Model):
    """One free-text answer waiting for, or carrying, a reviewer's decision.

    ``text`` is what a release may show (the masked, possibly redacted text) once the status
    is ``approved`` or ``redacted``; ``withheld`` and ``pending`` answers never leave.
    """

    __bind_key__ = "responses"
    __tablename__ = "text_review"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    response_id: Mapped[str] = mapped_column(String(36), index=True)
    question_id: Mapped[str] = mapped_column(String(64))
    questionnaire_key: Mapped[str] = mapped_column(String(32))
    questionnaire_version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    text: Mapped[str | None] = mapped_column(Text)
