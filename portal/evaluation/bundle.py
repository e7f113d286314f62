"""Everything in one zip, written as a stream: the zip never sits whole in memory.

``zipfile`` can write to a pipe (it then puts sizes in data descriptors after each member), so
we hand it a sink that we empty after every chunk.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from flask_babel import gettext as _

from . import codebook, csv_export
from .dataset import ExportPlan, released_csv
from .disclosure import describe

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
    ]
    return "\r\n".join(lines)


@dataclass(frozen=True)
class BundleFile:
    """One file of an export or a release: its name, media type and a writer of its bytes."""

    name: str
    media_type: str
    write: Callable[[], Iterable[bytes]]


_CSV = "text/csv; charset=utf-8"


def bundle_files(plan: ExportPlan, extra: Iterable[BundleFile] = ()) -> list[BundleFile]:
    """Every file of a release (and of the zip), in order: THE list new formats add to.

    A writer reads rows only through ``released_csv``/``released_batches(plan)``, so it writes
    a frozen release (``plan.rows``) and a live export the same way.
    """
    return [
        BundleFile(codebook.DATA_FILE, _CSV,
                   lambda: csv_export.encode(released_csv(plan, "csv"))),
        BundleFile(EXCEL_FILE, _CSV, lambda: csv_export.encode(released_csv(plan, "excel"))),
        BundleFile(codebook.CODEBOOK_FILE, _CSV,
                   lambda: csv_export.encode(codebook.stream_codebook(plan))),
        BundleFile("datapackage.json", "application/json",
                   lambda: [codebook.datapackage_json(plan).encode("utf-8")]),
        BundleFile(NOTES_FILE, "text/plain; charset=utf-8",
                   lambda: [notes_text(plan).encode("utf-8")]),
        *extra,
    ]


def stream_zip(plan: ExportPlan, extra: Iterable[BundleFile] = ()) -> Iterator[bytes]:
    """Every file of ``bundle_files`` in one zip."""
    return stream_zip_of(bundle_files(plan, extra))


def stream_zip_of(files: Iterable[BundleFile]) -> Iterator[bytes]:
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file in files:
            # A fixed time stamp: the same rows give the same zip, byte for byte.
            info = zipfile.ZipInfo(file.name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w") as member:
                for chunk in file.write():
                    member.write(chunk)
                    data = sink.take()
                    if data:
                        yield data
    yield sink.take()
