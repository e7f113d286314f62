"""A five-point scale: options coded 1 to 5, in order."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from ._choice import OneChoice
from .base import Fail
from .registry import register

if TYPE_CHECKING:
    from .. import Option, Question


@register
class Scale(OneChoice):
    name = "scale"
    ordered = True
    measure = "ordinal"

    def check(self, question_raw: dict[str, Any], options: tuple[Option, ...], where: str,
              fail: Fail) -> None:
        if [o.code for o in options] != [1, 2, 3, 4, 5]:
            raise fail(f"{where}.options", "a scale has five options coded 1 to 5")

    def demo_value(self, question: Question, rng: random.Random) -> Any:
        # Skewed towards the upper end, as satisfaction answers are.
        return rng.choices(question.codes, weights=(1, 2, 4, 8, 6)[: len(question.codes)])[0]
