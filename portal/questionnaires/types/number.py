"""A whole number between the definition's ``min`` and ``max``."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .base import Fail, QuestionType
from .registry import register

if TYPE_CHECKING:
    from .. import Option, Question

_WHOLE_NUMBER = re.compile(r"^[+-]?\d{1,9}$")


@register
class Number(QuestionType):
    name = "number"
    has_range = True
    measure = "scale"

    def check(self, question_raw: dict[str, Any], options: tuple[Option, ...], where: str,
              fail: Fail) -> None:
        from .. import RESERVED_CODES

        minimum, maximum = question_raw.get("min"), question_raw.get("max")
        if not isinstance(minimum, int) or not isinstance(maximum, int) or minimum > maximum:
            raise fail(f"{where}.min", "a number question needs whole-number min <= max")
        if any(minimum <= code <= maximum for code in RESERVED_CODES):
            raise fail(f"{where}.min", "-7, -8 and -9 mean missing answers")

    def parse(self, question: Question, raw: list[str]) -> tuple[Any, Any]:
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

    def export_cell(self, codes: tuple[int, ...],
                    clean_text: Callable[[str], str]) -> Callable[[Any], Any]:
        return lambda value: value if type(value) is int else None

    def values_text(self, question: Question) -> str | None:
        return _("whole number from %(min)s to %(max)s", min=question.minimum,
                 max=question.maximum)

    def constraints(self, question: Question) -> dict[str, Any] | None:
        return {"minimum": question.minimum, "maximum": question.maximum}

    def demo_value(self, question: Question, rng: random.Random) -> Any:
        return rng.randint(question.minimum or 0, question.maximum or 10)
