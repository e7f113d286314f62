"""What the evaluation pages show, built without a request: scope, choices, tables, charts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup

from ..questionnaires import Definition, Registry
from . import charts
from .distributions import answer_distributions, safe_cells
from .filters import ExportFilters
from .rates import STAGES, RateRow, rates_table, total

#: Roles that may use the evaluation pages; a coordinator only for their own municipality.
EVALUATION_ROLES = ("evaluator", "coordinator", "admin")


def scope(user: Any) -> list[str] | None:
    """Municipality codes the user may see: None for all, [] for none."""
    role = getattr(user, "role", None)
    if role in ("evaluator", "admin"):
        return None
    if role == "coordinator":
        return [user.municipality.code]
    return []


def questionnaire_choices(registry: Registry) -> list[tuple[str, str]]:
    """("key:version", label) for every published or draft version, newest first per key."""
    choices = []
    for definition in sorted(registry, key=lambda d: (d.key, -d.version)):
        choices.append(
            (
                f"{definition.key}:{definition.version}",
                _("%(title)s (%(key)s, version %(version)s)", title=_(definition.title),
                  key=definition.key, version=definition.version),
            )
        )
    return choices


def split_choice(value: str | None) -> tuple[str | None, str | None]:
    """"18-months:1" -> ("18-months", "1"); a bare key keeps the version open."""
    if not value:
        return None, None
    key, _sep, version = value.partition(":")
    return key, version or None


def stage_labels() -> dict[str, str]:
    return {
        "invited": _("Invited"),
        "sent": _("Sent"),
        "opened": _("Opened"),
        "consented": _("Consented"),
        "completed": _("Completed"),
        "declined": _("Declined"),
    }


@dataclass
class RatesView:
    header: list[str]
    rows: list[list[str]]
    totals: list[str]
    chart: Markup | None


def rates_view(rows: list[RateRow], k: int) -> RatesView:
    """The rates table (with small counts hidden) and a chart of response rates by municipality."""
    shown, totals = rates_table(rows, k)
    labels = stage_labels()
    header = [_("Questionnaire"), _("Month"), _("Municipality"), *(labels[s] for s in STAGES)]
    table = [
        [row.questionnaire, row.month, row.municipality, *(cells[s] for s in STAGES)]
        for row, cells in zip(rows, shown, strict=True)
    ]
    grouped: dict[tuple[str, str], list[RateRow]] = defaultdict(list)
    for row in rows:
        grouped[(row.questionnaire, row.municipality)].append(row)
    bars = []
    for (questionnaire, municipality), group in sorted(grouped.items()):
        rate = total(group).response_rate(k)
        bars.append(
            charts.Bar(
                f"{questionnaire} · {municipality}",
                rate,
                charts.percent(rate) if rate is not None else _("fewer than %(k)s", k=k),
            )
        )
    chart = (
        charts.bar_chart(_("Response rate: completed as a share of sent"), bars) if bars else None
    )
    return RatesView(header, table, [_("All"), "", "", *(totals[s] for s in STAGES)], chart)


@dataclass
class QuestionView:
    text: str
    #: (answer label, count as shown, share as shown)
    table: list[tuple[str, str, str]]
    chart: Markup | None
    too_few: bool


def answers_view(filters: ExportFilters, definition: Definition, k: int) -> list[QuestionView]:
    """One chart and table per choice question: stacked bars for scales and single choice."""
    views = []
    few_label = _("Few answers, grouped (together at least %(k)s)", k=k)
    for distribution in answer_distributions(filters, definition):
        question = distribution.question
        text = _(question.text)
        cells = safe_cells(distribution, k)
        if cells is None:
            views.append(QuestionView(text, [], None, True))
            continue
        table = [
            (
                _(cell.label) if cell.code is not None else few_label,
                str(cell.count) if cell.count is not None else f"<{k}",
                charts.percent(cell.share) if cell.count is not None else "",
            )
            for cell in cells
        ]
        if question.type == "multiple":
            chart = charts.bar_chart(
                text,
                [
                    charts.Bar(label, cell.share if cell.count is not None else None,
                               share or count)
                    for cell, (label, count, share) in zip(cells, table, strict=True)
                ],
            )
        else:
            segments = [
                charts.Segment(label, cell.share, charts.percent(cell.share), index=index,
                               hidden=cell.code is None)
                for index, (cell, (label, _count, _share)) in enumerate(
                    zip(cells, table, strict=True)
                )
                if cell.share > 0
            ]
            chart = charts.stacked_bars(
                text,
                [(_("n = %(n)s", n=distribution.answered), segments)],
                [label for cell, (label, _c, _s) in zip(cells, table, strict=True) if cell.code
                 is not None],
                ordered=question.type == "scale",
                hidden_label=few_label if any(cell.code is None for cell in cells) else None,
            )
        views.append(QuestionView(text, table, chart, False))
    return views


def format_error() -> str:
    return _("Choose a file format.")


def format_labels() -> dict[str, str]:
    return {
        "zip": _("Everything in one zip file"),
        "csv": _("CSV for R, Stata and SPSS (comma, UTF-8)"),
        "excel": _("Excel (Danish): semicolons, UTF-8 with BOM"),
        "codebook": _("Codebook (CSV)"),
        "datapackage": _("Data package description (datapackage.json)"),
    }


def questionnaire_error(key: str, keys: list[str]) -> str:
    return _(
        "Unknown questionnaire %(key)s. Choose one of: %(keys)s.", key=key, keys=", ".join(keys)
    )


def csrf_message() -> str:
    return _("The page had been open for a long time. Check the form and send it again.")


def built_message(n: int) -> str:
    if n == 0:
        return _("No release was due: every period that has ended is released already.")
    return _("Releases built: %(n)s.", n=n)
