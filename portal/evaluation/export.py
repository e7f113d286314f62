"""An export from filters to bytes: the formats, their file names, and the audit event."""

from __future__ import annotations

from collections.abc import Iterator

from flask import current_app, has_request_context
from flask_babel import force_locale

from ..extensions import db
from ..models.personal import AuditEvent
from . import bundle, codebook, csv_export
from .dataset import ExportPlan, released_csv
from .formats import datapackage

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "excel": "text/csv; charset=utf-8",
    "codebook": "text/csv; charset=utf-8",
    "datapackage": "application/json",
    "zip": "application/zip",
}
_SUFFIXES = {
    "csv": ".csv",
    "excel": "_excel_da.csv",
    "codebook": "_codebook.csv",
    "datapackage": "_datapackage.json",
    "zip": ".zip",
}


def file_name(plan: ExportPlan, fmt: str) -> str:
    return plan.filters.file_stem() + _SUFFIXES[fmt]


def media_type(fmt: str) -> str:
    return MEDIA_TYPES[fmt]


def stream_export(plan: ExportPlan, fmt: str) -> Iterator[bytes]:
    """The file's bytes, in chunks. Rows are read from the store only as they are written."""
    if fmt not in MEDIA_TYPES:
        raise ValueError(f"unknown export format {fmt!r}")
    return _in_a_locale(_chunks(plan, fmt))


def _in_a_locale(chunks: Iterator[bytes]) -> Iterator[bytes]:
    # Notes and codebook texts are translated. In a request the user's locale applies; outside
    # one (CLI, jobs, benchmarks) there is no locale to select, so the default language is used.
    if has_request_context():
        yield from chunks
        return
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        yield from chunks


def _chunks(plan: ExportPlan, fmt: str) -> Iterator[bytes]:
    if fmt in ("csv", "excel"):
        return csv_export.encode(released_csv(plan, fmt))
    if fmt == "codebook":
        return csv_export.encode(codebook.stream_codebook(plan))
    if fmt == "datapackage":
        # Standalone, the package sits beside the downloads: it names them as they are named.
        package = datapackage.datapackage_json(
            plan,
            data_path=file_name(plan, "csv"),
            codebook_path=file_name(plan, "codebook"),
        )
        return iter([package.encode("utf-8")])
    if fmt == "zip":
        return bundle.stream_zip(plan)
    raise ValueError(f"unknown export format {fmt!r}")


def record_export(plan: ExportPlan, fmt: str, actor: str) -> AuditEvent:
    """Log who exported what: filters, format and row count, never the data. Commits."""
    g = plan.generalisation
    event = AuditEvent(
        actor=actor,
        action="export.downloaded",
        subject=f"questionnaire:{plan.filters.questionnaire}",
        details={
            "format": fmt,
            "filters": plan.filters.as_dict(),
            "rows": plan.row_count,
            "suppressed": g.suppressed,
            "k": g.k,
            "period_level": g.period_level,
        },
    )
    db.session.add(event)
    db.session.commit()
    return event
