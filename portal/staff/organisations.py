"""Staff pages for municipalities and teams: admins add municipalities; an admin or the
municipality's coordinator changes its settings and teams. Thin views over
portal/municipalities.py."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import audit, municipalities
from ..access import roles_required
from ..extensions import db
from ..models.personal import Municipality, Role, StaffUser, Team
from . import bp
from .organisation_forms import MunicipalityForm, SettingsForm, TeamForm

MAX_ID = 2**31 - 1

ERROR = {
    "code_invalid": _l("Enter the official four-digit municipality code, e.g. 0240."),
    "code_taken": _l("There is already a municipality with this code."),
    "missing": _l("This must not be empty."),
    "too_long": _l("This is too long."),
    "team_taken": _l("There is already a team with this name."),
    "sms_sender_invalid": _l(
        "Use at most 11 letters (A-Z, without æ, ø and å), digits and spaces."
    ),
    "email_invalid": _l("Enter a valid e-mail address."),
    "phone_invalid": _l("Enter a phone number, e.g. +45 12 34 56 78."),
    "date_invalid": _l("Enter the date as YYYY-MM-DD, e.g. 2026-12-01."),
    "legal_basis_invalid": _l("Choose one of the two legal bases."),
}

FIELD_LABELS = {
    "name": _l("Name"),
    "service_name": _l("The health service's name, as families read it"),
    "sms_sender": _l("SMS sender"),
    "contact_phone": _l("Phone number families can call"),
    "contact_email": _l("E-mail address families can write to"),
    "opening_hours": _l("Opening hours"),
    "controller_address": _l("The municipality's postal address (data controller)"),
    "dpo_email": _l("Data protection officer's e-mail address"),
    "dpo_phone": _l("Data protection officer's phone number"),
    "accessibility_email": _l("E-mail address for the accessibility statement"),
    "accessibility_reviewed_on": _l("Accessibility statement last reviewed"),
    "legal_basis": _l("Legal basis"),
}


def _actor() -> StaffUser:
    return current_user._get_current_object()


def _editable_or_404(municipality_id: int) -> Municipality:
    municipality = db.session.get(Municipality, municipality_id)
    if municipality is None or not municipalities.can_edit_settings(_actor(), municipality):
        abort(404)
    return municipality


def _page(municipality: Municipality, form: SettingsForm, team_form: TeamForm,
          status: int = 200) -> Any:
    return render_template(
        "staff/municipality.html",
        municipality=municipality,
        form=form,
        team_form=team_form,
        versions=municipalities.versions(municipality)[:10],
        missing=[FIELD_LABELS[f] for f in municipalities.missing_settings(municipality)],
        field_labels=FIELD_LABELS,
        may_rename=_actor().role == Role.ADMIN,
    ), status


def _explain(form: MunicipalityForm | SettingsForm) -> None:
    """A form refused before our checks: a value over the length cap, or an expired CSRF token
    (the page comes back filled in, with a note: nothing typed is lost)."""
    for field in form:
        if field.errors and field.name != "csrf_token":
            field.errors = [str(ERROR["too_long"])]
    if form.csrf_token.errors:
        form.csrf_token.errors = []
        flash(_("The page had been open for a long time. Check the form and send it again."))


@bp.route("/municipalities", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR, Role.ADMIN)
def municipality_list() -> Any:
    actor = _actor()
    if actor.role != Role.ADMIN:
        return redirect(url_for(".municipality_edit", municipality_id=actor.municipality_id))
    form = MunicipalityForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                municipality = municipalities.add_municipality(
                    audit.staff_actor(actor.id), form.code.data or "", form.name.data or ""
                )
            except municipalities.SetupError as error:
                getattr(form, error.field or "code").errors = [str(ERROR[error.code])]
            else:
                flash(_("The municipality is added. Fill in its settings below."))
                return redirect(
                    url_for(".municipality_edit", municipality_id=municipality.id), 303
                )
        else:
            _explain(form)
        status = 400
    return render_template(
        "staff/municipalities.html",
        municipalities=municipalities.all_municipalities(),
        form=form,
    ), status


@bp.route(f"/municipalities/<int(max={MAX_ID}):municipality_id>", methods=["GET", "POST"])
@roles_required(Role.COORDINATOR, Role.ADMIN)
def municipality_edit(municipality_id: int) -> Any:
    municipality = _editable_or_404(municipality_id)
    actor = _actor()
    if request.method == "GET":
        form = SettingsForm(data=municipalities.current_values(municipality))
        return _page(municipality, form, TeamForm(prefix="team"))
    form = SettingsForm()
    if not form.validate_on_submit():
        _explain(form)
        return _page(municipality, form, TeamForm(prefix="team"), 400)
    values = {name: getattr(form, name).data for name in municipalities.SETTINGS}
    before = municipality.consent_version
    # Every refused field says why at once; nothing is saved until all are right.
    errors = municipalities.field_errors(values)
    name = form.name.data or "" if actor.role == Role.ADMIN else None
    if name is not None:
        try:
            municipalities.check_name(name)
        except municipalities.SetupError as error:
            errors["name"] = error.code
    if errors:
        for field, code in errors.items():
            getattr(form, field).errors = [str(ERROR[code])]
        return _page(municipality, form, TeamForm(prefix="team"), 400)
    changed = municipalities.change(audit.staff_actor(actor.id), municipality, values, name=name)
    if not changed:
        flash(_("Nothing was changed."))
    elif municipality.consent_version != before:
        flash(_("Saved. The consent text changed: families see it as version %(version)s.",
                version=municipality.consent_version))
    else:
        flash(_("Saved."))
    return redirect(url_for(".municipality_edit", municipality_id=municipality.id), 303)


@bp.post(f"/municipalities/<int(max={MAX_ID}):municipality_id>/teams")
@roles_required(Role.COORDINATOR, Role.ADMIN)
def team_add(municipality_id: int) -> Any:
    municipality = _editable_or_404(municipality_id)
    team_form = TeamForm(prefix="team")
    if team_form.validate_on_submit():
        try:
            municipalities.add_team(
                audit.staff_actor(_actor().id), municipality, team_form.name.data or ""
            )
        except municipalities.SetupError as error:
            team_form.name.errors = [str(ERROR[error.code])]
        else:
            flash(_("The team is added."))
            return redirect(url_for(".municipality_edit", municipality_id=municipality.id), 303)
    elif team_form.name.errors:
        team_form.name.errors = [str(ERROR["too_long"])]
    else:
        flash(_("The page had been open for a long time. Check the form and send it again."))
    form = SettingsForm(formdata=None, data=municipalities.current_values(municipality))
    return _page(municipality, form, team_form, 400)


@bp.post(
    f"/municipalities/<int(max={MAX_ID}):municipality_id>/teams/<int(max={MAX_ID}):team_id>"
)
@roles_required(Role.COORDINATOR, Role.ADMIN)
def team_rename(municipality_id: int, team_id: int) -> Any:
    municipality = _editable_or_404(municipality_id)
    team = db.session.get(Team, team_id)
    if team is None or team.municipality_id != municipality.id:
        abort(404)
    name = (request.form.get("name") or "")[:200]
    try:
        municipalities.rename_team(audit.staff_actor(_actor().id), team, name)
    except municipalities.SetupError as error:
        flash(f"{team.name}: {ERROR[error.code]}")
    else:
        flash(_("The team is saved."))
    return redirect(url_for(".municipality_edit", municipality_id=municipality.id), 303)
