"""Export columns, derived from a questionnaire definition.

Six columns describe the response (random id, questionnaire, version, language, municipality,
period); then one column per question, except multiple choice, which gets one 0/1 column per
option (``<question id>_<code>``) so every statistics package reads it without reshaping.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..questionnaires import Definition, Option, Question

META_COLUMNS = ("response_id", "questionnaire", "version", "language", "municipality", "period")


@dataclass(frozen=True)
class Column:
    name: str
    #: Frictionless/Table Schema type: ``string`` or ``integer``.
    type: str
    question: Question | None = None
    option: Option | None = None

    @property
    def is_text(self) -> bool:
        return self.question is not None and self.question.type == "text"


def export_columns(definition: Definition) -> list[Column]:
    """Every column of an export of this questionnaire version, in order."""
    columns = [
        Column("response_id", "string"),
        Column("questionnaire", "string"),
        Column("version", "integer"),
        Column("language", "string"),
        Column("municipality", "string"),
        Column("period", "string"),
    ]
    for question in definition.questions:
        if question.type == "multiple":
            columns.extend(
                Column(f"{question.id}_{option.code}", "integer", question, option)
                for option in question.options
            )
        elif question.type == "text":
            columns.append(Column(question.id, "string", question))
        else:
            columns.append(Column(question.id, "integer", question))
    return columns


def header(columns: list[Column]) -> list[str]:
    return [column.name for column in columns]


def answer_cells(
    columns: list[Column], answers: dict[str, Any], clean_text: Callable[[str], str]
) -> list[int | str | None]:
    """The question cells of one response; ``None`` (an empty cell) where nothing was answered.

    Values that do not fit the definition (a code it does not list, a list where a single code
    belongs) are left empty rather than guessed at: the codebook must describe every value.
    """
    cells: list[int | str | None] = []
    for column in columns:
        question = column.question
        if question is None:
            continue
        value = answers.get(question.id)
        if question.type == "multiple":
            if not isinstance(value, list):
                cells.append(None)
            else:
                cells.append(1 if column.option.code in value else 0)  # type: ignore[union-attr]
        elif question.type == "text":
            cells.append(clean_text(value) if isinstance(value, str) and value else None)
        elif question.type == "number":
            cells.append(value if _is_int(value) else None)
        else:
            cells.append(value if _is_int(value) and value in question.codes else None)
    return cells


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
