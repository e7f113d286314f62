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
from .formats.missing import ANSWERED, LEFT_BLANK, NOT_SHOWN, SKIPPED, status_name

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
        return self.question is not None and self.question.type == "text" and not self.is_status


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
        columns.append(Column(status_name(question.id), "integer", question, is_status=True))
    names = [column.name for column in columns]
    if len(set(names)) != len(names):
        # A question named like another's status or option column: the files would be ambiguous.
        raise ValueError(f"{definition.key} v{definition.version}: column names collide")
    return columns


def header(columns: list[Column]) -> list[str]:
    return [column.name for column in columns]


Cells = tuple[int | str | None, ...]


def cell_reader(
    columns: list[Column], clean_text: Callable[[str], str]
) -> Callable[[dict[str, Any]], Cells]:
    """A function from one response's answers to its question cells, built once per export.

    ``None`` (an empty cell) where nothing was answered, and after each question with a status
    column the status code (answered, not shown, skipped, left blank). Values that do not fit
    the definition (a code it does not list, a list where a single code belongs, ``true`` where
    the code 1 belongs) are left empty rather than guessed at: the codebook describes every
    value.

    An export runs this for every one of up to millions of rows, so the per-column decisions
    are made here, once, and written out as one straight-line function: a loop over column
    specifications costs more per row than the checks themselves. Only question ids (as
    string literals) and integer option codes go into the generated source.
    """
    namespace: dict[str, Any] = {"clean_text": clean_text}
    lines, cells = [], []
    with_status = {id(c.question) for c in columns if c.is_status}
    local: dict[str, tuple[str, Question, tuple[int, ...]]] = {}
    for n, (question, codes) in enumerate(_questions(columns)):
        value, cell = f"v{n}", f"c{n}"
        lines.append(f"    {value} = get({question.id!r})\n")
        if question.type == "multiple":
            # A tuple of 0/1 ticks, or None when nothing is ticked.
            ticks = ", ".join(f"1 if {int(code)!r} in {value} else 0" for code in codes)
            expression = f"(({ticks},) if type({value}) is list and {value} else None)"
        elif question.type == "text":
            expression = f"(clean_text({value}) if type({value}) is str and {value} else None)"
        elif question.type == "number":
            expression = f"({value} if type({value}) is int else None)"
        else:
            # ``type(...) is int`` first: it keeps booleans out (JSON true is not the code 1)
            # and lists and objects away from the set, which cannot hash them.
            namespace[f"codes{n}"] = frozenset(codes)
            expression = f"({value} if type({value}) is int and {value} in codes{n} else None)"
        lines.append(f"    {cell} = {expression}\n")
        blank = LEFT_BLANK if question.type == "multiple" else SKIPPED
        status = f"({ANSWERED} if {cell} is not None else {blank})"
        if question.show_if is not None:
            visible = _visible(question, local, namespace, n)
            # A hidden question's answer (kept from before the parent changed their mind) is
            # not exported: the response holds only what the parent was asked.
            lines.append(f"    if not ({visible}):\n        {cell} = None\n")
            status = f"({status} if {visible} else {NOT_SHOWN})"
        local[question.id] = (cell, question, codes)
        if question.type == "multiple":
            empty = ", ".join("None" for _ in codes)
            cells.append(f"*({cell} or ({empty},))")
        else:
            cells.append(cell)
        if id(question) in with_status:
            cells.append(status)
    source = (
        "def cells(answers):\n    get = answers.get\n"
        + "".join(lines)
        + "    return (" + "".join(f"{cell}, " for cell in cells) + ")\n"
    )
    exec(compile(source, "<export cell reader>", "exec"), namespace)  # noqa: S102
    return namespace["cells"]


def _visible(
    question: Question,
    local: dict[str, tuple[str, Question, tuple[int, ...]]],
    namespace: dict[str, Any],
    n: int,
) -> str:
    """The show-if condition as an expression over the earlier question's exported cell.

    The condition is read from what the export shows of the earlier question, as the parent
    pages read it from the answers kept (a hidden earlier question hides this one too).
    """
    condition = question.show_if
    assert condition is not None
    cell, target, codes = local[condition.question]
    if target.type == "multiple":
        positions = [i for i, code in enumerate(codes) if code in condition.codes]
        ticked = " or ".join(f"{cell}[{i}]" for i in positions) or "False"
        return f"({cell} is not None and ({ticked}))"
    namespace[f"show{n}"] = frozenset(condition.codes)
    return f"({cell} in show{n})"


def _questions(columns: list[Column]) -> list[tuple[Question, tuple[int, ...]]]:
    """Each question with columns once, in column order, with its codes (option columns' for
    multiple choice, whose columns are adjacent: see export_columns)."""
    questions: list[tuple[Question, tuple[int, ...]]] = []
    for column in columns:
        question = column.question
        if question is None or (questions and questions[-1][0] is question):
            continue
        if question.type == "multiple":
            codes = tuple(
                c.option.code for c in columns if c.question is question and c.option is not None
            )
        else:
            codes = question.codes
        questions.append((question, codes))
    return questions
