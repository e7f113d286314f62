"""What the one-answer choice types (single, scale, yes/no) share."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .base import QuestionType, code_of

if TYPE_CHECKING:
    from .. import Question


class OneChoice(QuestionType):
    has_options = True
    charted = True

    def parse(self, question: Question, raw: list[str]) -> tuple[Any, Any]:
        code = code_of(question, raw[0]) if len(raw) == 1 else None
        if code is None:
            return None, _l("Choose one of the answers shown.")
        return code, None

    def value_labels(self, question: Question) -> dict[int, str]:
        return {option.code: _(option.label) for option in question.options}

    def constraints(self, question: Question) -> dict[str, Any] | None:
        return {"enum": list(question.codes)}

    def demo_value(self, question: Question, rng: random.Random) -> Any:
        return rng.choice(question.codes)
