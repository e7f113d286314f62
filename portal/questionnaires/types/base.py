"""What every question type answers: the contract a module in this package fills in.

One class per type (Indico's ``fields/``): the parser, the parent page, the export, the
codebook and the statistics files ask the question's type rather than switch on its name.
A new type is a module here (``register``-ed) and its template ``parent/questions/<name>.html``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from ...evaluation.formats.missing import SKIPPED

if TYPE_CHECKING:
    from .. import Option, Question

Fail = Any  # the definition parser's ``fail(where, message) -> DefinitionError``


class QuestionType:
    """Defaults fit a question with one integer answer and no options; subclasses override."""

    name: ClassVar[str]
    #: The definition lists answer options (``options = [[code, label], ...]`` or a set name).
    has_options: ClassVar[bool] = False
    #: Options every question of this type has, whatever the definition says (yes/no).
    fixed_options: ClassVar[tuple[tuple[int, str], ...] | None] = None
    #: The definition has whole-number ``min`` and ``max``.
    has_range: ClassVar[bool] = False
    #: Stored answer is a list of codes (one 0/1 export column per option), not one value.
    many: ClassVar[bool] = False
    #: Free text: a string answer, reviewed before release, masked in exports.
    is_text: ClassVar[bool] = False
    #: Options have an order (charts keep it, R gets an ordered factor, SPSS "ordinal").
    ordered: ClassVar[bool] = False
    #: The answers pages chart its distribution.
    charted: ClassVar[bool] = False
    #: The status code of a shown question with no answer (see ``formats/missing.py``).
    blank_status: ClassVar[int] = SKIPPED
    #: SPSS measurement level of its answer column.
    measure: ClassVar[str] = "nominal"
    #: Table Schema type of its answer column(s).
    column_type: ClassVar[str] = "integer"
    #: The error for a required question left unanswered (None: answers.py's general one).
    required_message: ClassVar[Any] = None

    @property
    def template(self) -> str:
        """The partial the parent page includes for a question of this type."""
        return f"parent/questions/{self.name}.html"

    def check(self, question_raw: dict[str, Any], options: tuple[Option, ...], where: str,
              fail: Fail) -> None:
        """Rules of this type a definition must keep beyond the shared ones (raise ``fail``)."""

    def parse(self, question: Question, raw: list[str]) -> tuple[Any, Any]:
        """Posted, stripped, non-empty values -> (value or None, error message or None)."""
        raise NotImplementedError

    def export_cell(self, codes: tuple[int, ...],
                    clean_text: Callable[[str], str]) -> Callable[[Any], Any]:
        """The export cell of a stored answer (None: empty), decided once per export.

        ``codes``: the codes its column(s) hold; ``clean_text``: what free text goes through
        (masking and neutralising, or nothing for a release, which reviews it afterwards).
        ``type(...) is int`` first: it keeps booleans out (JSON true is not the code 1) and
        lists and objects away from the set, which cannot hash them.
        """
        allowed = frozenset(codes)
        return lambda value: value if type(value) is int and value in allowed else None

    def values_text(self, question: Question) -> str | None:
        """The codebook's "values" text, or None for the list of answer codes."""
        return None

    def value_labels(self, question: Question) -> dict[int, str]:
        """Labels of the codes its answer column holds (SPSS, Stata, R)."""
        return {}

    def constraints(self, question: Question) -> dict[str, Any] | None:
        """Table Schema constraints of its answer column."""
        return None

    def show_if_value(self, code: int) -> Any:
        """The stored answer that makes a show-if on ``code`` of this question hold."""
        return code

    def demo_value(self, question: Question, rng: random.Random) -> Any:
        """An answer a parent could have given, for demo data (None: left blank)."""
        return None


def code_of(question: Question, value: str) -> int | None:
    """The answer code a posted value names, if the question has it."""
    try:
        code = int(value)
    except ValueError:
        return None
    return code if code in question.codes else None
