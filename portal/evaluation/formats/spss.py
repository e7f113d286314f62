"""SPSS ``.sav`` files (pyreadstat): variable and value labels, measurement levels, and the
reasons for missing answers as user-missing values (-7 not shown, -8 skipped, -9 left blank).

One file per label language (Danish and English); data and codes are the same in both.
PSPP reads these files too.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from flask_babel import force_locale

from ..columns import Column
from ..dataset import ExportPlan
from . import labels
from .frame import answer_frame
from .missing import MISSING_CODES


def _float(code: int) -> float:
    return float(code)


def sav_bytes(
    plan: ExportPlan,
    rows: Iterable[Sequence[Any]],
    locale: str,
    names: dict[str, str] | None = None,
) -> bytes:
    """The release's rows as an SPSS system file with labels in ``locale`` (da or en).

    ``names``: municipality code -> name, for the municipality variable's value labels
    (read from the personal store when not given).
    """
    if names is None:
        names = labels.municipality_names()
    # Imported here, not with the module: the CSV export must not carry pandas' memory.
    import pandas as pd
    import pyreadstat

    columns = plan.columns
    frame = answer_frame(columns, rows, _float)
    for column in columns:
        if column.type == "integer":
            frame[column.name] = pd.to_numeric(frame[column.name], errors="coerce").astype(
                "float64"
            )
    with force_locale(locale):
        column_labels = {c.name: labels.variable_label(c) for c in columns}
        value_labels: dict[str, dict[Any, str]] = labels.coded_value_labels(
            columns, float, float
        )
        for name in ("municipality", "language"):
            # SPSS labels string values too: names beside the codes.
            meta = labels.meta_value_labels(plan, name, names)
            if meta:
                value_labels[name] = meta
        file_label = labels.file_label(plan)
    missing_ranges: dict[str, list[float]] = {
        c.name: [float(code) for code in MISSING_CODES]
        for c in columns
        if labels.missing_codes(c)
    }
    formats = {c.name: _format(c) for c in columns if c.type == "integer"}
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "responses.sav"
        pyreadstat.write_sav(
            frame,
            str(path),
            file_label=file_label,
            column_labels=column_labels,
            variable_value_labels=value_labels,
            missing_ranges=missing_ranges,
            variable_measure={c.name: labels.measure(c) for c in columns},
            variable_format=formats,
        )
        return path.read_bytes()


def _format(column: Column) -> str:
    # Whole numbers: no decimals in SPSS's Data View.
    return "F8.0"
