"""What the evaluation pages show of a release, built without a request.

A view is one line of a release's frozen tables (see releases.build_views and
rates_release.build_rates): the total, or one released value of one quasi-identifier. So a
filter selects whole released groups and never cuts through one, and every number a page
shows was suppressed together with every other number of the release.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from babel import Locale
from flask_babel import get_locale, pgettext
from flask_babel import gettext as _
from markupsafe import Markup

from ..models.releases import Release
from ..questionnaires import Definition, Registry
from . import charts
from .disclosure import ALL, OTHER
from .releases import DIMENSIONS, RATES_FILE, VIEWS_FILE, _parts, load_json
from .tallies import STAGES


def language_name(code: str) -> str:
    if code in (OTHER, ALL):
        return _("other languages") if code == OTHER else _("all languages")
    try:
        return Locale.parse(code).get_language_name(str(get_locale() or "da")) or code
    except (ValueError, LookupError):
        return code


def value_name(dimension: str, value: str, municipalities: dict[str, str]) -> str:
    """A released value as people read it: names, not codes."""
    if dimension == "language":
        return language_name(value)
    if dimension == "municipality":
        if value == OTHER:
            return _("other municipalities (merged)")
        if value == ALL:
            return _("all municipalities")
        return municipalities.get(value, value)
    return value


def release_title(release: Release, registry: Registry) -> str:
    try:
        title = _(registry.get(release.questionnaire_key, release.questionnaire_version).title)
    except KeyError:
        title = release.questionnaire_key
    return _("%(title)s, version %(version)s, %(period)s", title=title,
             version=release.questionnaire_version, period=release.label)


@dataclass
class Selection:
    """The group a page shows: the total (dimension None) or one released value."""

    dimension: str | None
    value: str | None


def read_selection(
    values: Any, views: dict[str, Any], forced_municipality: str | None, names: dict[str, str]
) -> tuple[Selection | None, dict[str, str], str | None]:
    """(selection, errors by field, note). One quasi-identifier at a time, released values only.

    A coordinator (``forced_municipality``) sees their own municipality's line, and only if
    the release shows it on its own; otherwise the note says it was merged.
    """
    errors: dict[str, str] = {}
    chosen = {d: (values.get(d) or "").strip() for d in DIMENSIONS}
    if forced_municipality is not None:
        if forced_municipality not in views.get("values", {}).get("municipality", []):
            return None, {}, _(
                "In this release your municipality is merged with others (too few responses "
                "on its own), so there is nothing to show for it alone."
            )
        if chosen["language"] or chosen["period"]:
            errors["language" if chosen["language"] else "period"] = _(
                "Coordinators see their municipality as a whole: a further filter would cut "
                "through the release's groups."
            )
            return None, errors, None
        return Selection("municipality", forced_municipality), {}, None
    picked = [d for d in DIMENSIONS if chosen[d]]
    if len(picked) > 1:
        errors[picked[1]] = _(
            "Choose one of municipality, language or period at a time: combined, they could "
            "select a group smaller than the release allows."
        )
        return None, errors, None
    if not picked:
        return Selection(None, None), {}, None
    dimension = picked[0]
    value = chosen[dimension]
    released = views.get("values", {}).get(dimension, [])
    if value not in released:
        errors[dimension] = _(
            "%(value)s is not a group of its own in this release (it is merged or generalised). "
            "Choose one of: %(choices)s.",
            value=value,
            choices=", ".join(value_name(dimension, v, names) for v in released) or "-",
        )
        return None, errors, None
    return Selection(dimension, value), {}, None


@dataclass
class AnswerView:
    text: str
    #: (answer label, count as shown, share as shown)
    table: list[tuple[str, str, str]]
    chart: Markup | None
    too_few: bool


def _line(part: dict[str, Any], selection: Selection) -> list[int | None]:
    if selection.dimension is None:
        return part["municipality"]["total"]
    return part[selection.dimension]["rows"][selection.value]


def group_size(views: dict[str, Any], selection: Selection) -> int:
    if selection.dimension is None:
        return int(views.get("total", 0))
    return int(views["sizes"][selection.dimension][selection.value])


def answers_view(
    release: Release, definition: Definition, selection: Selection
) -> tuple[int, list[AnswerView]]:
    """(responses in the selection, one chart and table per choice question)."""
    views = load_json(release, VIEWS_FILE)
    n = group_size(views, selection)
    hidden_text = _("hidden")
    few_label = _("Hidden answers together (small counts, or counts that would reveal them)")
    out: list[AnswerView] = []
    by_question: dict[str, list[tuple[str, list[tuple[str, str]]]]] = {}
    for part_id, question_id, cells in _parts(definition):
        by_question.setdefault(question_id, []).append((part_id, cells))
    for question in definition.questions:
        if question.id not in by_question:
            continue
        text = _(question.text)
        table: list[tuple[str, str, str]] = []
        if question.type == "multiple":
            bars = []
            for part_id, cells in by_question[question.id]:
                line = _line(views["parts"][part_id], selection)
                chosen = line[0]
                label = _(cells[0][1])
                shown = str(chosen) if chosen is not None else hidden_text
                share = charts.percent(chosen / n) if chosen is not None and n else ""
                table.append((label, shown, share))
                bars.append(charts.Bar(label, chosen / n if chosen is not None and n else None,
                                       share or shown))
            out.append(AnswerView(text, table, charts.bar_chart(text, bars), False))
            continue
        part_id, cells = by_question[question.id][0]
        line = _line(views["parts"][part_id], selection)
        if all(value is None for value in line):
            out.append(AnswerView(text, [], None, True))
            continue
        segments, legend = [], []
        hidden_sum = n - sum(v for v in line if v is not None)
        for index, ((cell_id, label), value) in enumerate(zip(cells, line, strict=True)):
            name = _(label) if cell_id else _("Not answered")
            legend.append(name)
            if value is None:
                table.append((name, hidden_text, ""))
                continue
            table.append((name, str(value), charts.percent(value / n) if n else ""))
            if value:
                segments.append(charts.Segment(name, value / n, charts.percent(value / n),
                                               index=index))
        if hidden_sum:
            table.append((few_label, str(hidden_sum), charts.percent(hidden_sum / n)))
            segments.append(charts.Segment(few_label, hidden_sum / n,
                                           charts.percent(hidden_sum / n), hidden=True))
        chart = charts.stacked_bars(
            text, [(_("n = %(n)s", n=n), segments)], legend,
            ordered=question.type == "scale", hidden_label=few_label if hidden_sum else None,
        )
        out.append(AnswerView(text, table, chart, False))
    return n, out


def stage_labels() -> dict[str, str]:
    return {
        "invited": _("Invited"),
        "sent": _("Sent"),
        "opened": _("Opened"),
        "consented": _("Consented"),
        "completed": _("Completed"),
        "declined": _("Declined"),
    }


def rate_definition() -> str:
    return _(
        "Response rate = completed questionnaires as a share of invitations sent (invitations "
        "created in the release's period; a link shown as a QR code counts as sent). Stages "
        "are cumulative: a completed invitation was also sent, opened and consented to."
    )


@dataclass
class RatesView:
    header: list[str]
    rows: list[list[str]]
    totals: list[str] | None
    chart: Markup | None


def rates_view(
    release: Release, names: dict[str, str], only: str | None = None
) -> tuple[RatesView | None, str | None]:
    """The release's rates table (hidden cells read "hidden"), or a note for a coordinator whose
    municipality is merged. ``only``: a coordinator's municipality code."""
    rates = load_json(release, RATES_FILE)
    labels = stage_labels()
    hidden = _("hidden")
    rows = rates.get("rows", {})
    if only is not None:
        if only not in rows:
            return None, _(
                "In this release your municipality's invitations are merged with others (too "
                "few on their own), so there is no line for it alone."
            )
        rows = {only: rows[only]}
    header = [_("Municipality"), *(labels[s] for s in STAGES), _("Response rate")]

    def cells(values: list[int | None]) -> list[str]:
        shown = [hidden if v is None else str(v) for v in values]
        sent, completed = values[1], values[4]
        rate = charts.percent(completed / sent) if sent and completed is not None else hidden
        return [*shown, rate]

    table = [[value_name("municipality", code, names), *cells(v)] for code, v in rows.items()]
    totals = None if only is not None else [_("All"), *cells(rates.get("total", []))]
    bars = []
    for code, values in rows.items():
        sent, completed = values[1], values[4]
        rate = completed / sent if sent and completed is not None else None
        bars.append(charts.Bar(value_name("municipality", code, names), rate,
                               charts.percent(rate) if rate is not None else hidden))
    chart = charts.bar_chart(_("Response rate: completed as a share of sent"), bars) if bars \
        else None
    return RatesView(header, table, totals, chart), None


def dimension_labels() -> dict[str, str]:
    return {
        "municipality": _("Municipality"),
        "language": pgettext("evaluation dimension", "Language"),
        "period": _("Period"),
    }
