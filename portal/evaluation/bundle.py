"""Everything in one zip, written as a stream: the zip never sits whole in memory.

``zipfile`` can write to a pipe (it then puts sizes in data descriptors after each member), so
we hand it a sink that we empty after every chunk.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator

from flask_babel import gettext as _

from . import codebook
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


def stream_zip(plan: ExportPlan) -> Iterator[bytes]:
    """responses.csv, the Danish Excel variant, codebook.csv, datapackage.json and NOTES.txt."""
    sink = _Sink()
    members: list[tuple[str, Iterable[str]]] = [
        (codebook.DATA_FILE, released_csv(plan, "csv")),
        (EXCEL_FILE, released_csv(plan, "excel")),
        (codebook.CODEBOOK_FILE, codebook.stream_codebook(plan)),
        ("datapackage.json", [codebook.datapackage_json(plan)]),
        (NOTES_FILE, [notes_text(plan)]),
    ]
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, chunks in members:
            with archive.open(name, "w") as member:
                for chunk in chunks:
                    member.write(chunk.encode("utf-8"))
                    data = sink.take()
                    if data:
                        yield data
    yield sink.take()
