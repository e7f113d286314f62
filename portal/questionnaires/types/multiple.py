"""Multiple choice: a sorted list of codes, one 0/1 export column per option."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l

from ...evaluation.formats.missing import LEFT_BLANK
from .base import Fail, QuestionType, code_of
from .registry import register

if TYPE_CHECKING:
    from .. import Option, Question


@register
class Multiple(QuestionType):
    name = "multiple"
    has_options = True
    many = True
    charted = True
    blank_status = LEFT_BLANK
    required_message = _l("Please choose at least one answer.")

    def check(self, question_raw: dict[str, Any], options: tuple[Option, ...], where: str,
              fail: Fail) -> None:
        if any(o.code < 0 for o in options):
            raise fail(f"{where}.options", "multiple-choice codes must not be negative")

    def parse(self, question: Question, raw: list[str]) -> tuple[Any, Any]:
        codes = set()
        for value in raw:
            code = code_of(question, value)
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

    def export_cell(self, codes: tuple[int, ...],
                    clean_text: Callable[[str], str]) -> Callable[[Any], Any]:
        # A tuple of 0/1 ticks, one per code, or None when nothing is ticked.
        def ticks(value: Any) -> tuple[int, ...] | None:
            if type(value) is not list or not value:
                return None
            return tuple(1 if code in value else 0 for code in codes)

        return ticks

    def show_if_value(self, code: int) -> Any:
        return [code]

    def demo_value(self, question: Question, rng: random.Random) -> Any:
        codes = sorted(rng.sample(question.codes, rng.randint(1, min(3, len(question.codes)))))
        if len(codes) > 1 and question.exclusive:
            # An exclusive option ("Nothing new") stands alone, as the page requires.
            codes = [c for c in codes if c not in question.exclusive] or [codes[0]]
        return codes
