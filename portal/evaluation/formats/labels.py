"""Variable labels, value labels and measurement levels, in the current locale.

One place for the words every format uses (codebook, SPSS, Stata, R), so they cannot differ.
Call inside ``force_locale``: texts are Babel msgids.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from babel import Locale, UnknownLocaleError
from flask_babel import get_locale
from flask_babel import gettext as _

from ...extensions import db
from ...models.personal import Municipality
from ..columns import Column
from ..dataset import ExportPlan
from ..disclosure import ALL, OTHER
from .missing import ANSWERED, LEFT_BLANK, NOT_SHOWN, SKIPPED

#: Labels for the languages files come in: Danish and English (see docs/evaluation.md).
LABEL_LOCALES = ("da", "en")


def meta_text(name: str) -> str:
    texts = {
        "response_id": _("Random response id; it cannot be traced back to an invitation."),
        "questionnaire": _("Questionnaire key."),
        "version": _("Questionnaire version; codes and texts are those of this version."),
        "language": _("Language the questionnaire was answered in (language code)."),
        "municipality": _(
            "Municipality code of the health service that invited the family (text: keep the "
            "leading zero)."
        ),
        "period": _(
            "Month the response was submitted (YYYY-MM), or a coarser period. The response "
            "rates page counts invitations by the month the invitation was created instead."
        ),
    }
    return texts[name]


def meta_label(name: str) -> str:
    """A short variable label for a describing column."""
    labels = {
        "response_id": _("Response id"),
        "questionnaire": _("Questionnaire"),
        "version": _("Questionnaire version"),
        "language": _("Language answered in"),
        "municipality": _("Municipality code"),
        "period": _("Month of submission"),
    }
    return labels[name]


def status_labels() -> dict[int, str]:
    return {
        ANSWERED: _("answered"),
        NOT_SHOWN: _("not shown (show-if condition not met)"),
        SKIPPED: _("skipped (shown, not answered)"),
        LEFT_BLANK: _("left blank (shown, no option ticked)"),
    }


def variable_label(column: Column) -> str:
    question = column.question
    if question is None:
        return meta_label(column.name)
    text = _(question.text)
    if column.option is not None:
        return f"{text} — {_(column.option.label)}"
    if column.is_status:
        return f"{text} — {_('status')}"
    return text


def value_labels(column: Column) -> dict[int, str]:
    """Labels of the codes a numeric column can hold (answer codes, not the missing codes)."""
    question = column.question
    if question is None:
        return {}
    if column.is_status:
        return status_labels()
    if column.option is not None:
        return {0: _("not chosen"), 1: _("chosen")}
    return question.kind.value_labels(question)


def missing_codes(column: Column) -> tuple[int, ...]:
    """The user-missing codes an answer column can carry in .sav and .dta files."""
    question = column.question
    if question is None or column.is_status or question.kind.is_text:
        return ()
    blank = question.kind.blank_status
    return (NOT_SHOWN, blank) if question.show_if is not None else (blank,)


def coded_value_labels(
    columns: list[Column], answer: Callable[[int], Any], missing: Callable[[int], Any]
) -> dict[str, dict[Any, str]]:
    """Column name -> {value as the file stores it: label}, answer codes then missing codes.

    SPSS and Stata label the same codes but store them differently (floats; extended missing
    values for the reasons): ``answer`` and ``missing`` turn a code into the file's value.
    """
    status = status_labels()
    out: dict[str, dict[Any, str]] = {}
    for column in columns:
        values = {answer(code): text for code, text in value_labels(column).items()}
        values.update({missing(code): status[code] for code in missing_codes(column)})
        if values:
            out[column.name] = values
    return out


def measure(column: Column) -> str:
    """SPSS's measurement level: nominal, ordinal or scale."""
    question = column.question
    if question is None:
        return "ordinal" if column.name == "period" else "nominal"
    if column.is_status or column.option is not None:
        return "nominal"
    return question.kind.measure


def language_name(code: str) -> str:
    if code == OTHER:
        return _("other languages (merged to protect small groups)")
    if code == ALL:
        return _("all languages (not released)")
    try:
        return Locale.parse(code).get_display_name(get_locale()) or code
    except (ValueError, UnknownLocaleError):
        return code


def municipality_names() -> dict[str, str]:
    """Code -> name of every municipality set up in the portal (the personal store)."""
    return dict(db.session.execute(db.select(Municipality.code, Municipality.name)).all())


def municipality_name(code: str, names: dict[str, str]) -> str:
    if code == OTHER:
        return _("other municipalities (merged to protect small groups)")
    if code == ALL:
        return _("all municipalities (not released)")
    return names.get(code, "")


def meta_value_labels(plan: ExportPlan, name: str, names: dict[str, str]) -> dict[str, str]:
    """Released municipality codes -> names, or language codes -> names (current locale);
    codes without a known name are left out."""
    if name == "municipality":
        pairs = {v: municipality_name(v, names) for v in released_values(plan, name)}
    elif name == "language":
        pairs = {v: language_name(v) for v in released_values(plan, name)}
    else:
        return {}
    return {code: text for code, text in pairs.items() if text and text != code}


def released_values(plan: ExportPlan, name: str) -> list[str]:
    """The values a release can show in the municipality or language column, sorted."""
    index = {"municipality": 0, "language": 1}[name]
    return sorted({key[index] for key in plan.generalisation.released})


def file_label(plan: ExportPlan) -> str:
    definition = plan.definition
    return _(
        "First 1000 days: %(title)s (version %(version)s)",
        title=_(definition.title),
        version=definition.version,
    )
