"""The codebook: one row per variable, in Danish and English.

Derived from the same columns as the export, so it cannot drift apart from the data. Besides the
texts and value labels it states what a statistician needs for the right denominators: whether
a question was required, when it was shown (show-if), which option excludes the others, its
measurement level, and the codes that say why an answer is missing (see ``formats/missing.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from ..questionnaires import Question
from . import csv_export
from .columns import Column
from .dataset import ExportPlan
from .disclosure import OTHER
from .formats import labels
from .formats.missing import STATA_CODES, status_name

CODEBOOK_HEADER = [
    "variable",
    "questionnaire",
    "version",
    "question_id",
    "type",
    "measurement",
    "required",
    "show_if",
    "exclusive",
    "missing_codes",
    "text_da",
    "text_en",
    "values_da",
    "values_en",
    "notes_da",
    "notes_en",
]
CODEBOOK_LOCALES = labels.LABEL_LOCALES
DATA_FILE = "responses.csv"
CODEBOOK_FILE = "codebook.csv"


def _meta_values(plan: ExportPlan, name: str, names: dict[str, str]) -> str:
    if name not in ("municipality", "language"):
        return ""
    known = labels.meta_value_labels(plan, name, names)
    return "; ".join(
        f"{value} = {known[value]}" if value in known else value
        for value in labels.released_values(plan, name)
    )


def _meta_notes(plan: ExportPlan, name: str) -> str:
    g = plan.generalisation
    notes: list[str] = []
    if name in ("language", "municipality"):
        mapping = g.languages if name == "language" else g.municipalities
        merged = sorted(raw for raw, new in mapping.items() if new == OTHER)
        if merged:
            notes.append(_('Shown as "other": %(values)s.', values=", ".join(merged)))
        if len(merged) != len(mapping):
            notes.append(_('Not released: every row shows "all".'))
        if name == "municipality":
            notes.append(_(
                "Read this column as text, or 0240 becomes 240: pandas dtype={'municipality': "
                "str}, R colClasses (the R script does it), LibreOffice: column type Text."
            ))
    elif name == "period":
        if g.period_level == "quarter":
            notes.append(_("Generalised to quarters (YYYY-Qn)."))
        elif g.period_level == "year":
            notes.append(_("Generalised to years (YYYY)."))
        elif g.period_level == "all":
            notes.append(_('Not released: every row shows "all".'))
    return " ".join(notes)


def question_values(question: Question, column: Column) -> str:
    if column.is_status:
        return "; ".join(f"{code} = {text}" for code, text in labels.status_labels().items())
    if column.option is not None:
        return "0 = " + _("not chosen") + "; 1 = " + _("chosen")
    if question.type == "number":
        return _("whole number from %(min)s to %(max)s", min=question.minimum, max=question.maximum)
    if question.type == "text":
        return _("free text; CPR numbers, phone numbers and e-mail addresses are masked")
    return "; ".join(f"{option.code} = {_(option.label)}" for option in question.options)


def _show_if(question: Question) -> str:
    """The condition in a form every tool's users read: ``interp_needed = 1``."""
    condition = question.show_if
    if condition is None:
        return ""
    if len(condition.codes) == 1:
        return f"{condition.question} = {condition.codes[0]}"
    return f"{condition.question} in ({', '.join(map(str, condition.codes))})"


def _question_notes(plan: ExportPlan, question: Question, column: Column) -> str:
    notes: list[str] = []
    if column.is_status:
        notes.append(_(
            "Why %(question)s has no answer, if it has none. Leave rows with -7 (not shown) "
            "out of the question's denominator.",
            question=question.id,
        ))
        return " ".join(notes)
    if question.show_if is not None:
        target = plan.definition.question(question.show_if.question)
        answers = " / ".join(
            f"“{_(o.label)}”" for o in target.options if o.code in question.show_if.codes
        )
        notes.append(_(
            "Shown only if %(question)s was answered %(answers)s.",
            question=target.id,
            answers=answers,
        ))
    if column.option is not None and column.option.code in question.exclusive:
        notes.append(_("This option cannot be combined with the other options."))
    if question.type == "text":
        notes.append(_("Empty where there is no answer; %(status)s says why.",
                       status=status_name(question.id)))
    else:
        codes = labels.missing_codes(column)
        notes.append(_(
            "Empty in the CSV where there is no answer (%(status)s says why); in the .sav "
            "files %(spss)s (user-missing), in the .dta files %(stata)s.",
            status=status_name(question.id),
            spss=", ".join(map(str, codes)),
            stata=", ".join("." + STATA_CODES[code] for code in codes),
        ))
    return " ".join(notes)


def _missing_codes(column: Column) -> str:
    """``SPSS -7, -8; Stata .a, .b``: the codes an answer cell carries in the .sav and .dta
    files (a cell starting with "-" would be taken for a formula by a spreadsheet)."""
    codes = labels.missing_codes(column)
    if not codes:
        return ""
    spss = ", ".join(map(str, codes))
    stata = ", ".join("." + STATA_CODES[code] for code in codes)
    return f"SPSS {spss}; Stata {stata}"


def _kind(column: Column) -> str:
    question = column.question
    if question is None:
        return "meta"
    if column.is_status:
        return "status"
    if column.option is not None:
        return "multiple_option"
    return question.type


def codebook_rows(plan: ExportPlan, names: dict[str, str] | None = None) -> list[list[Any]]:
    """One row per export column, with texts and value labels in Danish and English.

    ``names``: municipality code -> name (read from the personal store when not given).
    """
    if names is None:
        names = labels.municipality_names()
    localised: dict[str, list[tuple[str, str, str]]] = {}
    for locale in CODEBOOK_LOCALES:
        with force_locale(locale):
            localised[locale] = [
                (
                    labels.variable_label(c) if c.question else labels.meta_text(c.name),
                    question_values(c.question, c)
                    if c.question
                    else _meta_values(plan, c.name, names),
                    _question_notes(plan, c.question, c)
                    if c.question
                    else _meta_notes(plan, c.name),
                )
                for c in plan.columns
            ]
    rows = []
    for index, column in enumerate(plan.columns):
        question = column.question
        da, en = localised["da"][index], localised["en"][index]
        exclusive = ""
        if (
            question is not None
            and question.exclusive
            and not column.is_status
            and (column.option is None or column.option.code in question.exclusive)
        ):
            exclusive = "; ".join(map(str, question.exclusive))
        rows.append(
            [
                column.name,
                plan.definition.key,
                plan.definition.version,
                question.id if question else "",
                _kind(column),
                labels.measure(column),
                ("yes" if question.required else "no") if question else "",
                _show_if(question) if question else "",
                exclusive,
                _missing_codes(column),
                da[0],
                en[0],
                da[1],
                en[1],
                da[2],
                en[2],
            ]
        )
    return rows


def stream_codebook(
    plan: ExportPlan, dialect: str = "csv", names: dict[str, str] | None = None
) -> Iterator[str]:
    return csv_export.stream_csv(CODEBOOK_HEADER, codebook_rows(plan, names), dialect)


# The data package moved to ``formats/datapackage.py``; these names stay for existing callers
# (imported late: that module imports this one).
def datapackage(plan: ExportPlan, **paths: str) -> dict[str, Any]:
    from .formats import datapackage as package

    return package.datapackage(plan, **paths)


def datapackage_json(plan: ExportPlan, **paths: str) -> str:
    from .formats import datapackage as package

    return package.datapackage_json(plan, **paths)
