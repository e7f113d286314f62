"""Question pages nobody has answered yet, rendered once per language and served from memory.

Most page views are a parent's first look at a page: nothing filled in, no error, no message.
Such a page differs between parents only in its form token, so it is rendered once per
(questionnaire, page, language, place in the questionnaire, questions shown) and the parent's
own token is put in when it is sent. A page with answers, errors or messages on it is rendered
afresh every time, so no answer is ever kept here (bench/README.md has the figures).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask, current_app

from ..questionnaires import Definition

#: Stands in for the form token in the cached text: text no page, translation or token has.
TOKEN_SLOT = "csrf-token-slot-2f8c41d9"  # noqa: S105  (a placeholder, not a secret)
#: Questionnaires × pages × languages × places is a few hundred (about 8 KB each); the bound
#: only protects memory against a definition with very many conditional combinations.
MAX_ENTRIES = 1024


def enabled(app: Flask) -> bool:
    # Where templates reload on change (development), a cached page would hide the edit.
    return not (app.debug or app.config.get("TEMPLATES_AUTO_RELOAD"))


def key(
    definition: Definition, index: int, answers: dict[str, Any], locale: str, progress: tuple
) -> Hashable:
    """Everything an unanswered page shows apart from the token: which page of which
    questionnaire, in which language, where it is in the parent's questionnaire (``progress``:
    position, total, last page or not) and which of its questions the parent's other answers
    show."""
    shown = tuple(q.id for q in definition.pages[index].questions if q.is_visible(answers))
    return (definition.key, definition.version, index, locale, progress, shown)


def blank_page(key: Hashable, render: Callable[[str], str], token: str) -> str:
    """The page for ``key`` with ``token`` in its form; ``render(slot)`` makes it on a miss."""
    cache: dict[Hashable, tuple[str, str]] = current_app.extensions.setdefault(
        "blank_pages", {}
    )
    parts = cache.get(key)
    if parts is None:
        before, slot, after = render(TOKEN_SLOT).partition(TOKEN_SLOT)
        if not slot:  # a template without a form token: nothing to fill in
            return before
        if len(cache) >= MAX_ENTRIES:
            cache.clear()
        parts = cache[key] = (before, after)
    return parts[0] + token + parts[1]
