"""A Frictionless Tabular Data Package describing the responses CSV and the codebook.

The resource paths are the names the files have where the package sits beside them: the zip's
member names by default, the download file names for a standalone ``datapackage.json``.
"""

from __future__ import annotations

import json
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from .. import codebook
from ..columns import Column
from ..dataset import ExportPlan
from . import labels
from .missing import STATUS_CODES

DIALECT = {
    "delimiter": ",",
    "doubleQuote": True,
    "lineTerminator": "\r\n",
    "quoteChar": '"',
    "header": True,
}


def _field(column: Column) -> dict[str, Any]:
    field: dict[str, Any] = {"name": column.name, "type": column.type}
    question = column.question
    with force_locale("en"):
        if question is None:
            field["description"] = labels.meta_text(column.name)
        else:
            field["title"] = labels.variable_label(column)
            values = labels.value_labels(column)
            field["description"] = (
                "; ".join(f"{code} = {text}" for code, text in values.items())
                or codebook.question_values(question, column)
            )
    if question is None:
        if column.name == "response_id":
            field["constraints"] = {"required": True, "unique": True}
        elif column.name == "version":
            field["constraints"] = {"required": True}
    elif column.is_status:
        field["constraints"] = {"required": True, "enum": list(STATUS_CODES)}
    elif column.option is not None:
        field["constraints"] = {"enum": [0, 1]}
    elif question.type == "number":
        field["constraints"] = {"minimum": question.minimum, "maximum": question.maximum}
    elif question.type != "text":
        field["constraints"] = {"enum": list(question.codes)}
    return field


def datapackage(
    plan: ExportPlan,
    data_path: str = codebook.DATA_FILE,
    codebook_path: str = codebook.CODEBOOK_FILE,
) -> dict[str, Any]:
    """The package for these two files, named as they are named beside it."""
    definition = plan.definition
    with force_locale("en"):
        title = _(definition.title)
    return {
        "profile": "tabular-data-package",
        "name": f"first1000-{definition.key}-v{definition.version}",
        "title": f"First 1000 days: {title} (version {definition.version})",
        "resources": [
            {
                "name": "responses",
                "path": data_path,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "dialect": DIALECT,
                "schema": {
                    "fields": [_field(column) for column in plan.columns],
                    "primaryKey": ["response_id"],
                    "missingValues": [""],
                },
            },
            {
                "name": "codebook",
                "path": codebook_path,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "dialect": DIALECT,
                "schema": {
                    "fields": [
                        {"name": name, "type": "integer" if name == "version" else "string"}
                        for name in codebook.CODEBOOK_HEADER
                    ],
                    "missingValues": [""],
                },
            },
        ],
    }


def datapackage_json(plan: ExportPlan, **paths: str) -> str:
    return json.dumps(datapackage(plan, **paths), ensure_ascii=False, indent=2) + "\n"
