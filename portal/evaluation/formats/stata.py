"""Stata ``.dta`` files (pyreadstat, format 118: Unicode): variable and value labels, and the
reasons for missing answers as extended missing values (.a not shown, .b skipped,
.c left blank).

One file per label language (Danish and English); data and codes are the same in both.
Stata limits variable labels to 80 characters: longer question texts are shortened with "…"
there (the codebook has them in full).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from flask_babel import force_locale

from ..dataset import ExportPlan
from . import labels
from .frame import answer_frame
from .missing import STATA_CODES

#: Stata's limit for a variable label, in characters.
LABEL_LIMIT = 80


def _short(text: str, limit: int = LABEL_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def dta_bytes(plan: ExportPlan, rows: Iterable[Sequence[Any]], locale: str) -> bytes:
    """The release's rows as a Stata dataset with labels in ``locale`` (da or en)."""
    # Imported here, not with the module: the CSV export must not carry pandas' memory.
    import pyreadstat

    columns = plan.columns
    frame = answer_frame(columns, rows, STATA_CODES.__getitem__)
    with force_locale(locale):
        column_labels = {c.name: _short(labels.variable_label(c)) for c in columns}
        value_labels = labels.coded_value_labels(columns, int, STATA_CODES.__getitem__)
        file_label = _short(labels.file_label(plan))
    missing_values = {
        c.name: [STATA_CODES[code] for code in labels.missing_codes(c)]
        for c in columns
        if labels.missing_codes(c)
    }
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "responses.dta"
        pyreadstat.write_dta(
            frame,
            str(path),
            file_label=file_label,
            column_labels=column_labels,
            version=15,
            variable_value_labels=value_labels,
            missing_user_values=missing_values,
        )
        return path.read_bytes()
