"""Export columns, derived from a questionnaire definition.

Six columns describe the response (random id, questionnaire, version, language, municipality,
period); then one column per question, except multiple choice, which gets one 0/1 column per
option (``<question id>_<code>``) so every statistics package reads it without reshaping. After
each question's columns comes ``<question id>_status``: why there is no answer, if there is none
(not shown by show-if, skipped, left blank; see ``formats/missing.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..questionnaires import Definition, Option, Question
from .formats.missing import ANSWERED, NOT_SHOWN, status_name

META_COLUMNS = ("response_id", "questionnaire", "version", "language", "municipality", "period")


@dataclass(frozen=True)
class Column:
    name: str
    #: Frictionless/Table Schema type: ``string`` or ``integer``.
    type: str
    question: Question | None = None
    option: Option | None = None
    #: The question's status column (answered, or why not), not one of its answer columns.
    is_status: bool = False

    @property
    def is_text(self) -> bool:
        return self.question is not None and self.question.kind.is_text and not self.is_status


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
        kind = question.kind
        if kind.many:
            columns.extend(
                Column(f"{question.id}_{option.code}", kind.column_type, question, option)
                for option in question.options
            )
        else:
            columns.append(Column(question.id, kind.column_type, question))
        columns.append(Column(status_name(question.id), "integer", question, is_status=True))
    names = [column.name for column in columns]
    if len(set(names)) != len(names):
        # A question named like another's status or option column: the files would be ambiguous.
        raise ValueError(f"{definition.key} v{definition.version}: column names collide")
    return columns


def header(columns: list[Column]) -> list[str]:
    return [column.name for column in columns]


Cells = tuple[int | str | None, ...]
#: One question's step in a cell reader: (question id, its cell from the stored answer, its
#: show-if over the cells written so far or None, its empty cells if multiple choice, whether
#: a status column follows, the status of a shown question left unanswered).
_Step = tuple[str, Callable[[Any], Any], "Callable[[list[Any]], bool] | None", "Cells | None",
              bool, int]


def cell_reader(
    columns: list[Column], clean_text: Callable[[str], str]
) -> Callable[[dict[str, Any]], Cells]:
    """A function from one response's answers to its question cells, built once per export.

    ``None`` (an empty cell) where nothing was answered, and after each question with a status
    column the status code (answered, not shown, skipped, left blank). Values that do not fit
    the definition (a code it does not list, a list where a single code belongs, ``true`` where
    the code 1 belongs) are left empty rather than guessed at: the codebook describes every
    value.

    The per-column decisions (each type's cell, the show-if conditions) are made here, once,
    so the function run per row only looks answers up and calls what was decided.
    """
    with_status = {id(c.question) for c in columns if c.is_status}
    steps: list[_Step] = []
    # Where each question's first cell lands in the row, for the show-if of later questions.
    position: dict[str, tuple[int, Question, tuple[int, ...]]] = {}
    width = 0
    for question, codes in _questions(columns):
        visible = _visible(question, position) if question.show_if is not None else None
        empty = (None,) * len(codes) if question.kind.many else None
        status = id(question) in with_status
        steps.append((question.id, question.kind.export_cell(codes, clean_text), visible, empty,
                      status, question.kind.blank_status))
        position[question.id] = (width, question, codes)
        width += (len(codes) if question.kind.many else 1) + status

    def cells(answers: dict[str, Any]) -> Cells:
        get = answers.get
        out: list[Any] = []
        for question_id, cell_of, visible, empty, status, blank in steps:
            cell = cell_of(get(question_id))
            shown = visible is None or visible(out)
            if not shown:
                # A hidden question's answer (kept from before the parent changed their mind)
                # is not exported: the response holds only what the parent was asked.
                cell = None
            if empty is None:
                out.append(cell)
            else:
                out.extend(cell or empty)
            if status:
                out.append(NOT_SHOWN if not shown else ANSWERED if cell is not None else blank)
        return tuple(out)

    return cells


def _visible(
    question: Question, position: dict[str, tuple[int, Question, tuple[int, ...]]]
) -> Callable[[list[Any]], bool]:
    """The show-if condition over the earlier question's cells in the row written so far.

    The condition is read from what the export shows of the earlier question, as the parent
    pages read it from the answers kept (a hidden earlier question hides this one too, its
    cells being empty). For multiple choice: any of the option columns it names ticked.
    """
    condition = question.show_if
    assert condition is not None
    start, target, codes = position[condition.question]
    if target.kind.many:
        ticks = [start + i for i, code in enumerate(codes) if code in condition.codes]
        return lambda row: any(row[i] for i in ticks)
    allowed = frozenset(condition.codes)
    return lambda row: row[start] in allowed


def _questions(columns: list[Column]) -> list[tuple[Question, tuple[int, ...]]]:
    """Each question with columns once, in column order, with its codes (option columns' for
    multiple choice, whose columns are adjacent: see export_columns)."""
    questions: list[tuple[Question, tuple[int, ...]]] = []
    for column in columns:
        question = column.question
        if question is None or (questions and questions[-1][0] is question):
            continue
        if question.kind.many:
            codes = tuple(
                c.option.code for c in columns if c.question is question and c.option is not None
            )
        else:
            codes = question.codes
        questions.append((question, codes))
    return questions
