"""Forms parents submit besides the questions (which are built from the definitions)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SubmitField


class LanguageForm(FlaskForm):
    language = RadioField(_l("Language"), choices=[])
    submit = SubmitField(_l("Continue"))


class ConsentForm(FlaskForm):
    # Two buttons; which one was pressed is the decision.
    yes = SubmitField()
    no = SubmitField()
