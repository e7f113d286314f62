"""Answer distributions per question, for the "answers at a glance" charts.

Read as a stream from the response store (answers are JSON, so counting happens here rather
than in SQL), with the same k as exports: a question with fewer than k answers is not shown,
and small cells are folded into one "few answers" group that is itself at least k.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select

from ..models.responses import Response
from ..questionnaires import Definition, Question
from .dataset import BATCH_SIZE, _where, reading
from .filters import ExportFilters


@dataclass
class Distribution:
    question: Question
    #: Responses that answered the question.
    answered: int = 0
    #: Answer code -> responses giving it (for multiple choice: choosing it).
    counts: Counter[int] = field(default_factory=Counter)


@dataclass(frozen=True)
class Cell:
    code: int | None  # None: the folded group of small cells (its count is at least k)
    label: str
    count: int | None  # None: hidden
    share: float  # of the question's answers


def answer_distributions(filters: ExportFilters, definition: Definition) -> list[Distribution]:
    """Counts per answer code for every choice question of the definition."""
    distributions = {
        q.id: Distribution(q) for q in definition.questions if q.kind.charted
    }
    statement = _where(select(Response.answers), filters)
    with reading() as connection:
        result = connection.execution_options(yield_per=BATCH_SIZE).execute(statement)
        for (answers,) in result:
            for question_id, distribution in distributions.items():
                value = (answers or {}).get(question_id)
                if value is None:
                    continue
                codes = value if isinstance(value, list) else [value]
                known = [c for c in codes if c in distribution.question.codes]
                if not known:
                    continue
                distribution.answered += 1
                distribution.counts.update(known)
    return list(distributions.values())


def safe_cells(distribution: Distribution, k: int) -> list[Cell] | None:
    """The cells a page may show, or None if the question has fewer than k answers.

    Single choice and scales add up to the answered total, so hidden cells are folded into
    one group that must reach k (taking the smallest shown cells with it when needed);
    otherwise the total minus the shown cells would reveal them. A multiple-choice option is
    hidden when either those who chose it or those who did not are fewer than k.
    """
    total = distribution.answered
    if total < k:
        return None
    question = distribution.question
    if question.kind.many:
        return [
            Cell(
                option.code,
                option.label,
                n if (n == 0 or n >= k) and (total - n == 0 or total - n >= k) else None,
                n / total,
            )
            for option in question.options
            for n in [distribution.counts[option.code]]
        ]
    values = {option.code: distribution.counts[option.code] for option in question.options}
    hidden = {code for code, n in values.items() if 0 < n < k}
    hidden_sum = sum(values[code] for code in hidden)
    for n, code in sorted((n, code) for code, n in values.items() if code not in hidden and n):
        if not 0 < hidden_sum < k:
            break
        hidden.add(code)
        hidden_sum += n
    cells = [
        Cell(option.code, option.label, values[option.code], values[option.code] / total)
        for option in question.options
        if option.code not in hidden
    ]
    if hidden:
        cells.append(Cell(None, "", hidden_sum, hidden_sum / total))
    return cells
