"""Reading the response store for an export: one aggregate pass, then a stream of rows.

Disclosure control needs the size of every (municipality, language, period) group before the
first row goes out, so an export reads twice: a GROUP BY that decides the generalisation, then
the rows in batches (``yield_per``: a server-side cursor on PostgreSQL, ``fetchmany`` on
SQLite), ordered by their random id. Memory stays flat whatever the number of responses.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import Connection, Select, func, select

from ..extensions import db
from ..models.responses import Response
from ..questionnaires import Definition
from . import disclosure
from .columns import Column, cell_reader, export_columns
from .disclosure import Generalisation, Key
from .filters import ExportFilters

BATCH_SIZE = 1000


@dataclass(frozen=True)
class ExportPlan:
    filters: ExportFilters
    definition: Definition
    columns: list[Column]
    generalisation: Generalisation

    @property
    def row_count(self) -> int:
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


def iter_rows(plan: ExportPlan, batch_size: int = BATCH_SIZE) -> Iterator[list[Any]]:
    """The released rows, generalised and masked, in the order of the plan's columns."""
    filters = plan.filters
    statement = _where(
        select(
            Response.id,
            Response.municipality_code,
            Response.language,
            Response.period,
            Response.answers,
        ),
        filters,
    ).order_by(Response.id)
    generalisation = plan.generalisation
    cells = cell_reader(plan.columns, disclosure.mask_text)
    with reading() as connection:
        result = connection.execution_options(yield_per=batch_size).execute(statement)
        for response_id, municipality, language, period, answers in result:
            # A row that arrived after the plan and falls outside its released groups is left
            # out: it could otherwise be alone in its group.
            released = generalisation.apply(municipality, language, period)
            if released is None:
                continue
            released_municipality, released_language, released_period = released
            yield [
                response_id,
                filters.questionnaire,
                filters.version,
                released_language,
                released_municipality,
                released_period,
                *cells(answers or {}),
            ]
