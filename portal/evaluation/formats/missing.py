"""Why a question has no answer, in every format: one status code per question.

The CSV keeps an empty cell wherever there is no answer (so averages in any tool are right by
default) and adds ``<question>_status`` after each question's columns. SPSS files also carry the
code in the empty answer cells as a user-missing value, Stata files as an extended missing
value, so those tools tell the reasons apart without the status column.
"""

from __future__ import annotations

ANSWERED = 1
#: The question's show-if condition did not hold, so the parent never saw it. Leave these rows
#: out of the question's denominator.
NOT_SHOWN = -7
#: The question was shown (it is optional) and the parent went on without answering.
SKIPPED = -8
#: A multiple-choice question was shown and no option was ticked.
LEFT_BLANK = -9

MISSING_CODES = (NOT_SHOWN, SKIPPED, LEFT_BLANK)
STATUS_CODES = (ANSWERED, *MISSING_CODES)
#: Stata's extended missing values for the same reasons (.a, .b, .c).
STATA_CODES = {NOT_SHOWN: "a", SKIPPED: "b", LEFT_BLANK: "c"}
STATUS_SUFFIX = "_status"


def status_name(question_id: str) -> str:
    return question_id + STATUS_SUFFIX
