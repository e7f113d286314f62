"""Free text, at most ``max_length`` characters; reviewed and masked before release."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .base import QuestionType
from .registry import register

if TYPE_CHECKING:
    from .. import Question

@register
class Text(QuestionType):
    name = "text"
    is_text = True
    column_type = "string"

    def parse(self, question: Question, raw: list[str]) -> tuple[Any, Any]:
        text = clean_text(" ".join(raw))
        if len(text) > question.max_length:
            return None, _l(
                "Your answer is too long. Please shorten it to at most %(n)s characters.",
                n=question.max_length,
            )
        return (text or None), None

    def export_cell(self, codes: tuple[int, ...],
                    clean_text: Callable[[str], str]) -> Callable[[Any], Any]:
        return lambda value: clean_text(value) if type(value) is str and value else None

    def values_text(self, question: Question) -> str | None:
        return _("free text; CPR numbers, phone numbers and e-mail addresses are masked")

    def demo_value(self, question: Question, rng: random.Random) -> Any:
        from ...demo import DEMO_COMMENTS

        return rng.choice(DEMO_COMMENTS) if rng.random() < 0.3 else None


def clean_text(text: str) -> str:
    # Control characters (NUL above all) have no place in an answer and break some databases.
    text = unicodedata.normalize("NFC", text)
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc").strip()
