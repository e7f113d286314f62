"""Drafts saved page by page, and the one idempotent submit that turns a draft into a response."""

from __future__ import annotations

import enum
import uuid
from typing import Any

from ..extensions import db
from ..models.personal import Invitation, InvitationStatus
from ..models.responses import Draft, Response
from ..questionnaires import Definition
from ..questionnaires.answers import final_answers, merge
from ..timeutil import month_of, utcnow


class SubmitOutcome(enum.Enum):
    STORED = "stored"
    ALREADY_SUBMITTED = "already"
    INCOMPLETE = "incomplete"


def find_draft(draft_ids: list[str]) -> Draft | None:
    """The existing draft among a link's candidate ids (several while keys rotate)."""
    for draft_id in draft_ids:
        draft = db.session.get(Draft, draft_id)
        if draft is not None:
            return draft
    return None


def start_draft(draft_id: str, definition: Definition, language: str) -> Draft:
    """The parent's draft, created empty the first time. Commits."""
    draft = db.session.get(Draft, draft_id)
    if draft is None:
        draft = Draft(
            id=draft_id,
            questionnaire_key=definition.key,
            questionnaire_version=definition.version,
            language=language,
            answers={},
            page=0,
            period=month_of(utcnow()),
            submitted=False,
        )
        db.session.add(draft)
        db.session.commit()
    return draft


def save_page(draft: Draft, values: dict[str, Any], next_page: int, language: str) -> None:
    """Merge one page's answers into the draft and remember where the parent is. Commits."""
    draft.answers = merge(draft.answers or {}, values)
    draft.page = next_page
    draft.language = language
    draft.period = month_of(utcnow())
    db.session.commit()


def submit(
    draft_id: str, invitation: Invitation, definition: Definition
) -> tuple[SubmitOutcome, int | None]:
    """Write exactly one response for a draft, however often this is called.

    Returns the outcome and, for INCOMPLETE, the page that still needs an answer. The response
    store is committed first: if the process dies before the invitation is marked completed,
    the draft's "submitted" marker still answers every retry, and the next call repairs the
    invitation's status.
    """
    # Lock order: the personal store first, then the response store. Each SQLite store has its
    # own write lock; a request holding the response store's while waiting for the personal
    # one deadlocks against a request doing the opposite, until the busy timeout (bench/).
    municipality_code = invitation.municipality.code
    # FOR UPDATE makes a concurrent submit on PostgreSQL wait for this one; on SQLite the
    # transaction already holds the write lock (BEGIN IMMEDIATE).
    draft = db.session.execute(
        db.select(Draft).filter_by(id=draft_id).with_for_update()
    ).scalar_one_or_none()
    if draft is None:
        db.session.rollback()
        return SubmitOutcome.INCOMPLETE, 0
    if draft.submitted:
        db.session.rollback()
        _mark_completed(invitation)
        return SubmitOutcome.ALREADY_SUBMITTED, None
    answers, missing_page = final_answers(definition, draft.answers or {})
    if missing_page is not None:
        db.session.rollback()
        return SubmitOutcome.INCOMPLETE, missing_page
    db.session.add(
        Response(
            id=str(uuid.uuid4()),
            questionnaire_key=definition.key,
            questionnaire_version=definition.version,
            language=draft.language,
            municipality_code=municipality_code,
            period=month_of(utcnow()),
            answers=answers,
        )
    )
    draft.submitted = True
    draft.answers = None
    db.session.commit()
    _mark_completed(invitation)
    return SubmitOutcome.STORED, None


def _mark_completed(invitation: Invitation) -> None:
    if invitation.status != InvitationStatus.COMPLETED:
        invitation.set_status(InvitationStatus.COMPLETED)
        db.session.commit()
