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


Cells = tuple[int | str | None, ...]


def cell_reader(
    columns: list[Column], clean_text: Callable[[str], str]
) -> Callable[[dict[str, Any]], Cells]:
    """A function from one response's answers to its question cells, built once per export.

    ``None`` (an empty cell) where nothing was answered. Values that do not fit the definition
    (a code it does not list, a list where a single code belongs, ``true`` where the code 1
    belongs) are left empty rather than guessed at: the codebook must describe every value.

    An export runs this for every one of up to millions of rows, so the per-column decisions
    are made here, once, and written out as one straight-line function: a loop over column
    specifications costs more per row than the checks themselves. Only question ids (as
    string literals) and integer option codes go into the generated source.
    """
    namespace: dict[str, Any] = {"clean_text": clean_text}
    reads, cells = [], []
    for n, (question, codes) in enumerate(_questions(columns)):
        value = f"v{n}"
        reads.append(f"    {value} = get({question.id!r})\n")
        if question.type == "multiple":
            cells.append(_multiple_cells(value, codes))
        elif question.type == "text":
            cells.append(f"(clean_text({value}) if type({value}) is str and {value} else None)")
        elif question.type == "number":
            cells.append(f"({value} if type({value}) is int else None)")
        else:
            # ``type(...) is int`` first: it keeps booleans out (JSON true is not the code 1)
            # and lists and objects away from the set, which cannot hash them.
            namespace[f"codes{n}"] = frozenset(codes)
            cells.append(f"({value} if type({value}) is int and {value} in codes{n} else None)")
    source = (
        "def cells(answers):\n    get = answers.get\n"
        + "".join(reads)
        + "    return (" + "".join(f"{cell}, " for cell in cells) + ")\n"
    )
    exec(compile(source, "<export cell reader>", "exec"), namespace)  # noqa: S102
    return namespace["cells"]


def _questions(columns: list[Column]) -> list[tuple[Question, tuple[int, ...]]]:
    """Each question with columns once, in column order, with its codes (option columns' for
    multiple choice, whose columns are adjacent: see export_columns)."""
    questions: list[tuple[Question, tuple[int, ...]]] = []
    for column in columns:
        question = column.question
        if question is None or (questions and questions[-1][0] is question):
            continue
        if question.type == "multiple":
            codes = tuple(c.option.code for c in columns if c.question is question)  # type: ignore[union-attr]
        else:
            codes = question.codes
        questions.append((question, codes))
    return questions


def _multiple_cells(value: str, codes: tuple[int, ...]) -> str:
    """One 0/1 cell per option if the answer is a list, else as many empty cells."""
    ticks = ", ".join(f"1 if {int(code)!r} in {value} else 0" for code in codes)
    empty = ", ".join("None" for _ in codes)
    return f"*(({ticks},) if type({value}) is list else ({empty},))"
