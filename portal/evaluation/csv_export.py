"""CSV in two dialects, written as a stream of text chunks.

``csv``: RFC 4180 (comma, CRLF, double quotes), UTF-8 without BOM, which R, Stata and SPSS read.
``excel``: what Danish Excel opens in columns with æøå and Arabic script intact: semicolons,
UTF-8 with a byte-order mark. Quoting is the csv module's; we only neutralise formulas.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

BOM = "\ufeff"
DIALECTS = ("csv", "excel")
#: A spreadsheet runs a cell starting with one of these as a formula ("CSV injection"). Excel
#: also reads the full-width and small forms (typed with an East Asian input method) as the
#: ASCII ones, so ``＝1+1`` is a formula too.
FORMULA_STARTS = (
    "=", "+", "-", "@", "\t", "\r", "\n",
    "\uff1d", "\uff0b", "\uff0d", "\uff20",  # full-width ＝ ＋ － ＠
    "\ufe66", "\ufe62", "\ufe63", "\ufe6b",  # small ﹦ ﹢ ﹣ ﹫
)
#: A cell that is only a number ("-3", "+4.5") is read as that number by every program and
#: never runs anything, so it is left alone: R, LibreOffice and Stata users get their numbers.
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
#: Rows per chunk: few enough to keep memory flat, enough to keep per-chunk overhead low.
ROWS_PER_CHUNK = 500


class RFC4180(csv.Dialect):
    delimiter = ","
    quotechar = '"'
    doublequote = True
    skipinitialspace = False
    lineterminator = "\r\n"
    quoting = csv.QUOTE_MINIMAL


class DanishExcel(RFC4180):
    delimiter = ";"


_DIALECT_CLASSES: dict[str, type[csv.Dialect]] = {"csv": RFC4180, "excel": DanishExcel}


def neutralise(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading single quote; the rest is as is.

    Leading spaces do not hide a formula (LibreOffice and Excel skip them), and a plain number
    stays a number. The quote is the one mark every spreadsheet knows as "this is text"; Excel
    hides it, LibreOffice and R show it, and since it is only ever added in front of one of
    ``FORMULA_STARTS`` an R user removes it exactly with the one line in docs/security.md
    ("Exports and spreadsheets").
    """
    if not isinstance(value, str) or _PLAIN_NUMBER.fullmatch(value):
        return value
    # Text that already starts with quotes before a formula character gets one more, so that
    # removing one quote in front of a formula character always gives the original back.
    if value.lstrip("'").lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + value
    return value


def stream_csv(
    header: list[str], rows: Iterable[Sequence[Any]], dialect: str = "csv"
) -> Iterator[str]:
    """Yield the CSV text in chunks. ``None`` becomes an empty cell."""
    return stream_neutralised(header, _neutralised_batches(rows), dialect)


def stream_neutralised(
    header: list[str], batches: Iterable[list[Sequence[Any]]], dialect: str = "csv"
) -> Iterator[str]:
    """Yield the CSV text, one chunk per batch of rows whose cells are already neutralised.

    The responses export comes this way: only a few of its columns can hold text, so it
    neutralises those where it reads them instead of looking at every cell here.
    """
    if dialect not in _DIALECT_CLASSES:
        raise ValueError(f"unknown CSV dialect {dialect!r}")
    buffer = io.StringIO()
    writer = csv.writer(buffer, dialect=_DIALECT_CLASSES[dialect])
    if dialect == "excel":
        buffer.write(BOM)
    writer.writerow([neutralise(name) for name in header])
    for batch in batches:
        writer.writerows(batch)
        yield _drain(buffer)
    yield _drain(buffer)


def _neutralised_batches(rows: Iterable[Sequence[Any]]) -> Iterator[list[list[Any]]]:
    batch: list[list[Any]] = []
    for row in rows:
        batch.append([neutralise(cell) for cell in row])
        if len(batch) >= ROWS_PER_CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def encode(chunks: Iterable[str]) -> Iterator[bytes]:
    for chunk in chunks:
        if chunk:
            yield chunk.encode("utf-8")
