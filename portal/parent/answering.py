"""Drafts saved page by page, and the one idempotent submit that queues a response."""

from __future__ import annotations

import enum
from typing import Any

from .. import mixing
from ..extensions import db
from ..models.personal import Invitation
from ..models.responses import Draft
from ..questionnaires import Definition
from ..questionnaires.answers import final_answers, merge
from ..timeutil import month_of, utcnow
from . import drafts
from .drafts import DraftContent, DraftKey


class SubmitOutcome(enum.Enum):
    STORED = "stored"
    ALREADY_SUBMITTED = "already"
    INCOMPLETE = "incomplete"


def save_page(
    key: DraftKey, content: DraftContent, values: dict[str, Any], next_page: int, language: str
) -> None:
    """Merge one page's answers into the draft and remember where the parent is. Commits."""
    content.answers = merge(content.answers or {}, values)
    content.page = next_page
    content.language = language
    drafts.save(key, content)


def submit(
    key: DraftKey, invitation: Invitation, definition: Definition, language: str
) -> tuple[SubmitOutcome, int | None]:
    """Queue exactly one response for a draft, however often this is called.

    Returns the outcome and, for INCOMPLETE, the page that still needs an answer. The response
    store is committed first (the pending submission and the draft's "submitted" marker in one
    transaction): if the process dies before the invitation is marked completed, the marker
    answers every retry, and the next call repairs the invitation's status.
    """
    # Lock order: the personal store first, then the response store. Each SQLite store has its
    # own write lock; a request holding the response store's while waiting for the personal
    # one deadlocks against a request doing the opposite, until the busy timeout (bench/).
    municipality_code = invitation.municipality.code
    # FOR UPDATE makes a concurrent submit on PostgreSQL wait for this one; on SQLite the
    # transaction already holds the write lock (BEGIN IMMEDIATE).
    content = drafts.load(key, for_update=True)
    if content.submitted:
        db.session.rollback()
        _mark_completed(invitation)
        return SubmitOutcome.ALREADY_SUBMITTED, None
    answers, missing_page = final_answers(definition, content.answers or {})
    if not content.exists or missing_page is not None:
        db.session.rollback()
        return SubmitOutcome.INCOMPLETE, missing_page or 0
    mixing.add_pending(
        {
            "questionnaire_key": definition.key,
            "questionnaire_version": definition.version,
            "language": content.language or language,
            "municipality_code": municipality_code,
            "period": month_of(utcnow()),
            "answers": answers,
        }
    )
    draft = db.session.get(Draft, key.draft_id)
    draft.submitted = True
    draft.sealed = None
    db.session.commit()
    _mark_completed(invitation)
    # Released later with others; this only flushes when a full batch is waiting.
    mixing.flush_when_full()
    return SubmitOutcome.STORED, None


def repair(key: DraftKey | None, invitation: Invitation) -> bool:
    """True if this browser's draft was submitted (a retry after a cut-off submit); marks the
    invitation completed if the crash left it unmarked."""
    if key is None:
        return False
    content = drafts.load(key)
    db.session.commit()
    if content.submitted:
        _mark_completed(invitation)
    return content.submitted


def _mark_completed(invitation: Invitation) -> None:
    if invitation.complete():
        db.session.commit()
