"""Staff routes. Thin: parse the form, call accounts/invitations, render."""

from __future__ import annotations

import re
import secrets
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from .. import audit, short_codes
from ..access import roles_required
from ..delivery import available_channels, qr
from ..delivery.sms import display_phone
from ..extensions import db, login_manager
from ..i18n import NATIVE_NAMES, languages, text_direction
from ..models.personal import Invitation, Municipality, Role, StaffUser, Team
from ..security import safe_next
from ..timeutil import utcnow
from . import (
    PUBLIC_ENDPOINTS,
    accounts,
    auth,
    board,
    bp,
    display,
    invitations,
    labels,
    password_links,
    session_ends,
    sso,
)
from .forms import InviteForm, LoginForm, SetPasswordForm, UserEditForm, UserForm

INVITERS = (Role.HEALTH_VISITOR, Role.COORDINATOR, Role.ADMIN)
MANAGERS = (Role.COORDINATOR, Role.ADMIN)
EVERYONE = tuple(Role)
_MAX_LISTED = 300
#: Ids above this are "not found" at routing, before a database is asked (SQLite and
#: PostgreSQL integers stop at 2**63 - 1 and 2**31 - 1).
MAX_ID = 2**31 - 1
_NONCE = re.compile(r"[A-Za-z0-9_\-]{16,32}")


@bp.after_request
def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "labels": labels, "display_phone": display_phone, "native_names": NATIVE_NAMES,
        "masked_contact": display.masked_contact,
    }


@bp.app_template_filter("danish_time")
def _danish_time(moment: Any) -> str:
    """A stored moment in Danish time, in the page's language (see staff/display.py)."""
    return display.format_time(moment, str(get_locale() or "da"))


@bp.app_template_filter("danish_day")
def _danish_day(moment: Any) -> str:
    return display.format_day(moment, str(get_locale() or "da"))


#: Forms that come back filled in, with a note, when their CSRF token has expired.
_REFILLED_FORMS = frozenset(
    {"staff.login", "staff.set_password", "staff.invite", "staff.user_new", "staff.user_edit",
     "staff.mfa", "staff.mfa_enrol", "staff.change_password", "staff.municipality_list",
     "staff.municipality_edit"}
)


def _csrf_message() -> str:
    return _("The page had been open for a long time. Check the form and send it again.")


@bp.errorhandler(CSRFError)
def _csrf_failed(error: CSRFError) -> Any:
    # CSRFProtect runs before the blueprint's login check, so that check is repeated here.
    if request.endpoint not in PUBLIC_ENDPOINTS and not current_user.is_authenticated:
        return login_manager.unauthorized()
    if request.endpoint in _REFILLED_FORMS:
        g.csrf_failed = True
        try:
            return current_app.view_functions[request.endpoint](**(request.view_args or {}))
        except HTTPException as refused:
            # A 404 or 403 raised by the view inside this handler would otherwise be a 500.
            return current_app.handle_http_exception(refused)
    flash(_csrf_message())
    return redirect(url_for(".home"), 303)


def _csrf_failed_here() -> bool:
    return bool(g.get("csrf_failed"))


# --- login, logout, passwords -----------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for(".home"))
    form = LoginForm()
    error, status = None, 200
    if _csrf_failed_here():
        error, status = _csrf_message(), 400
    elif form.validate_on_submit():
        result = auth.authenticate(
            form.email.data, form.password.data, request.remote_addr or "unknown"
        )
        if result.outcome == "ok" and result.user is not None:
            next_url = safe_next(request.args.get("next"))
            return redirect(auth.begin_second_factor(result.user, next_url), 303)
        if result.outcome in ("throttled", "protected"):
            error, status = labels.login_wait_message(result.outcome, result.wait), 429
        else:
            error = _("The e-mail address or the password is wrong.")
    elif request.method == "POST":
        status = 400
    return render_template(
        "staff/login.html", form=form, error=error,
        identity_providers=sso.provisioning.enabled_providers(),
    ), status


@bp.post("/logout")
@roles_required(*EVERYONE)
def logout() -> Any:
    user: StaffUser = current_user._get_current_object()
    provider_logout = sso.routes.provider_logout_url()  # ends the provider's session too
    session_ends.end_all_sessions(user)
    audit.record(audit.staff_actor(user.id), "logout", f"staff:{user.id}")
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are logged out."))
    return sso.routes.after_logout(provider_logout)


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str) -> Any:
    user = password_links.user_for_password_token(token) if len(token) < 400 else None
    if user is None:
        return render_template("staff/password_link_invalid.html"), 410
    form = SetPasswordForm()
    error = _csrf_message() if _csrf_failed_here() else None
    if not error and form.validate_on_submit():
        minimum = int(current_app.config["PASSWORD_MIN_LENGTH"])
        problem = accounts.password_problem(
            form.password.data, minimum, accounts.user_context(user)
        )
        if problem:
            error = str(labels.ERROR[problem]) % {"n": minimum}
        else:
            db.session.commit()  # hash outside the transaction (see auth.authenticate)
            accounts.set_password(user, form.password.data, f"staff:{user.id}")
            target = auth.begin_second_factor(user, None)
            flash(_("Your password is set."))
            return redirect(target, 303)
    status = 400 if request.method == "POST" else 200
    return render_template("staff/set_password.html", form=form, error=error, user=user), status


@bp.get("/")
@roles_required(*EVERYONE)
def home() -> Any:
    if current_user.role == Role.EVALUATOR:
        if "evaluation.index" in current_app.view_functions:
            return redirect(url_for("evaluation.index"))
        return render_template("staff/evaluator_home.html")
    if current_user.role == Role.REVIEWER and "evaluation.review" in current_app.view_functions:
        return redirect(url_for("evaluation.review"))
    return redirect(url_for(".invitation_list"))


# --- inviting ---------------------------------------------------------------------------------


def _without_errors(form: InviteForm) -> InviteForm:
    for field in form:
        field.errors = []
    return form


def _has_errors(form: InviteForm) -> bool:
    return any(field.errors for field in form)


@bp.route("/invite", methods=["GET", "POST"])
@roles_required(*INVITERS)
def invite() -> Any:
    form = InviteForm()
    form.offer(current_app.extensions["questionnaires"].keys(), languages(), available_channels())
    if request.method == "GET":
        # After a visit the next family is often invited the same way: start from the last
        # questionnaire and channel (never the last contact detail or language: the language
        # is the family's, given by ?language= from that family's invitation, else chosen).
        last = session.get("last_invite") or {}
        form.questionnaire.data = last.get("questionnaire")
        wanted = request.args.get("language", "")
        form.language.data = wanted if wanted in languages() else ""
        channels = [value for value, _label in form.channel.choices]
        form.channel.data = last.get("channel") if last.get("channel") in channels else channels[0]
        form.nonce.data = secrets.token_urlsafe(16)
        return render_template("staff/invite.html", form=form)
    if _csrf_failed_here():
        return render_template("staff/invite.html", form=form, message=_csrf_message()), 400
    if request.form.get("action") == "edit":
        form.validate_on_submit()  # fills the CSRF check; the form comes back as it was
        return render_template("staff/invite.html", form=_without_errors(form))
    form.validate_on_submit()
    contact = form.contact(current_app.config["PHONE_REGION"])
    if _has_errors(form):
        return render_template("staff/invite.html", form=form), 400
    user: StaffUser = current_user._get_current_object()
    channel = form.channel.data
    if channel != "qr" and request.form.get("action") != "send":
        text = invitations.preview(user, form.language.data, form.questionnaire.data)
        shown = display_phone(contact) if channel == "sms" else contact
        return render_template(
            "staff/invite_preview.html", form=form, text=text, shown=shown,
            language_name=labels.language_choice(
                form.language.data, NATIVE_NAMES[form.language.data]
            ),
            language_dir=text_direction(form.language.data),
        )
    nonce = form.nonce.data if _NONCE.fullmatch(form.nonce.data or "") else None
    try:
        outcome = invitations.create(
            user, form.questionnaire.data, form.language.data, channel, contact, nonce,
            note=form.note.data,
        )
    except invitations.AlreadyCreated as done:
        flash(_("This invitation was already made; it is not sent twice."))
        return redirect(url_for(".invitation_detail", invitation_id=done.invitation_id), 303)
    session["last_invite"] = {"questionnaire": form.questionnaire.data, "channel": channel}
    return _after_delivery(outcome)


def _after_delivery(outcome: invitations.Outcome) -> Any:
    invitation = outcome.invitation
    if outcome.url is not None:
        session["qr"] = {"id": invitation.id, "url": outcome.url, "code": outcome.code}
        return redirect(url_for(".invitation_qr", invitation_id=invitation.id), 303)
    if outcome.delivered:
        flash(_("The invitation is sent."))
    else:
        flash(
            _(
                "The message could not be sent. The invitation is kept with the status "
                "'Delivery failed': check the contact details and try again."
            )
        )
    return redirect(url_for(".invitation_detail", invitation_id=invitation.id), 303)


def _visible_or_404(invitation_id: int) -> Invitation:
    invitation = invitations.find_visible(current_user, invitation_id)
    if invitation is None:
        abort(404)
    return invitation


def _shown_qr_url(invitation: Invitation) -> str | None:
    """The link of the QR code this member of staff just made for this invitation, if any."""
    shown = session.get("qr") or {}
    return shown["url"] if shown.get("id") == invitation.id else None


def _shown_code(invitation: Invitation) -> str | None:
    """The short code made with that QR code (not kept anywhere else but as a hash)."""
    shown = session.get("qr") or {}
    return shown.get("code") if shown.get("id") == invitation.id else None


@bp.get(f"/invitations/<int(max={MAX_ID}):invitation_id>/qr")
@roles_required(*INVITERS)
def invitation_qr(invitation_id: int) -> Any:
    invitation = _visible_or_404(invitation_id)
    url = _shown_qr_url(invitation)
    if url is None:
        flash(_("The QR code is only shown right after it is made. Make a new one."))
        return redirect(url_for(".invitation_detail", invitation_id=invitation.id))
    return render_template(
        "staff/qr.html", invitation=invitation, url=url, has_card=bool(_shown_code(invitation))
    )


@bp.get(f"/invitations/<int(max={MAX_ID}):invitation_id>/card")
@roles_required(*INVITERS)
def invitation_card(invitation_id: int) -> Any:
    """A card to print and leave with the family: QR code, short code, short address."""
    invitation = _visible_or_404(invitation_id)
    code = _shown_code(invitation)
    if code is None or _shown_qr_url(invitation) is None:
        flash(_("The card is only shown right after the QR code is made. Make a new one."))
        return redirect(url_for(".invitation_detail", invitation_id=invitation.id))
    # The card is for the family: in their language, and in Danish beside it if that differs.
    parent_language = invitation.language if invitation.language in languages() else "da"
    context = {
        "invitation": invitation,
        "code": short_codes.display(code),
        "address": board.short_address(current_app.config["BASE_URL"]),
        "municipality": invitation.municipality.name,
    }
    with force_locale(parent_language):
        family_side = Markup(render_template("parent/_card_text.html", **context))  # noqa: S704
    danish_side = None
    if parent_language != "da":
        with force_locale("da"):
            danish_side = Markup(  # noqa: S704  (our own template, rendered with autoescape)
                render_template("parent/_card_text.html", **context)
            )
    return render_template(
        "staff/card.html", **context, family_side=family_side, danish_side=danish_side,
        parent_language=parent_language, parent_dir=text_direction(parent_language),
    )


@bp.get(f"/invitations/<int(max={MAX_ID}):invitation_id>/qr.svg")
@roles_required(*INVITERS)
def invitation_qr_svg(invitation_id: int) -> Any:
    url = _shown_qr_url(_visible_or_404(invitation_id))
    if url is None:
        abort(404)
    return Response(qr.svg(url), mimetype="image/svg+xml")


# --- following up -----------------------------------------------------------------------------


def _filtered(query: Any, status: str, questionnaire: str, channel: str, q: str = "") -> Any:
    if status in labels.STATUS:
        query = query.where(Invitation.effective_status(utcnow()) == status)
    if questionnaire in labels.QUESTIONNAIRE:
        query = query.filter_by(questionnaire_key=questionnaire)
    if channel in ("sms", "email", "qr"):
        query = query.filter_by(channel=channel)
    return board.search(query, q)


@bp.get("/invitations")
@roles_required(*INVITERS)
def invitation_list() -> Any:
    filters = {
        name: request.args.get(name, "")[:32]
        for name in ("status", "questionnaire", "channel", "q")
    }
    query = _filtered(invitations.visible_to(current_user), **filters)
    rows = list(
        db.session.execute(
            query.order_by(Invitation.created_at.desc(), Invitation.id.desc()).limit(_MAX_LISTED)
        ).scalars()
    )
    counts = invitations.status_counts(current_user)
    return render_template(
        "staff/invitations.html", invitations=rows, filters=filters,
        can_resend=invitations.can_resend, limit=_MAX_LISTED, counts=counts,
        rate=invitations.response_rate(counts),
    )


@bp.get(f"/invitations/<int(max={MAX_ID}):invitation_id>")
@roles_required(*INVITERS)
def invitation_detail(invitation_id: int) -> Any:
    invitation = _visible_or_404(invitation_id)
    return render_template(
        "staff/invitation.html", invitation=invitation, can_resend=invitations.can_resend
    )


@bp.post(f"/invitations/<int(max={MAX_ID}):invitation_id>/resend")
@roles_required(*INVITERS)
def invitation_resend(invitation_id: int) -> Any:
    invitation = _visible_or_404(invitation_id)
    if not invitations.can_resend(invitation):
        flash(_("This invitation cannot be sent again. Make a new one if the family needs it."))
        return redirect(url_for(".invitation_detail", invitation_id=invitation.id), 303)
    return _after_delivery(invitations.resend(current_user, invitation))


@bp.get(f"/invitations/<int(max={MAX_ID}):invitation_id>/confirm-revoke")
@roles_required(*INVITERS)
def invitation_revoke_confirm(invitation_id: int) -> Any:
    """Revoking cannot be undone: it is asked on a page of its own, not with one tap."""
    invitation = _visible_or_404(invitation_id)
    if not invitation.can_revoke():
        flash(_("This invitation was already answered or revoked."))
        return redirect(url_for(".invitation_detail", invitation_id=invitation.id))
    return render_template("staff/revoke.html", invitation=invitation)


@bp.post(f"/invitations/<int(max={MAX_ID}):invitation_id>/revoke")
@roles_required(*INVITERS)
def invitation_revoke(invitation_id: int) -> Any:
    invitation = _visible_or_404(invitation_id)
    if invitations.revoke(current_user, invitation):
        flash(_("The invitation is revoked. Its link no longer works."))
    else:
        flash(_("This invitation was already answered or revoked."))
    return redirect(url_for(".invitation_detail", invitation_id=invitation.id), 303)


# --- users ------------------------------------------------------------------------------------


def _user_choices(form: UserEditForm, actor: StaffUser) -> None:
    form.role.choices = [(r, labels.ROLE[r]) for r in accounts.assignable_roles(actor)]
    if actor.role == Role.ADMIN:
        municipalities = list(
            db.session.execute(db.select(Municipality).order_by(Municipality.name)).scalars()
        )
    else:
        municipalities = [actor.municipality]
    form.municipality.choices = [(str(m.id), m.name) for m in municipalities]
    form.team.choices = [("", _("No team"))] + [
        (str(t.id), f"{m.name}: {t.name}") for m in municipalities for t in m.teams
    ]


def _chosen_team(form: UserEditForm) -> tuple[Team | None, bool]:
    if not form.team.data:
        return None, True
    # Only ids the form offered reach the database (the form refuses anything else: a number
    # beyond the database's integers, "³", "٣").
    offered = not form.team.errors
    team = db.session.get(Team, int(form.team.data)) if offered else None
    if team is None:
        form.team.errors = [_("Choose one of the teams in the list.")]
        return None, False
    return team, True


@bp.get("/users")
@roles_required(*MANAGERS)
def user_list() -> Any:
    users = list(db.session.execute(accounts.manageable_users(current_user)).scalars())
    return render_template("staff/users.html", users=users)


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def user_new() -> Any:
    actor: StaffUser = current_user._get_current_object()
    form = UserForm()
    _user_choices(form, actor)
    if request.method == "GET":
        form.municipality.data = str(actor.municipality_id)
        form.role.data = Role.HEALTH_VISITOR.value
        return render_template("staff/user_form.html", form=form, user=None)
    if _csrf_failed_here():
        return render_template(
            "staff/user_form.html", form=form, user=None, message=_csrf_message()
        ), 400
    form.validate_on_submit()
    if form.email.data and not form.email.errors:
        try:
            accounts.normalise_email(form.email.data)
        except accounts.AccountError as error:
            form.email.errors = [str(labels.ERROR[error.code])]
    team, team_ok = _chosen_team(form)
    municipality = None
    if not form.municipality.errors:
        municipality = db.session.get(Municipality, int(form.municipality.data))
    if not any(field.errors for field in form) and municipality is not None and team_ok:
        try:
            user = accounts.create_user(
                audit.staff_actor(actor.id), form.email.data, form.role.data, municipality,
                team, form.name.data,
            )
        except accounts.AccountError as error:
            field = form.team if error.code == "team_mismatch" else form.email
            field.errors = [str(labels.ERROR.get(error.code, labels.ERROR["not_allowed"]))]
        else:
            return render_template(
                "staff/password_link.html", user=user, link=password_links.password_link(user),
                new=True,
            )
    return render_template("staff/user_form.html", form=form, user=None), 400


@bp.route(f"/users/<int(max={MAX_ID}):user_id>", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def user_edit(user_id: int) -> Any:
    actor: StaffUser = current_user._get_current_object()
    user = db.session.get(StaffUser, user_id)
    if user is None or not accounts.can_manage(actor, user):
        abort(404)
    form = UserEditForm(obj=None if request.method == "POST" else user)
    _user_choices(form, actor)
    if request.method == "GET":
        form.role.data = user.role
        form.team.data = str(user.team_id or "")
        form.municipality.data = str(user.municipality_id)
        return render_template("staff/user_form.html", form=form, user=user)
    if _csrf_failed_here():
        return render_template(
            "staff/user_form.html", form=form, user=user, message=_csrf_message()
        ), 400
    form.validate_on_submit()
    team, team_ok = _chosen_team(form)
    if not any(field.errors for field in form) and team_ok:
        try:
            accounts.update_user(actor, user, form.role.data, team, form.active.data,
                                 form.name.data or "")
        except accounts.AccountError as error:
            field = form.team if error.code == "team_mismatch" else form.role
            field.errors = [str(labels.ERROR.get(error.code, labels.ERROR["not_allowed"]))]
        else:
            flash(_("The user is saved."))
            return redirect(url_for(".user_list"), 303)
    return render_template("staff/user_form.html", form=form, user=user), 400


@bp.post(f"/users/<int(max={MAX_ID}):user_id>/password-link")
@roles_required(*MANAGERS)
def user_password_link(user_id: int) -> Any:
    actor: StaffUser = current_user._get_current_object()
    user = db.session.get(StaffUser, user_id)
    if user is None or not accounts.can_manage(actor, user):
        abort(404)
    audit.record(audit.staff_actor(actor.id), "user.password_link", f"staff:{user.id}")
    db.session.commit()
    return render_template(
        "staff/password_link.html", user=user, link=password_links.password_link(user), new=False
    )


@bp.post(f"/users/<int(max={MAX_ID}):user_id>/reset-mfa")
@roles_required(*MANAGERS)
def user_reset_mfa(user_id: int) -> Any:
    """A lost phone: the user sets up a new authenticator at their next login."""
    from . import mfa

    actor: StaffUser = current_user._get_current_object()
    user = db.session.get(StaffUser, user_id)
    if user is None or not accounts.can_manage(actor, user) or user.id == actor.id:
        abort(404)
    mfa.reset(user, audit.staff_actor(actor.id))
    flash(_("The authenticator app is reset. The user sets up a new one at the next login."))
    return redirect(url_for(".user_edit", user_id=user.id), 303)
