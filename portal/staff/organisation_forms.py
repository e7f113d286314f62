"""Forms for the municipality and team pages. Checks beyond length live in
portal/municipalities.py (one home for the rules); these only carry the values."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import Length

#: Only a cap against huge posts: the real limits are portal/municipalities.py's, which name
#: every refused field at once.
_CAP = Length(max=1000)


class MunicipalityForm(FlaskForm):
    code = StringField(_l("Municipality code (four digits)"), validators=[Length(max=4)])
    name = StringField(_l("Name"), validators=[Length(max=100)])


class SettingsForm(FlaskForm):
    name = StringField(_l("Name"), validators=[_CAP])
    service_name = StringField(
        _l("The health service's name, as families read it"), validators=[_CAP]
    )
    sms_sender = StringField(
        _l("SMS sender (at most 11 letters A-Z and digits)"), validators=[_CAP]
    )
    contact_phone = StringField(_l("Phone number families can call"),
                                validators=[_CAP])
    contact_email = StringField(_l("E-mail address families can write to"),
                                validators=[_CAP])
    opening_hours = StringField(_l("Opening hours"), validators=[_CAP])
    controller_address = TextAreaField(
        _l("The municipality's postal address (data controller)"), validators=[_CAP]
    )
    dpo_email = StringField(_l("Data protection officer's e-mail address"),
                            validators=[_CAP])
    dpo_phone = StringField(_l("Data protection officer's phone number"),
                            validators=[_CAP])
    accessibility_email = StringField(
        _l("E-mail address for the accessibility statement"), validators=[_CAP]
    )
    accessibility_reviewed_on = StringField(
        _l("Accessibility statement last reviewed (YYYY-MM-DD)"), validators=[_CAP]
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
