"""Forms parents submit besides the questions (which are built from the definitions)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import RadioField, SubmitField


class LanguageForm(FlaskForm):
    # "Language" alone is also an answer in the 3-years questionnaire (the child's speech).
    language = RadioField(lazy_pgettext("language picker", "Language"), choices=[])
    submit = SubmitField(_l("Continue"))


class ConsentForm(FlaskForm):
    # Two buttons; which one was pressed is the decision.
    yes = SubmitField()
    no = SubmitField()
