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


def cell_reader(
    columns: list[Column], clean_text: Callable[[str], str]
) -> Callable[[dict[str, Any]], list[int | str | None]]:
    """A function from one response's answers to its question cells, built once per export.

    ``None`` (an empty cell) where nothing was answered. Values that do not fit the definition
    (a code it does not list, a list where a single code belongs) are left empty rather than
    guessed at: the codebook must describe every value. The per-column decisions are made here,
    once, because an export runs this for every one of up to millions of rows.
    """
    specs: list[tuple[str, str, Any]] = []
    for column in columns:
        question = column.question
        if question is None:
            continue
        if question.type == "multiple":
            # One spec per question: its option columns are adjacent (see export_columns).
            if specs and specs[-1][:2] == ("multiple", question.id):
                continue
            codes = tuple(c.option.code for c in columns if c.question is question)  # type: ignore[union-attr]
            specs.append(("multiple", question.id, codes))
        elif question.type in ("text", "number"):
            specs.append((question.type, question.id, None))
        else:
            specs.append(("code", question.id, frozenset(question.codes)))

    def cells(answers: dict[str, Any]) -> list[int | str | None]:
        row: list[int | str | None] = []
        append, get = row.append, answers.get
        for kind, question_id, payload in specs:
            value = get(question_id)
            if kind == "multiple":
                if type(value) is list:
                    row.extend([1 if code in value else 0 for code in payload])
                else:
                    row.extend([None] * len(payload))
            elif value is None:
                append(None)
            elif kind == "code":
                # ``type(value) is int`` keeps booleans out: JSON true is not the code 1.
                append(value if type(value) is int and value in payload else None)
            elif kind == "text":
                append(clean_text(value) if type(value) is str and value else None)
            else:
                append(value if type(value) is int else None)
        return row

    return cells
