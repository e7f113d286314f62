"""Reading a parent's answers against a definition: parsing, show-if and required checks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from . import Definition, Page, Question

Errors = dict[str, Any]


def parse_value(question: Question, raw: list[str]) -> tuple[Any, Any]:
    """One question's posted values -> (value or None, error message or None)."""
    raw = [value.strip() for value in raw if value is not None and value.strip()]
    if not raw:
        return None, None
    return question.kind.parse(question, raw)


def read_page(
    page: Page, form: Mapping[str, list[str]], earlier: dict[str, Any], enforce_required: bool
) -> tuple[dict[str, Any], Errors]:
    """Parse one page's form. Returns the page's answers (None = cleared) and errors by question.

    ``earlier`` holds the answers saved so far; show-if conditions see them together with the
    answers on this page.
    """
    values: dict[str, Any] = {}
    errors: Errors = {}
    for question in page.questions:
        value, error = parse_value(question, form.get(question.id, []))
        if error is not None:
            errors[question.id] = error
        values[question.id] = value
    merged = {**earlier, **values}
    for question in page.questions:
        if not question.is_visible(merged):
            values[question.id] = None
            errors.pop(question.id, None)
        elif enforce_required and question.required and values[question.id] is None:
            errors.setdefault(
                question.id,
                question.kind.required_message or _l("Please answer this question."),
            )
    return values, errors


def merge(answers: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """Saved answers updated with one page's values; a cleared value removes the answer."""
    merged = {**answers, **values}
    return {key: value for key, value in merged.items() if value is not None}


def final_answers(
    definition: Definition, answers: dict[str, Any]
) -> tuple[dict[str, Any], int | None]:
    """The answers to store, and the first page still missing a required answer (or None).

    Answers to questions that show-if now hides (the parent went back and changed their mind)
    are dropped, so the response holds only what the parent was asked.
    """
    kept: dict[str, Any] = {}
    for question in definition.questions:
        if question.id in answers and question.is_visible(kept):
            kept[question.id] = answers[question.id]
    for index, page in enumerate(definition.pages):
        for question in page.questions:
            if question.required and question.is_visible(kept) and question.id not in kept:
                return kept, index
    return kept, None
