"""Invitation outcomes as counts, so response rates survive the retention purge.

``fold_into_tallies`` is called by the purge (``flask purge``) in the same transaction that
deletes the invitations: each invitation adds one to the count of its (municipality,
questionnaire, version, month created, outcome), and nothing else of it is kept. Rates are then
live invitations plus tallies (``outcome_counts``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sqlalchemy import func, select

from ..extensions import db
from ..models.personal import NOT_SENT_STATUSES, Invitation, InvitationStatus, Municipality
from ..models.tallies import InvitationTally

_S = InvitationStatus
OUTCOMES = ("not_sent", "sent", "opened", "consented", "completed", "declined")
STAGES = ("invited", "sent", "opened", "consented", "completed", "declined")
#: Which outcomes each (cumulative) stage of the rates counts.
STAGE_OUTCOMES = {
    "invited": frozenset(OUTCOMES),
    "sent": frozenset(OUTCOMES) - {"not_sent"},
    "opened": frozenset({"opened", "consented", "completed", "declined"}),
    "consented": frozenset({"consented", "completed"}),
    "completed": frozenset({"completed"}),
    "declined": frozenset({"declined"}),
}
_FINAL = {_S.CONSENTED.value: "consented", _S.COMPLETED.value: "completed",
          _S.DECLINED.value: "declined"}

#: (municipality code, questionnaire, version, month, outcome)
TallyKey = tuple[str, str, int, str, str]


def outcome(status: str, opened: bool) -> str:
    """Where an invitation ended up, as the rates count it."""
    if status in _FINAL:
        return _FINAL[status]
    if opened or status == _S.OPENED.value:
        return "opened"
    if status in NOT_SENT_STATUSES:
        return "not_sent"
    return "sent"


def fold_into_tallies(invitations: Iterable[Invitation]) -> int:
    """Add the invitations' outcomes to the counts; returns how many were folded.

    The caller deletes the invitations and commits in the same transaction, so no invitation is
    ever counted twice (live and tallied) or lost.
    """
    added: Counter[TallyKey] = Counter()
    for invitation in invitations:
        added[
            (
                invitation.municipality.code,
                invitation.questionnaire_key,
                invitation.questionnaire_version,
                invitation.created_at.strftime("%Y-%m"),
                outcome(invitation.status, invitation.opened_at is not None),
            )
        ] += 1
    for (code, key, version, month, result), n in added.items():
        tally = db.session.execute(
            select(InvitationTally).filter_by(
                municipality_code=code, questionnaire_key=key, questionnaire_version=version,
                month=month, outcome=result,
            )
        ).scalar_one_or_none()
        if tally is None:
            db.session.add(
                InvitationTally(municipality_code=code, questionnaire_key=key,
                                questionnaire_version=version, month=month, outcome=result,
                                count=n)
            )
        else:
            tally.count += n
    db.session.flush()
    return sum(added.values())


def _month(column):  # noqa: ANN001, ANN202
    if db.engines["personal"].dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def outcome_counts(key: str, version: int, start: str, end: str) -> Counter[tuple[str, str]]:
    """(municipality code, outcome) -> invitations created from ``start`` to ``end`` (months),
    live ones and tallied ones together."""
    counts: Counter[tuple[str, str]] = Counter()
    month = _month(Invitation.created_at)
    statement = (
        select(Municipality.code, Invitation.status, Invitation.opened_at.is_not(None),
               func.count())
        .join(Municipality, Municipality.id == Invitation.municipality_id)
        .where(Invitation.questionnaire_key == key,
               Invitation.questionnaire_version == version,
               month >= start, month <= end)
        .group_by(Municipality.code, Invitation.status, Invitation.opened_at.is_not(None))
    )
    for code, status, opened, n in db.session.execute(statement):
        counts[(code, outcome(status, bool(opened)))] += n
    tallied = (
        select(InvitationTally.municipality_code, InvitationTally.outcome,
               func.sum(InvitationTally.count))
        .where(InvitationTally.questionnaire_key == key,
               InvitationTally.questionnaire_version == version,
               InvitationTally.month >= start, InvitationTally.month <= end)
        .group_by(InvitationTally.municipality_code, InvitationTally.outcome)
    )
    for code, result, n in db.session.execute(tallied):
        counts[(code, result)] += int(n)
    return counts
