"""Staff forms. Labels are lazy (``_l``); choices are filled in by the views."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TelField,
)
from wtforms.validators import EqualTo, InputRequired, Length


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        filters=[_strip],
        validators=[InputRequired(_l("Enter your e-mail address.")), Length(max=254)],
    )
    password = PasswordField(
        _l("Password"), validators=[InputRequired(_l("Enter your password.")), Length(max=1024)]
    )


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"), validators=[InputRequired(_l("Choose a password."))]
    )
    confirm = PasswordField(
        _l("The same password again"),
        validators=[
            InputRequired(_l("Type the password again.")),
            EqualTo("password", _l("The two passwords are not the same.")),
        ],
    )


class ChangePasswordForm(FlaskForm):
    current = PasswordField(
        _l("Your current password"),
        validators=[InputRequired(_l("Enter your current password.")), Length(max=1024)],
    )
    password = PasswordField(
        _l("New password"),
        validators=[InputRequired(_l("Choose a password.")), Length(max=4096)],
    )
    confirm = PasswordField(
        _l("The same password again"),
        validators=[InputRequired(_l("Type the password again.")), Length(max=4096)],
    )


class InviteForm(FlaskForm):
    questionnaire = RadioField(
        _l("Questionnaire"), choices=[], validators=[InputRequired(_l("Choose a questionnaire."))],
        validate_choice=False,
    )
    language = SelectField(
        _l("The family's language"), choices=[],
        validators=[InputRequired(_l("Choose the family's language."))], validate_choice=False,
    )
    channel = RadioField(
        _l("How does the family get the link?"), choices=[],
        validators=[InputRequired(_l("Choose how the family gets the link."))],
        validate_choice=False,
    )
    #: Drawn when the empty form is shown; see Invitation.form_nonce.
    nonce = HiddenField()
    phone = TelField(_l("Mobile number"), filters=[_strip], validators=[Length(max=40)])
    email = EmailField(_l("E-mail address"), filters=[_strip], validators=[Length(max=254)])
    #: The health visitor's own reminder of the family (see Invitation.note).
    note = StringField(
        _l("Your note (optional)"), filters=[_strip],
        validators=[Length(max=40, message=_l("Keep the note to %(max)d characters."))],
    )


class UserEditForm(FlaskForm):
    name = StringField(_l("Name"), filters=[_strip], validators=[Length(max=100)])
    role = SelectField(_l("Role"), choices=[], validate_choice=False)
    team = SelectField(_l("Team"), choices=[], validate_choice=False)
    active = BooleanField(_l("Active"), default=True)
    # Present so one template and one choice-filler serve both forms; not submitted here.
    municipality = SelectField(_l("Municipality"), choices=[], validate_choice=False)


class UserForm(UserEditForm):
    """A new user: the e-mail address (their login) is set once, here."""

    email = EmailField(
        _l("E-mail address"), filters=[_strip],
        validators=[InputRequired(_l("Enter an e-mail address.")), Length(max=254)],
    )


class CodeForm(FlaskForm):
    """The second factor: six digits from the authenticator app, or a recovery code."""

    code = StringField(
        _l("Code"), filters=[_strip],
        validators=[InputRequired(_l("Enter the code.")), Length(max=64)],
    )
