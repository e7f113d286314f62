"""Staff forms. Labels are lazy (``_l``); choices are filled in by the views."""

from __future__ import annotations

from typing import Any

from flask_babel import LazyString
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
from wtforms.validators import EqualTo, InputRequired, Length, ValidationError

from ..delivery import ContactError
from ..delivery.email import parse_email
from ..delivery.sms import parse_phone
from ..i18n import NATIVE_NAMES
from . import labels


class _OfferedChoice:
    """The form checks its own choices: a value the form did not offer gets ``invalid``, in the
    portal's words rather than WTForms' "Not a valid choice". An empty value is left to
    ``InputRequired`` (or allowed) unless ``required`` says it is invalid too."""

    def __init__(self, *args: Any, invalid: Any, required: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        self.invalid = invalid
        self.required = required

    def pre_validate(self, form: Any) -> None:
        data = self.data  # type: ignore[attr-defined]
        if not data and not self.required:
            return
        offered = {value for value, *_rest in self.choices}  # type: ignore[attr-defined]
        if data not in offered:
            raise ValidationError(str(self.invalid))


class ChoiceField(_OfferedChoice, SelectField):
    pass


class ChoiceRadioField(_OfferedChoice, RadioField):
    pass


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
    questionnaire = ChoiceRadioField(
        _l("Questionnaire"), choices=[], validators=[InputRequired(_l("Choose a questionnaire."))],
        invalid=_l("Choose one of the questionnaires in the list."),
    )
    language = ChoiceField(
        _l("The family's language"), choices=[],
        validators=[InputRequired(_l("Choose the family's language."))],
        invalid=_l("Choose one of the languages in the list."),
    )
    channel = ChoiceRadioField(
        _l("How does the family get the link?"), choices=[],
        validators=[InputRequired(_l("Choose how the family gets the link."))],
        invalid=_l("Choose one of the ways in the list."),
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

    def offer(self, questionnaires: list[str], languages: list[str], channels: list[str]) -> None:
        """The choices, in the staff member's words. The labels stay lazy: a valid send, which
        redirects, only needs the values."""
        self.questionnaire.choices = [(k, labels.QUESTIONNAIRE.get(k, k)) for k in questionnaires]
        # Danish name and own name, and no language chosen in advance: the health visitor
        # picks the family's language each time (remembering the last one made wrong-language
        # SMS easy).
        self.language.choices = [("", _l("Choose the family's language"))] + [
            (code, LazyString(labels.language_choice, code, NATIVE_NAMES[code]))
            for code in languages
        ]
        self.channel.choices = [(c, labels.CHANNEL[c]) for c in channels]

    def contact(self, phone_region: str) -> str | None:
        """The family's contact detail for the chosen channel, parsed; None for a QR code or
        when it is wrong (the field then carries the reason)."""
        field = self.phone if self.channel.data == "sms" else self.email
        try:
            if self.channel.data == "sms":
                return parse_phone(field.data, phone_region)
            if self.channel.data == "email":
                return parse_email(field.data)
        except ContactError as error:
            field.errors = [str(labels.ERROR[error.code])]
        return None


class UserEditForm(FlaskForm):
    name = StringField(_l("Name"), filters=[_strip], validators=[Length(max=100)])
    role = ChoiceField(
        _l("Role"), choices=[], invalid=labels.ERROR["role_invalid"], required=True
    )
    team = ChoiceField(_l("Team"), choices=[], invalid=_l("Choose one of the teams in the list."))
    active = BooleanField(_l("Active"), default=True)
    # Present so one template and one choice-filler serve both forms; not submitted here.
    municipality = ChoiceField(
        _l("Municipality"), choices=[], invalid=_l("Choose one of the municipalities in the list.")
    )


class UserForm(UserEditForm):
    """A new user: the e-mail address (their login) is set once, here."""

    email = EmailField(
        _l("E-mail address"), filters=[_strip],
        validators=[InputRequired(_l("Enter an e-mail address.")), Length(max=254)],
    )
    municipality = ChoiceField(
        _l("Municipality"), choices=[], required=True,
        invalid=_l("Choose one of the municipalities in the list."),
    )


class CodeForm(FlaskForm):
    """The second factor: six digits from the authenticator app, or a recovery code."""

    code = StringField(
        _l("Code"), filters=[_strip],
        validators=[InputRequired(_l("Enter the code.")), Length(max=64)],
    )
