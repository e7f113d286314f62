"""The released rows as a pandas DataFrame, with the missing codes in the empty answer cells.

SPSS and Stata keep the reason for a missing answer in the cell itself (user-missing and
extended missing values), so each empty answer cell takes its question's status code.
A release is small (thousands of rows), and pyreadstat needs the whole table at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ..columns import Column
from .missing import ANSWERED

if TYPE_CHECKING:
    import pandas as pd


def status_positions(columns: list[Column]) -> dict[int, int]:
    """Index of each answer column -> index of its question's status column."""
    status = {id(c.question): i for i, c in enumerate(columns) if c.is_status}
    return {
        i: status[id(c.question)]
        for i, c in enumerate(columns)
        if c.question is not None and not c.is_status and id(c.question) in status
    }


def answer_frame(
    columns: list[Column],
    rows: Iterable[Sequence[Any]],
    missing: Callable[[int], Any],
) -> pd.DataFrame:
    """Rows in column order -> a DataFrame; ``missing(status)`` fills empty numeric answers."""
    # Imported here: pandas costs some 50 MB, and the CSV export must not carry it.
    import pandas as pd

    positions = status_positions(columns)
    numeric = [i for i, c in enumerate(columns) if c.type == "integer"]
    text = [i for i, c in enumerate(columns) if c.type != "integer"]
    data: list[list[Any]] = [[] for _ in columns]
    for row in rows:
        for i in text:
            value = row[i]
            data[i].append("" if value is None else str(value))
        for i in numeric:
            value = row[i]
            if value is None and i in positions and row[positions[i]] != ANSWERED:
                value = missing(row[positions[i]])
            data[i].append(value)
    frame = pd.DataFrame({c.name: data[i] for i, c in enumerate(columns)})
    for i in text:
        frame[columns[i].name] = frame[columns[i].name].astype(object)
    if frame.empty:
        # No rows to infer from: keep numeric variables numeric, not strings.
        for i in numeric:
            frame[columns[i].name] = frame[columns[i].name].astype("float64")
    return frame
