"""Free-text review: no free-text answer enters a release before a reviewer has decided on it.

The screen shows one answer at a time, drawn at random from those waiting, already masked
(see masking.py), with nothing else from its response: no other answer, no municipality,
language or period. The reviewer approves the masked text, redacts marked spans, or withholds
the answer. Decisions are audited without the answer's id, so the audit log (personal store)
holds no key into the response store.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import Text, cast, func, select

from .. import audit
from ..extensions import db
from ..models.releases import TextReview
from ..models.responses import Response
from ..staff.auth import roles_required
from .dataset import _decode, reading
from .masking import mask_text, redact, review_spans

REVIEW_ROLES = ("reviewer", "admin")
DECISIONS = ("approve", "redact", "withhold")


def text_questions() -> dict[tuple[str, int], list[str]]:
    """(questionnaire, version) -> ids of its free-text questions."""
    found: dict[tuple[str, int], list[str]] = {}
    for definition in current_app.extensions["questionnaires"]:
        ids = [q.id for q in definition.questions if q.type == "text"]
        if ids:
            found[(definition.key, definition.version)] = ids
    return found


def sync_pending() -> int:
    """Add a pending review for every free-text answer that has none yet; returns how many."""
    known = {(r, q) for r, q in db.session.execute(
        select(TextReview.response_id, TextReview.question_id))}
    added = 0
    for (key, version), question_ids in text_questions().items():
        statement = select(Response.id, cast(Response.answers, Text)).where(
            Response.questionnaire_key == key, Response.questionnaire_version == version
        )
        with reading() as connection:
            found = list(connection.execute(statement))
        for response_id, answers_text in found:
            answers = _decode(answers_text) or {}
            for question_id in question_ids:
                value = answers.get(question_id)
                if type(value) is str and value.strip() and (response_id, question_id) not in known:
                    db.session.add(TextReview(
                        id=str(uuid.uuid4()), response_id=response_id, question_id=question_id,
                        questionnaire_key=key, questionnaire_version=version, status="pending",
                    ))
                    added += 1
    db.session.commit()
    return added


def pending_count() -> int:
    return db.session.execute(
        select(func.count()).select_from(TextReview).where(TextReview.status == "pending")
    ).scalar_one()


def next_pending() -> TextReview | None:
    """A random waiting answer: the order says nothing about when it was written."""
    ids = list(db.session.execute(
        select(TextReview.id).where(TextReview.status == "pending")).scalars())
    if not ids:
        return None
    return db.session.get(TextReview, secrets.choice(ids))


def original_text(item: TextReview) -> str:
    with reading() as connection:
        answers_text = connection.execute(
            select(cast(Response.answers, Text)).where(Response.id == item.response_id)
        ).scalar()
    value = (_decode(answers_text) or {}).get(item.question_id) if answers_text else None
    return value if isinstance(value, str) else ""


def highlighted(masked: str) -> tuple[Markup, list[tuple[int, str]]]:
    """The masked text as HTML with marks, and the suspect spans a reviewer may redact."""
    parts: list[str] = []
    choices: list[tuple[int, str]] = []
    last = 0
    for index, span in enumerate(review_spans(masked)):
        parts.append(str(escape(masked[last : span.start])))
        word = masked[span.start : span.end]
        if span.kind == "masked":
            parts.append(f'<mark class="masked">{escape(word)}</mark>')
        else:
            parts.append(f'<mark class="suspect" id="span-{index}">{escape(word)}</mark>')
            choices.append((index, word))
        last = span.end
    parts.append(str(escape(masked[last:])))
    return Markup("".join(parts)), choices  # noqa: S704 (every piece escaped above)


def decide(item: TextReview, decision: str, chosen: set[int], actor: str) -> None:
    """Record a decision and audit it (the decision, never the answer or its id)."""
    masked = mask_text(original_text(item))
    if decision == "approve":
        item.status, item.text = "approved", masked
    elif decision == "redact":
        item.status, item.text = "redacted", redact(masked, chosen)
    else:
        item.status, item.text = "withheld", None
    db.session.commit()
    audit.record(actor, "text_review.decided", "text_review", kind=decision,
                 questionnaire=item.questionnaire_key, count=len(chosen))
    db.session.commit()


def register_routes(bp: Blueprint) -> None:
    @bp.get("/review")
    @roles_required(*REVIEW_ROLES)
    def review() -> Any:
        sync_pending()
        item = next_pending()
        context: dict[str, Any] = {"item": None, "pending": pending_count()}
        if item is not None:
            html, choices = highlighted(mask_text(original_text(item)))
            context.update(item=item, text=html, choices=choices)
        audit.record(audit.staff_actor(current_user.id), "text_review.viewed", "text_review")
        db.session.commit()
        return render_template("evaluation/review.html", errors={}, **context)

    @bp.post("/review/<item_id>")
    @roles_required(*REVIEW_ROLES)
    def review_decide(item_id: str) -> Any:
        item = db.session.get(TextReview, item_id) if _is_uuid(item_id) else None
        decision = request.form.get("decision", "")
        if item is None or item.status != "pending":
            flash(_("That answer has been decided already; here is the next one."))
            return redirect(url_for(".review"), 303)
        if decision not in DECISIONS:
            html, choices = highlighted(mask_text(original_text(item)))
            return render_template(
                "evaluation/review.html", item=item, text=html, choices=choices,
                pending=pending_count(),
                errors={"decision": _("Choose approve, redact the marked words, or withhold.")},
            ), 400
        chosen = {int(v) for v in request.form.getlist("span") if v.isdigit()}
        if decision == "redact" and not chosen:
            html, choices = highlighted(mask_text(original_text(item)))
            return render_template(
                "evaluation/review.html", item=item, text=html, choices=choices,
                pending=pending_count(),
                errors={"span-0": _("Tick the words to redact, or choose another decision.")},
            ), 400
        decide(item, decision, chosen, audit.staff_actor(current_user.id))
        flash(_("Decision saved."))
        return redirect(url_for(".review"), 303)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
