"""What NOTES.txt says about reading the files: the formats, the missing-value convention,
the period, and how to keep municipality codes as text."""

from __future__ import annotations

from flask_babel import gettext as _

from ..dataset import ExportPlan
from .missing import LEFT_BLANK, NOT_SHOWN, SKIPPED, STATA_CODES

SAV_FILES = {"da": "responses_da.sav", "en": "responses_en.sav"}
DTA_FILES = {"da": "responses_da.dta", "en": "responses_en.dta"}


def example_status(plan: ExportPlan) -> str:
    """A status column to show in the examples: a show-if question's if there is one."""
    questions = plan.definition.questions
    chosen = next((q for q in questions if q.show_if is not None), questions[0])
    return chosen.id + "_status"


def reading_notes(plan: ExportPlan) -> list[str]:
    status = example_status(plan)
    return [
        _("Files"),
        _("- responses.csv: the data (UTF-8, comma, for R, Stata, SPSS, pandas)."),
        _("- responses_excel_da.csv: the same data for Danish Excel (semicolon, BOM)."),
        _("- responses_da.sav, responses_en.sav: SPSS/PSPP, labels in Danish or English."),
        _("- responses_da.dta, responses_en.dta: Stata 14 or later, labels in Danish or English."),
        _('- responses.R: reads responses.csv in R with types, factors and labels '
          '(lang <- "en" for English labels).'),
        _("- codebook.csv: every variable with texts, codes, required, show-if and missing "
          "codes; datapackage.json describes responses.csv and codebook.csv (Frictionless)."),
        "",
        _("Missing answers"),
        _("An empty cell means no answer. The column <question>_status after each question "
          "says why:"),
        "  " + _("1 = answered"),
        "  " + _("%(code)s = not shown: the question's show-if condition did not hold "
          "(Stata .%(stata)s)", code=NOT_SHOWN, stata=STATA_CODES[NOT_SHOWN]),
        "  " + _("%(code)s = skipped: shown, not answered (Stata .%(stata)s)",
          code=SKIPPED, stata=STATA_CODES[SKIPPED]),
        "  " + _(
            "%(code)s = left blank: multiple choice shown, no option ticked (Stata .%(stata)s)",
            code=LEFT_BLANK, stata=STATA_CODES[LEFT_BLANK]),
        _("In the .sav files the empty answer cells hold these codes as user-missing values, "
          "in the .dta files as extended missing values. Leave %(code)s (not shown) out of a "
          "question's denominator.", code=NOT_SHOWN),
        "",
        _("Period"),
        _("period is the month the response was submitted (YYYY-MM), or the coarser period "
          "the release uses. The response rates page counts invitations by the month the "
          "invitation was created, so its months and these differ."),
        "",
        _("Municipality codes are text"),
        _("Read them as text, or 0240 becomes 240. pandas:"),
        '  d = pd.read_csv("responses.csv", dtype={"municipality": str})',
        f'  shown = d["{status}"] != {NOT_SHOWN}',
        _('R: source("responses.R"). LibreOffice: in the import dialogue set the '
          "municipality column's type to Text. The .sav and .dta files keep them as text."),
        "",
    ]
