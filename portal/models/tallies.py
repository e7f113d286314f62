"""Counts that outlive the invitations they were made from (personal store).

When the retention purge deletes invitations, their outcomes are first added here, so
response rates keep working. A row is a count, never an invitation.
"""

from __future__ import annotations

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class InvitationTally(db.Model):
    __bind_key__ = "personal"
    __tablename__ = "invitation_tally"
    __table_args__ = (
        UniqueConstraint(
            "municipality_code", "questionnaire_key", "questionnaire_version", "month",
            "outcome", name="uq_invitation_tally",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality_code: Mapped[str] = mapped_column(String(4))
    questionnaire_key: Mapped[str] = mapped_column(String(32))
    questionnaire_version: Mapped[int] = mapped_column(Integer)
    #: ``YYYY-MM`` the invitation was created.
    month: Mapped[str] = mapped_column(String(7))
    #: Where the invitation ended up, as the rates count it: ``not_sent``, ``sent``,
    #: ``opened``, ``consented``, ``completed`` or ``declined`` (see evaluation/tallies.py).
    outcome: Mapped[str] = mapped_column(String(16))
    count: Mapped[int] = mapped_column(Integer, default=0)
