"""An R script that reads the responses CSV with the right types, factors and labels.

Base R only (no packages to install). Municipality and other codes are read as text, so
``0240`` keeps its leading zero; choice questions become factors (ordered for scales) with
Danish or English labels (``lang <- "en"`` before ``source()``); every variable gets a
``label`` attribute, which RStudio's viewer shows. Status columns stay whole numbers with a
``labels`` attribute: filter on ``<question>_status != -7`` to leave "not shown" out.

The script is ASCII only (other characters as ``\\u`` escapes), so it runs the same whatever
the evaluator's locale and encoding.
"""

from __future__ import annotations

from flask_babel import force_locale

from ..columns import Column
from ..dataset import ExportPlan
from . import labels
from .missing import STATUS_CODES

R_FILE = "responses.R"


def r_string(text: str) -> str:
    """An R string literal in plain ASCII."""
    out = []
    for char in text:
        code = ord(char)
        if char == "\\":
            out.append("\\\\")
        elif char == '"':
            out.append('\\"')
        elif char == "\n":
            out.append("\\n")
        elif 32 <= code < 127:
            out.append(char)
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{{{code:08x}}}")
    return '"' + "".join(out) + '"'


def _both(texts: dict[str, str]) -> str:
    return f".lab({r_string(texts['da'])}, {r_string(texts['en'])})"


def _in_each_locale(function, column: Column) -> dict[str, object]:
    result = {}
    for locale in labels.LABEL_LOCALES:
        with force_locale(locale):
            result[locale] = function(column)
    return result


def _col_class(column: Column) -> str:
    return "integer" if column.type == "integer" else "character"


def r_script(plan: ExportPlan, data_file: str = "responses.csv") -> str:
    """The script's text, for the release's CSV named ``data_file``."""
    definition = plan.definition
    with force_locale("en"):
        title = labels.file_label(plan)
    lines = [
        f"# {r_string(title)[1:-1]}",
        "# Reads the responses CSV with the right types, factors and labels (base R only).",
        "# Usage: setwd() to the folder with the files, then source(\"responses.R\"); the data",
        "# frame is d. Labels are Danish; for English labels run lang <- \"en\" first.",
        "# No answer is NA. <question>_status says why: 1 = answered, -7 = not shown (show-if),",
        "# -8 = skipped, -9 = left blank (multiple choice). Leave -7 out of a denominator:",
        "#   shown <- d$interp_avail_status != -7",
        "# Municipality codes are text, so 0240 keeps its leading zero.",
        f"# Questionnaire {definition.key}, version {definition.version}.",
        "",
        'if (!exists("lang")) lang <- "da"',
        f"if (!exists(\"responses_file\")) responses_file <- {r_string(data_file)}",
        '.lab <- function(da, en) if (identical(lang, "en")) en else da',
        "d <- utils::read.csv(",
        "  responses_file, fileEncoding = \"UTF-8\", na.strings = \"\", check.names = FALSE,",
        "  stringsAsFactors = FALSE, colClasses = c(",
    ]
    classes = [f"    {c.name} = {r_string(_col_class(c))}" for c in plan.columns]
    lines.append(",\n".join(classes))
    lines.append("  )")
    lines.append(")")
    for column in plan.columns:
        name = f"d[[{r_string(column.name)}]]"
        variable = _in_each_locale(labels.variable_label, column)
        values = _in_each_locale(labels.value_labels, column)
        question = column.question
        codes = list(values["da"])  # type: ignore[arg-type]
        if question is not None and codes and not column.is_status and column.option is None:
            ordered = "TRUE" if question.type == "scale" else "FALSE"
            levels = ", ".join(f"{code}L" for code in codes)
            texts = ", ".join(
                _both({loc: values[loc][code] for loc in labels.LABEL_LOCALES})  # type: ignore[index]
                for code in codes
            )
            lines.append(
                f"{name} <- factor({name}, levels = c({levels}), labels = c({texts}), "
                f"ordered = {ordered})"
            )
        elif codes:
            pairs = ", ".join(f"{code}L" for code in codes)
            texts = ", ".join(
                _both({loc: values[loc][code] for loc in labels.LABEL_LOCALES})  # type: ignore[index]
                for code in codes
            )
            lines.append(f'attr({name}, "labels") <- stats::setNames(c({pairs}), c({texts}))')
        lines.append(f'attr({name}, "label") <- {_both(variable)}')  # type: ignore[arg-type]
    lines.append(
        "status_codes <- c(" + ", ".join(f"{code}L" for code in STATUS_CODES) + ")"
    )
    lines.append("")
    return "\n".join(lines)
