"""Everything in one zip, written as a stream: the zip never sits whole in memory.

``zipfile`` can write to a pipe (it then puts sizes in data descriptors after each member), so
we hand it a sink that we empty after every chunk.
"""

from __future__ import annotations

import itertools
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from flask_babel import gettext as _

from . import codebook
from .dataset import ExportPlan, released_batches, released_csv
from .disclosure import describe
from .formats import datapackage, notes, rscript, spss, stata

EXCEL_FILE = "responses_excel_da.csv"
NOTES_FILE = "NOTES.txt"


class _Sink:
    """A write-only, unseekable file whose contents we take out as we go."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.position = 0

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks.clear()
        return data


def notes_text(plan: ExportPlan) -> str:
    filters = plan.filters
    lines = [
        _("First 1000 days: anonymised export"),
        "",
        _("Questionnaire: %(key)s, version %(version)s", key=filters.questionnaire,
          version=filters.version),
        _("Period: %(start)s to %(end)s", start=filters.period_from or "-",
          end=filters.period_to or "-"),
        _("Municipality: %(code)s", code=filters.municipality or _("all")),
        _("Responses in this export: %(n)s", n=plan.row_count),
        "",
        *("- " + note for note in describe(plan.generalisation)),
        "",
        *notes.reading_notes(plan),
    ]
    return "\r\n".join(lines)


def _rows(plan: ExportPlan) -> Iterator[tuple[Any, ...]]:
    return itertools.chain.from_iterable(released_batches(plan))


def _lazy(build: Callable[[], bytes]) -> Iterator[bytes]:
    # Built when the zip reaches the member, not when the member list is made.
    yield build()


def stream_zip(plan: ExportPlan) -> Iterator[bytes]:
    """responses.csv, the Danish Excel variant, SPSS and Stata files (Danish and English
    labels), the R script, codebook.csv, datapackage.json and NOTES.txt."""
    sink = _Sink()
    members: list[tuple[str, Iterable[str | bytes]]] = [
        (codebook.DATA_FILE, released_csv(plan, "csv")),
        (EXCEL_FILE, released_csv(plan, "excel")),
        *(
            (name, _lazy(lambda loc=loc: spss.sav_bytes(plan, _rows(plan), loc)))
            for loc, name in notes.SAV_FILES.items()
        ),
        *(
            (name, _lazy(lambda loc=loc: stata.dta_bytes(plan, _rows(plan), loc)))
            for loc, name in notes.DTA_FILES.items()
        ),
        (rscript.R_FILE, [rscript.r_script(plan, codebook.DATA_FILE)]),
        (codebook.CODEBOOK_FILE, codebook.stream_codebook(plan)),
        ("datapackage.json", [datapackage.datapackage_json(plan)]),
        (NOTES_FILE, [notes_text(plan)]),
    ]
    # Members dated now (zipfile's default is 1980-01-01), in the server's local time as zip
    # readers expect.
    now = time.localtime()[:6]
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, chunks in members:
            info = zipfile.ZipInfo(name, date_time=now)
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w") as member:
                for chunk in chunks:
                    member.write(chunk if isinstance(chunk, bytes) else chunk.encode("utf-8"))
                    data = sink.take()
                    if data:
                        yield data
    yield sink.take()
