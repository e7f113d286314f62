"""Reading the response store for an export: one aggregate pass, then a stream of rows.

Disclosure control needs the size of every (municipality, language, period) group before the
first row goes out, so an export reads twice: a GROUP BY that decides the generalisation, then
the rows in batches (``yield_per``: a server-side cursor on PostgreSQL, ``fetchmany`` on
SQLite), ordered by their random id. Memory stays flat whatever the number of responses.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import Connection, Select, Text, cast, func, select

from ..extensions import db
from ..models.responses import Response
from ..questionnaires import Definition
from . import disclosure
from .columns import Column, cell_reader, export_columns, header
from .csv_export import neutralise, stream_neutralised
from .disclosure import Generalisation, Key
from .filters import ExportFilters

#: Rows per fetch and per CSV chunk (about 100 bytes each).
BATCH_SIZE = 2000


@dataclass(frozen=True)
class ExportPlan:
    filters: ExportFilters
    definition: Definition
    columns: list[Column]
    generalisation: Generalisation
    #: A release's rows, already generalised, masked and neutralised, in column order; None
    #: reads the response store (see released_batches). Writers take rows only through
    #: ``released_batches``/``released_csv``, so they write releases and exports alike.
    rows: list[tuple[Any, ...]] | None = None

    @property
    def row_count(self) -> int:
        if self.rows is not None:
            return len(self.rows)
        return self.generalisation.released_rows


@contextmanager
def reading() -> Iterator[Connection]:
    """A read-only connection to the response store: no write lock, so parents keep submitting."""
    with db.engines["responses"].connect() as connection:
        connection.execution_options(portal_read_only=True)
        yield connection


def _where(statement: Select, filters: ExportFilters) -> Select:
    statement = statement.where(
        Response.questionnaire_key == filters.questionnaire,
        Response.questionnaire_version == filters.version,
    )
    if filters.period_from:
        statement = statement.where(Response.period >= filters.period_from)
    if filters.period_to:
        statement = statement.where(Response.period <= filters.period_to)
    if filters.municipality:
        statement = statement.where(Response.municipality_code == filters.municipality)
    return statement


def group_counts(filters: ExportFilters) -> dict[Key, int]:
    """Rows per raw (municipality, language, period), for the chosen filters."""
    statement = _where(
        select(
            Response.municipality_code, Response.language, Response.period, func.count()
        ).group_by(Response.municipality_code, Response.language, Response.period),
        filters,
    )
    with reading() as connection:
        return {(m, lang, p): n for m, lang, p, n in connection.execute(statement)}


def plan_export(filters: ExportFilters, k: int | None = None) -> ExportPlan:
    """The aggregate pass: decide the generalisation for these filters."""
    registry = current_app.extensions["questionnaires"]
    definition = registry.get(filters.questionnaire, filters.version)
    k = disclosure.min_group_size() if k is None else k
    return ExportPlan(
        filters=filters,
        definition=definition,
        columns=export_columns(definition),
        generalisation=disclosure.plan_generalisation(group_counts(filters), k),
    )


def released_batches(
    plan: ExportPlan, batch_size: int = BATCH_SIZE
) -> Iterator[list[tuple[Any, ...]]]:
    """The released rows in batches, generalised, masked and neutralised, in column order.

    Every text a row can carry is made safe for a spreadsheet here (``neutralise``), so the
    CSV writer takes the rows as they are: the response id per row, the free text after
    masking, the questionnaire and the released municipality, language and period once each.
    """
    if plan.rows is not None:
        for start in range(0, len(plan.rows), batch_size):
            yield plan.rows[start : start + batch_size]
        return
    filters = plan.filters
    statement = _where(
        select(
            Response.id,
            Response.municipality_code,
            Response.language,
            Response.period,
            # The JSON text, decoded below: the same on SQLite and PostgreSQL (``json`` keeps
            # the text as written), and cheaper than the column type's per-row processing.
            cast(Response.answers, Text),
        ),
        filters,
    ).order_by(Response.id)
    released = _ReleasedMeta(plan)
    cells = cell_reader(plan.columns, _safe_text)
    with reading() as connection:
        result = connection.execution_options(yield_per=batch_size).execute(statement)
        for partition in result.partitions():
            batch = []
            for response_id, municipality, language, period, answers in partition:
                meta = released[municipality, language, period]
                # A row that arrived after the plan and falls outside its released groups is
                # left out: it could otherwise be alone in its group.
                if meta is None:
                    continue
                batch.append((neutralise(response_id),) + meta + cells(_decode(answers) or {}))
            yield batch


def released_csv(plan: ExportPlan, dialect: str) -> Iterator[str]:
    """The responses file's text in one of the CSV dialects (``csv_export.DIALECTS``)."""
    return stream_neutralised(header(plan.columns), released_batches(plan), dialect)


class _ReleasedMeta(dict[Key, "tuple[Any, ...] | None"]):
    """Raw (municipality, language, period) -> the row's released, neutralised questionnaire,
    version, language, municipality and period; None: the row is left out.

    A dict filled on first use: an export has a few hundred groups and up to millions of rows,
    and a plain lookup is the cheapest per-row step.
    """

    def __init__(self, plan: ExportPlan) -> None:
        super().__init__()
        self.generalisation = plan.generalisation
        self.head = (neutralise(plan.filters.questionnaire), plan.filters.version)

    def __missing__(self, key: Key) -> tuple[Any, ...] | None:
        released = self.generalisation.apply(*key)
        meta = None
        if released is not None:
            municipality, language, period = released
            meta = (*self.head, *map(neutralise, (language, municipality, period)))
        self[key] = meta
        return meta


def _safe_text(text: str) -> str:
    return neutralise(disclosure.mask_text(text))


_scan_json = json.JSONDecoder().scan_once


def _decode(text: str | None) -> Any:
    """``json.loads``, without its two whitespace regex matches per call (answers are stored
    without surrounding whitespace); anything else goes through ``json.loads`` itself."""
    if text is None:
        return None
    try:
        value, end = _scan_json(text, 0)
    except StopIteration:
        return json.loads(text)
    return value if end == len(text) else json.loads(text)
