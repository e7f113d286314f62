"""Reading a parent's answers against a definition: parsing, show-if and required checks."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from . import Definition, Page, Question

_WHOLE_NUMBER = re.compile(r"^[+-]?\d{1,9}$")

Errors = dict[str, Any]


def parse_value(question: Question, raw: list[str]) -> tuple[Any, Any]:
    """One question's posted values -> (value or None, error message or None)."""
    raw = [value.strip() for value in raw if value is not None and value.strip()]
    if not raw:
        return None, None
    if question.type == "multiple":
        codes = set()
        for value in raw:
            code = _code(question, value)
            if code is None:
                return None, _l("Choose among the answers shown.")
            codes.add(code)
        alone = [o for o in question.options if o.code in codes and o.code in question.exclusive]
        if alone and len(codes) > 1:
            # "Nothing made it hard" and "Time" together cannot both be true: ask, keep the ticks.
            return None, _l(
                "“%(option)s” cannot be chosen together with other answers. Untick it or the "
                "other answers.",
                option=_l(alone[0].label),
            )
        return sorted(codes), None
    if question.type in ("single", "scale", "yesno"):
        code = _code(question, raw[0]) if len(raw) == 1 else None
        if code is None:
            return None, _l("Choose one of the answers shown.")
        return code, None
    if question.type == "number":
        if len(raw) != 1 or not _WHOLE_NUMBER.match(raw[0]):
            return None, _l("Write a whole number, for example 3.")
        number = int(raw[0])
        if not question.minimum <= number <= question.maximum:  # type: ignore[operator]
            return None, _l(
                "Write a number from %(min)s to %(max)s.",
                min=question.minimum,
                max=question.maximum,
            )
        return number, None
    text = _clean_text(" ".join(raw))
    if len(text) > question.max_length:
        return None, _l(
            "Your answer is too long. Please shorten it to at most %(n)s characters.",
            n=question.max_length,
        )
    return (text or None), None


def _code(question: Question, value: str) -> int | None:
    try:
        code = int(value)
    except ValueError:
        return None
    return code if code in question.codes else None


def _clean_text(text: str) -> str:
    # Control characters (NUL above all) have no place in an answer and break some databases.
    text = unicodedata.normalize("NFC", text)
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc").strip()


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
                _l("Please choose at least one answer.")
                if question.type == "multiple"
                else _l("Please answer this question."),
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
