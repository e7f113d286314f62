"""The codebook (one row per variable, Danish and English) and a Frictionless data package.

Both are derived from the same columns as the export, so they cannot drift apart.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from ..questionnaires import Question
from . import csv_export
from .columns import Column
from .dataset import ExportPlan
from .disclosure import OTHER

CODEBOOK_HEADER = [
    "variable",
    "questionnaire",
    "version",
    "question_id",
    "type",
    "text_da",
    "text_en",
    "values_da",
    "values_en",
    "notes_da",
    "notes_en",
]
CODEBOOK_LOCALES = ("da", "en")
DATA_FILE = "responses.csv"
CODEBOOK_FILE = "codebook.csv"


def _meta_text(name: str) -> str:
    texts = {
        "response_id": _("Random response id; it cannot be traced back to an invitation."),
        "questionnaire": _("Questionnaire key."),
        "version": _("Questionnaire version; codes and texts are those of this version."),
        "language": _("Language the questionnaire was answered in (language code)."),
        "municipality": _("Municipality code of the health service that invited the family."),
        "period": _("Month the response was submitted (YYYY-MM), or a coarser period."),
    }
    return texts[name]


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
    elif name == "period":
        if g.period_level == "quarter":
            notes.append(_("Generalised to quarters (YYYY-Qn)."))
        elif g.period_level == "year":
            notes.append(_("Generalised to years (YYYY)."))
        elif g.period_level == "all":
            notes.append(_('Not released: every row shows "all".'))
    return " ".join(notes)


def _question_values(question: Question, column: Column) -> str:
    if column.option is not None:
        return "0 = " + _("not chosen") + "; 1 = " + _("chosen")
    if question.type == "number":
        return _("whole number from %(min)s to %(max)s", min=question.minimum, max=question.maximum)
    if question.type == "text":
        return _("free text; CPR numbers, phone numbers and e-mail addresses are masked")
    return "; ".join(f"{option.code} = {_(option.label)}" for option in question.options)


def _question_text(question: Question, column: Column) -> str:
    text = _(question.text)
    if column.option is not None:
        text = f"{text} — {_(column.option.label)}"
    return text


def codebook_rows(plan: ExportPlan) -> list[list[Any]]:
    """One row per export column, with texts and value labels in Danish and English."""
    localised: dict[str, list[tuple[str, str, str]]] = {}
    for locale in CODEBOOK_LOCALES:
        with force_locale(locale):
            localised[locale] = [
                (
                    _question_text(c.question, c) if c.question else _meta_text(c.name),
                    _question_values(c.question, c) if c.question else "",
                    "" if c.question else _meta_notes(plan, c.name),
                )
                for c in plan.columns
            ]
    rows = []
    for index, column in enumerate(plan.columns):
        question = column.question
        if question is None:
            kind = "meta"
        elif column.option is not None:
            kind = "multiple_option"
        else:
            kind = question.type
        da, en = localised["da"][index], localised["en"][index]
        rows.append(
            [
                column.name,
                plan.definition.key,
                plan.definition.version,
                question.id if question else "",
                kind,
                da[0],
                en[0],
                da[1],
                en[1],
                da[2],
                en[2],
            ]
        )
    return rows


def stream_codebook(plan: ExportPlan, dialect: str = "csv") -> Iterator[str]:
    return csv_export.stream_csv(CODEBOOK_HEADER, codebook_rows(plan), dialect)


def _field(column: Column) -> dict[str, Any]:
    field: dict[str, Any] = {"name": column.name, "type": column.type}
    question = column.question
    with force_locale("en"):
        if question is None:
            field["description"] = _meta_text(column.name)
        else:
            field["title"] = _question_text(question, column)
            field["description"] = _question_values(question, column)
    if question is None:
        if column.name == "response_id":
            field["constraints"] = {"required": True, "unique": True}
        elif column.name == "version":
            field["constraints"] = {"required": True}
    elif column.option is not None:
        field["constraints"] = {"enum": [0, 1]}
    elif question.type == "number":
        field["constraints"] = {"minimum": question.minimum, "maximum": question.maximum}
    elif question.type != "text":
        field["constraints"] = {"enum": list(question.codes)}
    return field


def datapackage(plan: ExportPlan) -> dict[str, Any]:
    """A Frictionless Tabular Data Package describing ``responses.csv`` and ``codebook.csv``."""
    definition = plan.definition
    dialect = {
        "delimiter": ",",
        "doubleQuote": True,
        "lineTerminator": "\r\n",
        "quoteChar": '"',
        "header": True,
    }
    with force_locale("en"):
        title = _(definition.title)
    return {
        "profile": "tabular-data-package",
        "name": f"first1000-{definition.key}-v{definition.version}",
        "title": f"First 1000 days: {title} (version {definition.version})",
        "resources": [
            {
                "name": "responses",
                "path": DATA_FILE,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "dialect": dialect,
                "schema": {
                    "fields": [_field(column) for column in plan.columns],
                    "primaryKey": ["response_id"],
                    "missingValues": [""],
                },
            },
            {
                "name": "codebook",
                "path": CODEBOOK_FILE,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "dialect": dialect,
                "schema": {
                    "fields": [
                        {"name": name, "type": "integer" if name == "version" else "string"}
                        for name in CODEBOOK_HEADER
                    ],
                    "missingValues": [""],
                },
            },
        ],
    }


def datapackage_json(plan: ExportPlan) -> str:
    return json.dumps(datapackage(plan), ensure_ascii=False, indent=2) + "\n"
