"""A Danish postcode (four digits), kept as text: the toy type of test_question_types.py.

Importing this module registers it; its template is ``templates/parent/questions/postcode.html``
beside it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l

from portal.questionnaires import Question
from portal.questionnaires.types import QuestionType, register

_POSTCODE = re.compile(r"^[0-9]{4}$")


@register
class Postcode(QuestionType):
    name = "postcode"
    column_type = "string"

    def parse(self, question: Question, raw: list[str]) -> tuple[Any, Any]:
        if len(raw) != 1 or not _POSTCODE.match(raw[0]):
            return None, _l("Write a whole number, for example 3.")
        return raw[0], None

    def export_cell(self, codes: tuple[int, ...],
                    clean_text: Callable[[str], str]) -> Callable[[Any], Any]:
        return lambda value: value if type(value) is str and value else None

    def values_text(self, question: Question) -> str | None:
        return "four digits"
