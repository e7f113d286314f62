"""Response rates from the personal store's invitations, as aggregate counts only.

An invitation's status is where it ended up, so the stages are cumulative: a completed
invitation was also sent, opened and consented to. Counts below k are shown as ``<k``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, func

from ..extensions import db
from ..models.personal import (
    ANSWERED_STATUSES,
    CONSENTED_STATUSES,
    NOT_SENT_STATUSES,
    Invitation,
    InvitationStatus,
    Municipality,
)
from .disclosure import shown_count

STAGES = ("invited", "sent", "opened", "consented", "completed", "declined")

_S = InvitationStatus


@dataclass
class RateRow:
    questionnaire: str
    month: str
    municipality: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STAGES, 0))

    def shown(self, k: int) -> dict[str, str]:
        """The counts as a page may show them (without the table's secondary suppression)."""
        return {stage: shown_count(n, k) for stage, n in self.counts.items()}

    def response_rate(self, k: int) -> float | None:
        """Completed as a share of sent; None when either count is too small to show."""
        sent, completed = self.counts["sent"], self.counts["completed"]
        if sent < k or (0 < completed < k):
            return None
        return completed / sent


def _month(column: ColumnElement) -> ColumnElement:
    if db.engines["personal"].dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def response_rates(
    *,
    questionnaire: str | None = None,
    municipality: str | None = None,
    period_from: str | None = None,
    period_to: str | None = None,
) -> list[RateRow]:
    """Rows per (questionnaire, month invited, municipality code), sorted, from one GROUP BY."""
    month = _month(Invitation.created_at).label("month")
    opened = (Invitation.opened_at.is_not(None)).label("opened")
    statement = (
        db.select(
            Invitation.questionnaire_key,
            month,
            Municipality.code,
            Invitation.status,
            opened,
            func.count(),
        )
        .join(Municipality, Municipality.id == Invitation.municipality_id)
        .group_by(Invitation.questionnaire_key, month, Municipality.code, Invitation.status, opened)
    )
    if questionnaire:
        statement = statement.where(Invitation.questionnaire_key == questionnaire)
    if municipality:
        statement = statement.where(Municipality.code == municipality)
    if period_from:
        statement = statement.where(month >= period_from)
    if period_to:
        statement = statement.where(month <= period_to)
    rows: dict[tuple[str, str, str], RateRow] = {}
    for key, when, code, status, was_opened, n in db.session.execute(statement):
        row = rows.setdefault((key, when, code), RateRow(key, when, code))
        row.counts["invited"] += n
        if status not in NOT_SENT_STATUSES or was_opened:
            row.counts["sent"] += n
        if was_opened or status in ANSWERED_STATUSES:
            row.counts["opened"] += n
        if status in CONSENTED_STATUSES:
            row.counts["consented"] += n
        if status == _S.COMPLETED.value:
            row.counts["completed"] += n
        if status == _S.DECLINED.value:
            row.counts["declined"] += n
    return [rows[key] for key in sorted(rows)]


def total(rows: list[RateRow], label: str = "") -> RateRow:
    """All rows added up (the "all" line under a table)."""
    summed = RateRow(label, "", "")
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        for stage, n in row.counts.items():
            counts[stage] += n
    summed.counts.update(counts)
    return summed


def rates_table(rows: list[RateRow], k: int) -> tuple[list[dict[str, str]], dict[str, str]]:
    """Cells for a table with a total line, safe against differencing.

    A total under a column with one hidden cell would give that cell away (total minus the
    cells shown). So in each column the hidden cells must add up to zero or to at least k;
    if they do not, the smallest shown cells are hidden too.
    """
    shown = [{stage: str(row.counts[stage]) for stage in STAGES} for row in rows]
    for stage in STAGES:
        values = [row.counts[stage] for row in rows]
        hidden = {i for i, n in enumerate(values) if 0 < n < k}
        hidden_sum = sum(values[i] for i in hidden)
        candidates = sorted(
            (n, i) for i, n in enumerate(values) if i not in hidden and n > 0
        )
        while 0 < hidden_sum < k and candidates:
            n, i = candidates.pop(0)
            hidden.add(i)
            hidden_sum += n
        for i in hidden:
            shown[i][stage] = shown_count(values[i], k) if values[i] < k else f"≥{k}"
    summed = total(rows)
    return shown, summed.shown(k)
