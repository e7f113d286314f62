"""Everything in one zip, written as a stream: the zip never sits whole in memory.

``zipfile`` can write to a pipe (it then puts sizes in data descriptors after each member), so
we hand it a sink that we empty after every chunk.
"""

from __future__ import annotations

import itertools
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from . import codebook, csv_export
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


@dataclass(frozen=True)
class BundleFile:
    """One file of an export or a release: its name, media type and a writer of its bytes."""

    name: str
    media_type: str
    write: Callable[[], Iterable[bytes]]


_CSV = "text/csv; charset=utf-8"
_BINARY = "application/octet-stream"


def _rows(plan: ExportPlan) -> Iterator[tuple[Any, ...]]:
    return itertools.chain.from_iterable(released_batches(plan))


def bundle_files(plan: ExportPlan, extra: Iterable[BundleFile] = ()) -> list[BundleFile]:
    """Every file of a release (and of the zip), in order: THE list new formats add to.

    A writer reads rows only through ``released_csv``/``released_batches(plan)``, so it writes
    a frozen release (``plan.rows``) and a live export the same way.
    """
    return [
        BundleFile(codebook.DATA_FILE, _CSV,
                   lambda: csv_export.encode(released_csv(plan, "csv"))),
        BundleFile(EXCEL_FILE, _CSV, lambda: csv_export.encode(released_csv(plan, "excel"))),
        *(
            BundleFile(name, _BINARY, lambda loc=loc: [spss.sav_bytes(plan, _rows(plan), loc)])
            for loc, name in notes.SAV_FILES.items()
        ),
        *(
            BundleFile(name, _BINARY, lambda loc=loc: [stata.dta_bytes(plan, _rows(plan), loc)])
            for loc, name in notes.DTA_FILES.items()
        ),
        BundleFile(rscript.R_FILE, "text/plain; charset=utf-8",
                   lambda: [rscript.r_script(plan, codebook.DATA_FILE).encode("utf-8")]),
        BundleFile(codebook.CODEBOOK_FILE, _CSV,
                   lambda: csv_export.encode(codebook.stream_codebook(plan))),
        BundleFile("datapackage.json", "application/json",
                   lambda: [datapackage.datapackage_json(plan).encode("utf-8")]),
        BundleFile(NOTES_FILE, "text/plain; charset=utf-8",
                   lambda: [notes_text(plan).encode("utf-8")]),
        *extra,
    ]


def stream_zip(plan: ExportPlan, extra: Iterable[BundleFile] = ()) -> Iterator[bytes]:
    """Every file of ``bundle_files`` in one zip."""
    return stream_zip_of(bundle_files(plan, extra))


def stream_zip_of(files: Iterable[BundleFile]) -> Iterator[bytes]:
    sink = _Sink()
    # Members dated when the zip is built (zipfile's default is 1980-01-01), in local time as
    # zip readers expect. A release's zip is built once and stored, so its bytes stay frozen.
    now = time.localtime()[:6]
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file in files:
            info = zipfile.ZipInfo(file.name, date_time=now)
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w") as member:
                for chunk in file.write():
                    member.write(chunk)
                    data = sink.take()
                    if data:
                        yield data
    yield sink.take()
