"""Releases: evaluation data built once per questionnaire version and period, then frozen.

Why: an export per filter lets two filtered files be subtracted (a month, a municipality) to
single out a family. A release is built once for one questionnaire version and one period;
periods of two releases of the same version never overlap, so no row is in two releases.
One generalisation (municipality, language, period) is chosen for the whole release, every
released group has at least k rows, rows get random ids of the release's own, and the files
are stored as bytes: a download gives the same bytes every time. Pages (answers, rates) read
only the tables computed here, with complementary suppression across the release's views.

``naive=True`` builds what the old exports did (no suppression, the raw quasi-identifiers,
the response ids): tests use it to show their attacks work against it and fail against a
real release. It is never reachable from a page or the command line.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
import uuid
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_request_context
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models.releases import Release, ReleaseFile, TextReview
from ..models.responses import Response
from ..questionnaires import Definition
from ..timeutil import utcnow
from . import bundle, disclosure, suppression
from .columns import cell_reader, export_columns
from .csv_export import neutralise
from .dataset import BATCH_SIZE, ExportPlan, _decode, group_counts, reading
from .disclosure import ALL, OTHER, Generalisation, Key
from .filters import ExportFilters

PERIOD_LENGTHS = {"quarter": 3, "half": 6, "year": 12}
#: A release may leave out at most this share of its rows (exports: 5 %). Less, because a
#: release is the only way the rows leave: what it drops, nobody gets.
RELEASE_SUPPRESSED_SHARE = 0.01
ZIP_FILE = "release.zip"
REPORT_FILE = "REPORT.txt"
#: Internal files: the pages' tables. Never offered for download.
VIEWS_FILE = "_views.json"
RATES_FILE = "_rates.json"
DIMENSIONS = ("municipality", "language", "period")
#: Files whose bytes depend on the questionnaire version and the release, not on its rows.
ROW_FREE_FILES = frozenset({"codebook.csv", "datapackage.json", REPORT_FILE})


class ReleaseError(ValueError):
    """A release that must not be built (overlap, empty, unknown version); the message is
    translated and meant for the person who asked."""


# --- periods ----------------------------------------------------------------------------------


def add_months(month: str, n: int) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    index = year * 12 + (mon - 1) + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def period_label(start: str, length: str) -> str:
    """``2026-Q1``, ``2026-H2``, ``2026``; an unaligned period is ``2026-02..2026-04``."""
    months = PERIOD_LENGTHS[length]
    end = add_months(start, months - 1)
    month = int(start[5:7])
    if (month - 1) % months == 0:
        if length == "quarter":
            return f"{start[:4]}-Q{(month - 1) // 3 + 1}"
        if length == "half":
            return f"{start[:4]}-H{(month - 1) // 6 + 1}"
        return start[:4]
    return f"{start}..{end}"


def aligned_start(month: str, length: str) -> str:
    """The first month of the calendar quarter, half-year or year holding ``month``."""
    months = PERIOD_LENGTHS[length]
    mon = int(month[5:7])
    return f"{month[:4]}-{(mon - 1) // months * months + 1:02d}"


def releases_of(key: str, version: int) -> list[Release]:
    return list(
        db.session.execute(
            select(Release)
            .where(Release.questionnaire_key == key, Release.questionnaire_version == version)
            .order_by(Release.period_start)
        ).scalars()
    )


def overlapping(key: str, version: int, start: str, end: str) -> Release | None:
    for release in releases_of(key, version):
        if release.period_start <= end and start <= release.period_end:
            return release
    return None


# --- building ---------------------------------------------------------------------------------


@dataclass
class Candidate:
    start: str
    end: str
    length: str
    generalisation: Generalisation

    @property
    def merged_municipalities(self) -> int:
        return sum(1 for v in self.generalisation.municipalities.values() if v in (OTHER, ALL))


def _filters(key: str, version: int, start: str, end: str) -> ExportFilters:
    return ExportFilters(questionnaire=key, version=version, period_from=start, period_to=end)


def candidate(key: str, version: int, start: str, length: str, k: int) -> Candidate:
    end = add_months(start, PERIOD_LENGTHS[length] - 1)
    counts = group_counts(_filters(key, version, start, end))
    return Candidate(start, end, length, disclosure.plan_generalisation(
        counts, k, RELEASE_SUPPRESSED_SHARE))


def choose_period(key: str, version: int, start: str, until: str, k: int) -> Candidate | None:
    """The shortest period from ``start`` that keeps every municipality on its own and leaves
    no row out; else the one that merges fewest municipalities (then leaves out fewest rows).
    Only periods that have ended by ``until`` count: rows arriving later could not join."""
    best: tuple[tuple[int, int, int], Candidate] | None = None
    for rank, length in enumerate(PERIOD_LENGTHS):
        option = candidate(key, version, start, length, k)
        if option.end > until:
            continue
        if option.generalisation.total == 0:
            continue
        g = option.generalisation
        score = (option.merged_municipalities, g.suppressed / g.total, rank)
        if option.merged_municipalities == 0 and g.suppressed <= g.total * 0.01:
            return option
        if best is None or score < best[0]:
            best = (score, option)
    return best[1] if best else None


def first_month(key: str, version: int, after: str | None = None) -> str | None:
    """The first month with responses of this version (from ``after`` on, if given)."""
    from sqlalchemy import func

    statement = select(func.min(Response.period)).where(
        Response.questionnaire_key == key, Response.questionnaire_version == version
    )
    if after is not None:
        statement = statement.where(Response.period >= after)
    with reading() as connection:
        return connection.execute(statement).scalar()


def due_releases(
    until: str | None = None, length: str = "auto"
) -> list[tuple[str, int, Candidate]]:
    """The next release of every questionnaire version whose period has ended."""
    until = until or add_months(utcnow().strftime("%Y-%m"), -1)
    k = disclosure.min_group_size()
    due = []
    for definition in current_app.extensions["questionnaires"]:
        key, version = definition.key, definition.version
        existing = releases_of(key, version)
        after = add_months(existing[-1].period_end, 1) if existing else None
        first = first_month(key, version, after)
        if first is None:
            continue
        # A period with no responses is skipped (nothing to release), never left blocking the
        # next one; a release starts on a quarter when that does not overlap the last one.
        start = aligned_start(first, "quarter")
        if after is not None and start < after:
            start = after
        if length == "auto":
            option = choose_period(key, version, start, until, k)
        else:
            option = candidate(key, version, start, length, k)
            if option.end > until or option.generalisation.total == 0:
                option = None
        if option is not None:
            due.append((key, version, option))
    return due


def build_due(actor: str, until: str | None = None, length: str = "auto") -> list[Release]:
    """Build every due release, one after the other, until none is due (the scheduled job)."""
    built = []
    while True:
        due = due_releases(until, length)
        if not due:
            return built
        for key, version, option in due:
            built.append(build_release(key, version, option.start, option.length, actor=actor))


def build_release(
    key: str,
    version: int,
    start: str,
    length: str,
    *,
    actor: str,
    k: int | None = None,
    naive: bool = False,
) -> Release:
    """Build, freeze and audit one release. Raises ReleaseError if it must not be built."""
    if has_request_context():
        return _build_release(key, version, start, length, actor=actor, k=k, naive=naive)
    # Outside a request (CLI, cron) messages, notes and the report are in the default language.
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return _build_release(key, version, start, length, actor=actor, k=k, naive=naive)


def _build_release(
    key: str, version: int, start: str, length: str, *, actor: str, k: int | None, naive: bool
) -> Release:
    registry = current_app.extensions["questionnaires"]
    try:
        definition = registry.get(key, version)
    except KeyError as error:
        raise ReleaseError(
            _("Questionnaire %(key)s has no version %(version)s.", key=key, version=version)
        ) from error
    if length not in PERIOD_LENGTHS:
        raise ReleaseError(_("Choose a quarter, a half-year or a year."))
    k = disclosure.min_group_size() if k is None else k
    end = add_months(start, PERIOD_LENGTHS[length] - 1)
    clash = overlapping(key, version, start, end)
    if clash is not None and not naive:
        raise ReleaseError(
            _(
                "A release of this questionnaire version already covers %(label)s: releases "
                "never overlap, so that no two of them can be subtracted.",
                label=clash.label,
            )
        )
    label = period_label(start, length)
    filters = _filters(key, version, start, end)
    counts = group_counts(filters)
    if sum(counts.values()) == 0:
        raise ReleaseError(_("No responses in %(label)s.", label=label))
    if naive:
        g = Generalisation(k=1, total=sum(counts.values()))
        g.released = frozenset(counts)
    else:
        g = disclosure.plan_generalisation(counts, k, RELEASE_SUPPRESSED_SHARE)
    # Files are written in the default language whoever presses the button, so every
    # release reads the same.
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        content = _build_content(definition, filters, g, label, k, naive)
    release = Release(
        id=str(uuid.uuid4()),
        questionnaire_key=key,
        questionnaire_version=version,
        period_start=start,
        period_end=end,
        period_length=length,
        label=label,
        k=k,
        rows=content.rows,
        report=content.report,
    )
    db.session.add(release)
    db.session.flush()
    for name, media_type, data in content.files:
        db.session.add(
            ReleaseFile(
                release_id=release.id,
                path=name,
                media_type=media_type,
                sha256=hashlib.sha256(data).hexdigest(),
                content=data,
            )
        )
    db.session.commit()
    from .. import audit

    audit.record(actor, "release.built", f"release:{release.id}", questionnaire=key,
                 count=content.rows, kind=label)
    db.session.commit()
    return release


@dataclass
class _Content:
    rows: int
    report: dict[str, Any]
    files: list[tuple[str, str, bytes]]


def _released_key(g: Generalisation, raw: Key, label: str) -> Key | None:
    key = g.apply(*raw)
    if key is None:
        return None
    municipality, language, period = key
    return municipality, language, label if period == ALL else period


def _reviewed_texts(key: str, version: int) -> dict[tuple[str, str], TextReview]:
    statement = select(TextReview).where(
        TextReview.questionnaire_key == key, TextReview.questionnaire_version == version
    )
    return {(r.response_id, r.question_id): r for r in db.session.execute(statement).scalars()}


def _build_content(
    definition: Definition,
    filters: ExportFilters,
    g: Generalisation,
    label: str,
    k: int,
    naive: bool,
) -> _Content:
    from sqlalchemy import Text, cast

    from .dataset import _where

    columns = export_columns(definition)
    text_ids = {c.name for c in columns if c.is_text}
    reviews = {} if naive else _reviewed_texts(definition.key, definition.version)
    text_counts: Counter[str] = Counter()
    cell_columns = [c for c in columns if c.question is not None]
    # The export's cell reader (columns.cell_reader) gives every question cell, free text
    # as written; free text is then replaced by what its review allows.
    read_cells = cell_reader(columns, lambda text: text)
    text_positions = [(i, c.name) for i, c in enumerate(cell_columns) if c.name in text_ids]
    choice_positions = [i for i, c in enumerate(cell_columns) if c.name not in text_ids]
    meta_cache: dict[Key, tuple[Any, ...]] = {}

    def meta(released: Key) -> tuple[Any, ...]:
        if released not in meta_cache:
            meta_cache[released] = tuple(map(neutralise, (released[1], released[0],
                                                          released[2])))
        return meta_cache[released]

    head = (neutralise(definition.key), definition.version)
    rows: list[tuple[Any, ...]] = []
    keys: list[Key] = []
    patterns: Counter[tuple[Any, ...]] = Counter()
    suppressed_from: Counter[Key] = Counter()
    statement = _where(
        select(Response.id, Response.municipality_code, Response.language, Response.period,
               cast(Response.answers, Text)),
        filters,
    )
    with reading() as connection:
        result = connection.execution_options(yield_per=BATCH_SIZE).execute(statement)
        for response_id, municipality, language, period, answers_text in result:
            raw = (municipality, language, period)
            released = raw if naive else _released_key(g, raw, label)
            if released is None:
                suppressed_from[g.map(*raw)] += 1
                continue
            cells = list(read_cells(_decode(answers_text) or {}))
            for position, question_id in text_positions:
                cells[position] = _release_text(cells[position], response_id, question_id,
                                                reviews, text_counts, naive)
            row_id = response_id if naive else str(uuid.uuid4())
            rows.append(
                (row_id, *head, *meta(released), *cells)
            )
            keys.append(released)
            patterns[tuple(cells[i] for i in choice_positions)] += 1
    # The release's own random ids, in their own order: neither row order nor ids lead back.
    order = sorted(range(len(rows)), key=lambda i: rows[i][0])
    rows = [rows[i] for i in order]
    keys = [keys[i] for i in order]
    g.suppressed = sum(suppressed_from.values())
    plan = ExportPlan(filters=filters, definition=definition, columns=columns,
                      generalisation=g, rows=rows)
    group_sizes = Counter(keys)
    unique = sum(1 for n in patterns.values() if n == 1)
    report = {
        "label": label,
        "k": k,
        "naive": naive,
        "rows": len(rows),
        "groups": len(group_sizes),
        "smallest_group": min(group_sizes.values()) if group_sizes else 0,
        "period_level": g.period_level,
        "municipalities": dict(g.municipalities),
        "languages": dict(g.languages),
        "merged_municipalities": sorted(m for m, v in g.municipalities.items() if v == OTHER),
        "merged_languages": sorted(lang for lang, v in g.languages.items() if v == OTHER),
        "suppressed": g.suppressed,
        # Generalised groups the left-out rows came from; their sizes stay unsaid (< k).
        "suppressed_from": sorted("/".join(key) for key in suppressed_from),
        "unique_patterns_share": round(unique / len(rows), 3) if rows else 0.0,
        "text_released": text_counts["released"],
        "text_withheld": text_counts["withheld"],
        "text_pending": text_counts["pending"],
    }
    views = build_views(definition, rows, keys, columns, k, naive)
    from .rates_release import build_rates

    rates = build_rates(definition.key, definition.version, filters.period_from or "",
                        filters.period_to or "", g, k, naive)
    report_text = report_lines(report, definition)
    files: list[tuple[str, str, bytes]] = []
    extra = [bundle.BundleFile(REPORT_FILE, "text/plain; charset=utf-8",
                               lambda: ["\r\n".join(report_text).encode("utf-8") + b"\r\n"])]
    entries = bundle.bundle_files(plan, extra)
    for entry in entries:
        files.append((entry.name, entry.media_type, b"".join(entry.write())))
    files.append((ZIP_FILE, "application/zip", _zip_of(files)))
    # A coordinator's file: the rows of their municipality where it is released on its own.
    # Files that do not depend on the rows (codebook, data package, report) are the release's
    # own bytes, written once rather than once per municipality.
    written = {name: data for name, _media, data in files}
    by_code: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for row, key in zip(rows, keys, strict=True):
        if key[0] not in (OTHER, ALL):
            by_code[key[0]].append(row)
    for code in sorted(by_code):
        own_plan = ExportPlan(filters=filters, definition=definition, columns=columns,
                              generalisation=g, rows=by_code[code])
        own_files = [
            (e.name, e.media_type,
             written[e.name] if e.name in ROW_FREE_FILES else b"".join(e.write()))
            for e in bundle.bundle_files(own_plan, extra)
        ]
        files.append((municipality_zip(code), "application/zip", _zip_of(own_files)))
    files.append((VIEWS_FILE, "application/json", _json(views)))
    files.append((RATES_FILE, "application/json", _json(rates)))
    return _Content(len(rows), report, files)


def municipality_zip(code: str) -> str:
    return f"release_{code}.zip"


def _release_text(
    value: Any,
    response_id: str,
    question_id: str,
    reviews: dict[tuple[str, str], TextReview],
    counts: Counter[str],
    naive: bool,
) -> str | None:
    if type(value) is not str or not value.strip():
        return None
    if naive:
        return neutralise(value)
    review = reviews.get((response_id, question_id))
    if review is None or review.status == "pending":
        counts["pending"] += 1
        return None
    if review.status == "withheld":
        counts["withheld"] += 1
        return None
    counts["released"] += 1
    return neutralise(review.text or "")


def _zip_of(files: Iterable[tuple[str, str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    # Dated when built (not 1980-01-01); built once and stored, so every download is the same.
    built = time.localtime()[:6]
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, _media, data in files:
            info = zipfile.ZipInfo(name, date_time=built)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8")


def report_lines(report: dict[str, Any], definition: Definition) -> list[str]:
    """The release report as text (REPORT.txt and the release page)."""
    k = report["k"]
    lines = [
        _("Release %(label)s of %(title)s, version %(version)s", label=report["label"],
          title=_(definition.title), version=definition.version),
        "",
        _("Responses released: %(n)s in %(groups)s groups of municipality, language and "
          "period.", n=report["rows"], groups=report["groups"]),
        _("Smallest group: %(n)s responses (every group has at least %(k)s).",
          n=report["smallest_group"], k=k),
    ]
    if report["merged_municipalities"]:
        lines.append(_('Municipalities shown as "other": %(codes)s.',
                       codes=", ".join(report["merged_municipalities"])))
    if report["merged_languages"]:
        lines.append(_('Languages shown as "other": %(languages)s.',
                       languages=", ".join(report["merged_languages"])))
    if report["suppressed"]:
        lines.append(_("Responses left out: %(n)s, from the groups %(groups)s.",
                       n=report["suppressed"], groups=", ".join(report["suppressed_from"])))
    else:
        lines.append(_("No response was left out."))
    lines.append(_("Share of responses whose answers are unique in the release: %(share)s %%.",
                   share=round(report["unique_patterns_share"] * 100)))
    lines.append(_("Free-text answers released after review: %(released)s; withheld: "
                   "%(withheld)s; waiting for review: %(pending)s.",
                   released=report["text_released"], withheld=report["text_withheld"],
                   pending=report["text_pending"]))
    return lines


# --- the pages' tables ------------------------------------------------------------------------


def _parts(definition: Definition) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(part id, question id, [(cell id, label msgid)]) for every chart the answers page shows.

    Each part partitions a group's rows, so its cells add up to the group: single choice and
    scales have one cell per option plus "not answered"; each multiple-choice option is a part
    of its own (chosen / not chosen or not answered).
    """
    parts = []
    for question in definition.questions:
        if not question.kind.charted:
            continue
        if question.kind.many:
            for option in question.options:
                parts.append((f"{question.id}_{option.code}", question.id,
                              [("1", option.label), ("0", "")]))
        else:
            parts.append((question.id, question.id,
                          [(str(o.code), o.label) for o in question.options] + [("", "")]))
    return parts


def build_views(
    definition: Definition,
    rows: list[tuple[Any, ...]],
    keys: list[Key],
    columns: list[Any],
    k: int,
    naive: bool,
) -> dict[str, Any]:
    """Per part and dimension: the cells per released value, with complementary suppression
    across the values and the total, so no combination of views gives a count below k."""
    index = {c.name: i for i, c in enumerate(columns)}
    views: dict[str, Any] = {"parts": {}, "values": {}}
    for d, dimension in enumerate(DIMENSIONS):
        views["values"][dimension] = sorted({key[d] for key in keys})
    views["sizes"] = {
        dimension: dict(Counter(key[d] for key in keys)) for d, dimension in enumerate(DIMENSIONS)
    }
    views["total"] = len(rows)
    # Column-wise: one transpose, then each table is a Counter over (group value, cell) pairs,
    # counted in C rather than a Python loop per row, part and dimension.
    by_column = list(zip(*rows, strict=True)) if rows else []
    by_dimension = list(zip(*keys, strict=True)) if keys else [(), (), ()]
    for part_id, _question_id, cells in _parts(definition):
        column = by_column[index[part_id]] if by_column else ()
        cell_ids = [cell for cell, _label in cells]
        # An empty cell (not shown, skipped, left blank) counts in the part's last cell, "not
        # answered" or "not chosen", so every part still partitions the group.
        blank = cell_ids[-1]
        part_views = {}
        for d, dimension in enumerate(DIMENSIONS):
            pairs = Counter(zip(by_dimension[d], column, strict=True))
            table: dict[str, Counter[str]] = defaultdict(Counter)
            for (group, value), n in pairs.items():
                table[group][blank if value is None else str(value)] += n
            values = views["values"][dimension]
            body = [[table[v][c] for c in cell_ids] for v in values]
            hidden = suppression.suppress(body, k, enabled=not naive)
            part_views[dimension] = {
                "cells": cell_ids,
                "rows": {
                    v: [None if h else n for n, h in zip(counts, flags, strict=True)]
                    for v, counts, flags in zip(values, body, hidden[:-1], strict=True)
                },
                "total": [
                    None if h else n
                    for n, h in zip([sum(col) for col in zip(*body, strict=True)] if body
                                    else [0] * len(cell_ids), hidden[-1], strict=True)
                ],
            }
        # One national line for every dimension: a cell hidden in any dimension's total
        # is hidden in all of them, so the totals agree wherever they are shown.
        national = [
            None if any(part_views[d]["total"][i] is None for d in DIMENSIONS)
            else part_views["municipality"]["total"][i]
            for i in range(len(cell_ids))
        ]
        for d in DIMENSIONS:
            part_views[d]["total"] = national
        views["parts"][part_id] = part_views
    return views


# --- reading a release ------------------------------------------------------------------------


def all_releases() -> list[Release]:
    return list(
        db.session.execute(
            select(Release).order_by(Release.questionnaire_key, Release.questionnaire_version,
                                     Release.period_start)
        ).scalars()
    )


def get_release(release_id: str | None) -> Release | None:
    if not release_id:
        return None
    try:
        uuid.UUID(release_id)
    except ValueError:
        return None
    return db.session.get(Release, release_id)


def get_file(release: Release, name: str) -> ReleaseFile | None:
    return db.session.get(ReleaseFile, (release.id, name))


def downloadable(release: Release) -> list[ReleaseFile]:
    """The files an evaluator may download: not the internal tables, not per-municipality."""
    statement = select(ReleaseFile).where(ReleaseFile.release_id == release.id)
    return [
        f for f in db.session.execute(statement).scalars()
        if not f.path.startswith("_") and not f.path.startswith("release_")
    ]


def load_json(release: Release, name: str) -> dict[str, Any]:
    file = get_file(release, name)
    return json.loads(file.content) if file else {}
