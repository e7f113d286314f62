"""Forms for the municipality and team pages. Checks beyond length live in
portal/municipalities.py (one home for the rules); these only carry the values."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import Length


class MunicipalityForm(FlaskForm):
    code = StringField(_l("Municipality code (four digits)"), validators=[Length(max=4)])
    name = StringField(_l("Name"), validators=[Length(max=100)])


class SettingsForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Length(max=100)])
    service_name = StringField(
        _l("The health service's name, as families read it"), validators=[Length(max=100)]
    )
    sms_sender = StringField(
        _l("SMS sender (at most 11 letters A-Z and digits)"), validators=[Length(max=11)]
    )
    contact_phone = StringField(_l("Phone number families can call"),
                                validators=[Length(max=30)])
    contact_email = StringField(_l("E-mail address families can write to"),
                                validators=[Length(max=254)])
    opening_hours = StringField(_l("Opening hours"), validators=[Length(max=200)])
    controller_address = TextAreaField(
        _l("The municipality's postal address (data controller)"), validators=[Length(max=200)]
    )
    dpo_email = StringField(_l("Data protection officer's e-mail address"),
                            validators=[Length(max=254)])
    dpo_phone = StringField(_l("Data protection officer's phone number"),
                            validators=[Length(max=30)])
    accessibility_email = StringField(
        _l("E-mail address for the accessibility statement"), validators=[Length(max=254)]
    )
    accessibility_reviewed_on = StringField(
        _l("Accessibility statement last reviewed (YYYY-MM-DD)"), validators=[Length(max=10)]
    )
    legal_basis = RadioField(
        _l("Legal basis"),
        choices=[
            ("consent", _l("Consent (GDPR article 6(1)(a))")),
            ("public_task", _l("Public task, with consent as an ethical layer (article 6(1)(e))")),
        ],
        default="consent",
    )


class TeamForm(FlaskForm):
    name = StringField(_l("Team name"), validators=[Length(max=100)])
