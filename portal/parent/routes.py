"""Parent routes. Thin: parse the request, call the logic in links/consent/answering, render."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

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
from flask_wtf.csrf import CSRFError, generate_csrf
from werkzeug.exceptions import HTTPException

from .. import links
from ..extensions import db, limiter
from ..i18n import NATIVE_NAMES, languages, text_direction
from ..models.personal import Invitation, InvitationStatus
from ..questionnaires import Definition
from ..questionnaires.answers import merge, read_page
from ..security import safe_next
from ..stores import writes_on_get
from ..timeutil import utcnow
from . import answering, bp, drafts, page_cache, state
from .consent import make_copy, record_consent, render_consent
from .forms import ConsentForm, LanguageForm

#: Endpoints that work without an opened link.
_OPEN_ENDPOINTS = {
    "parent.open_link", "parent.accessibility", "parent.privacy", "parent.short_code"
}
#: Endpoints that show or change the answers: only the browser holding the draft's key.
_ANSWERING_ENDPOINTS = {"parent.start", "parent.consent", "parent.page"}
_MAX_TOKEN_LENGTH = 200


def _problem(problem: links.LinkProblem, language: str | None = None) -> tuple[str, int]:
    """The kind page for a link that cannot be used, in the invitation's language if known."""
    if language in languages() and "lang" not in session:
        with force_locale(language):
            page = render_template("parent/link_problem.html", problem=problem.value)
        return page, problem.status
    return render_template("parent/link_problem.html", problem=problem.value), problem.status


@bp.before_request
def _load_invitation() -> Any:
    if request.endpoint in _OPEN_ENDPOINTS or request.endpoint is None:
        return None
    link = state.load_link(session.get("inv") or 0)
    if link is None:
        session.pop("inv", None)
        return render_template("parent/no_link.html"), 403
    g.link = link
    g.definition = current_app.extensions["questionnaires"].get(
        link.questionnaire_key, link.questionnaire_version
    )
    g.draft_keys = drafts.read_cookie(request)
    g.draft_key = g.draft_keys.get(str(link.id))
    try:
        links.check_usable(link)
    except links.LinkError as error:
        if error.problem is links.LinkProblem.USED:
            # A double tap, a retry or a second tab after submitting: the answer is "thank
            # you", once more, on every one of them.
            _forget_draft()
            if request.endpoint == "parent.thanks":
                return None
            return redirect(url_for(".thanks"), code=303)
        return _problem(error.problem)
    if link.consented and g.draft_key is None and request.endpoint in _ANSWERING_ENDPOINTS:
        # Someone said yes on another phone or browser: only that one holds the draft's key.
        return render_template("parent/other_device.html")
    return None


@bp.after_request
def _store_draft_keys(response: Response) -> Response:
    if g.get("draft_keys_changed"):
        drafts.write_cookie(response, g.draft_keys)
    return response


def _forget_draft() -> None:
    """After submitting the browser keeps neither the draft's id nor its key."""
    link = g.get("link")
    if link is not None and str(link.id) in g.get("draft_keys", {}):
        del g.draft_keys[str(link.id)]
        g.draft_keys_changed = True
    session.pop("draft", None)


@bp.errorhandler(403)
def _forbidden(error: Exception) -> Any:
    return render_template("parent/no_link.html"), 403


@bp.errorhandler(429)
def _too_many(error: Exception) -> Any:
    # In the language the parent chose or their browser's, never the invitation's: the token
    # is not looked up, so a guesser learns nothing about it.
    page = render_template("parent/too_many_requests.html")
    return page, 429, {"Retry-After": "60"}


def _link_open_limit() -> str:
    return current_app.config["LINK_OPEN_LIMIT"]


@bp.errorhandler(CSRFError)
def _csrf_failed(error: CSRFError) -> Any:
    # The form sat open too long, or the session cookie was lost. Nothing the parent typed may
    # be lost: the question page is shown again with what was posted, unsaved, and a fresh token.
    if request.endpoint == "parent.page" and session.get("inv"):
        refused = _load_invitation()
        if refused is not None:
            return refused
        g.csrf_failed = True
        try:
            return page(**(request.view_args or {}))
        except HTTPException as refused:
            # A 404 for a page that does not exist, raised inside this handler, was a 500.
            return current_app.handle_http_exception(refused)
    flash(_("The page had been open for a long time. Please try again."))
    return redirect(request.path, code=303)


@bp.get("/<token>")
@limiter.limit(_link_open_limit)  # per client address (see PORTAL_PROXY_FIX_X_FOR)
def open_link(token: str) -> Any:
    """Exchange the token for a session and send the parent, token-free, to their step.

    Writes nothing: SMS and mail scanners open links before people do, so a GET neither uses
    the link up nor marks it opened (choosing a language does, see ``language``)."""
    if len(token) > _MAX_TOKEN_LENGTH:
        return _problem(links.LinkProblem.TAMPERED)
    try:
        invitation, _secret = links.resolve(token)
    except links.LinkError as error:
        known = links.find_by_token(token)
        return _problem(error.problem, known.language if known else None)
    invitation_id, invitation_language = invitation.id, invitation.language
    db.session.rollback()

    chosen = session.get("lang") if session.get("inv") == invitation_id else None
    session.clear()
    session["inv"] = invitation_id
    session["invitation_lang"] = invitation_language
    if chosen:
        session["lang"] = chosen
    # Straight to the step: one redirect, not a detour through /s/ (issue 16).
    link = state.load_link(invitation_id)
    g.link = link
    g.draft_keys = drafts.read_cookie(request)
    g.draft_key = g.draft_keys.get(str(invitation_id))
    return redirect(_step_url(), code=303)


def _step_url() -> str:
    """Where the parent is: language, consent, the page they reached, or thanks."""
    if "lang" not in session:
        return url_for(".language")
    if not g.link.consented or g.draft_key is None:
        return url_for(".consent")
    content = drafts.load(g.draft_key)
    db.session.rollback()
    if content.submitted:
        return url_for(".thanks")
    return url_for(".page", number=content.page + 1)


@bp.get("/")
@writes_on_get  # may repair a status after a crash (rare: steps link to each other directly)
def start() -> Any:
    """Send the parent to the step they are at."""
    if g.draft_key is not None and answering.repair(g.draft_key, _invitation()):
        _forget_draft()  # submitted before a crash cut off the answer: thank you
        return redirect(url_for(".thanks"))
    return redirect(_step_url())


@bp.route("/language", methods=["GET", "POST"])
def language() -> Any:
    form = LanguageForm()
    form.language.choices = [(code, NATIVE_NAMES[code]) for code in languages()]
    if request.method == "GET":
        form.language.data = session.get("lang") or session.get("invitation_lang")
    next_url = safe_next(request.args.get("next"), "/s/")
    if form.validate_on_submit():
        session["lang"] = form.language.data
        _mark_opened()
        return redirect(next_url or _step_url(), code=303)
    return render_template(
        "parent/language.html",
        form=form,
        native_names=NATIVE_NAMES,
        directions={code: text_direction(code) for code in languages()},
    )


def _mark_opened() -> None:
    """A person acted on the link (a scanner never posts a form): record ``opened``."""
    _invitation().mark_opened()
    db.session.commit()


@bp.route("/consent", methods=["GET", "POST"])
def consent() -> Any:
    if request.method == "POST":
        # Under the row lock (PostgreSQL; SQLite: the write lock), so two phones saying yes
        # at the same moment cannot both start answering.
        g.invitation = db.session.get(Invitation, g.link.id, with_for_update=True)
    invitation = _invitation()
    form = ConsentForm()
    text = render_consent(invitation)
    if form.validate_on_submit() and (form.yes.data or form.no.data):
        decision = bool(form.yes.data)
        latest = invitation.consents[-1] if invitation.consents else None
        if decision and latest is not None and latest.decision and g.draft_key is None:
            db.session.rollback()
            return render_template("parent/other_device.html")
        if latest is None or (latest.decision, latest.text_hash) != (decision, text.sha256):
            record_consent(invitation, decision, text, _current_language())
        else:
            db.session.rollback()
        if not decision:
            return redirect(url_for(".declined"), code=303)
        if g.draft_key is None:
            # The draft's id and key are drawn here and kept only in this browser; the draft
            # itself is written at the first saved page, not in this (consent) request.
            g.draft_keys[str(g.link.id)] = drafts.DraftKey.new(g.link.expires_at)
            g.draft_keys_changed = True
            return redirect(url_for(".page", number=1), code=303)
        g.link = state.load_link(g.link.id)
        return redirect(_step_url(), code=303)
    return render_template("parent/consent.html", form=form, text=text)


@bp.get("/consent.txt")
def consent_copy() -> Response:
    """The consent text to keep, as plain text the phone can save or share."""
    invitation = _invitation()
    copy = make_copy(
        invitation,
        render_consent(invitation),
        current_app.config["BASE_URL"].rstrip("/")
        + url_for("parent.privacy", m=invitation.municipality.code),
        utcnow().date(),
    )
    disposition = (
        f'attachment; filename="{copy.ascii_filename}"; '
        f"filename*=UTF-8''{quote(copy.filename)}"
    )
    return Response(
        copy.text,
        mimetype="text/plain",
        headers={"Content-Disposition": disposition},
    )


@bp.get("/declined")
def declined() -> Any:
    if g.link.decision is not False:
        return redirect(url_for(".start"))
    return render_template("parent/declined.html")


@bp.route("/page/<int:number>", methods=["GET", "POST"])
def page(number: int) -> Any:
    definition: Definition = g.definition
    if not g.link.consented:
        return redirect(url_for(".consent"))
    if request.method == "POST":
        _invitation()  # the personal store first (lock order, answering.submit)
    draft = drafts.load(g.draft_key)
    if draft.submitted:
        answering.repair(g.draft_key, _invitation())  # repairs the invitation's status
        _forget_draft()
        return redirect(url_for(".thanks"), code=303)
    index = number - 1
    if not 0 <= index < len(definition.pages):
        abort(404)
    saved = draft.answers or {}
    posted: dict[str, list[str]] | None = None
    errors: dict[str, Any] = {}
    notice = None

    if request.method == "POST" and g.get("csrf_failed"):
        posted = _posted()
        notice = _("The page had been open for a long time, so your answers on this page were "
                   "not saved yet. Please check them and press the button again.")
    elif request.method == "POST":
        posted = _posted()
        action = request.form.get("action", "next")
        values, errors = read_page(
            definition.pages[index], posted, saved, enforce_required=action in ("next", "submit")
        )
        if not errors:
            return _after_save(draft, definition, index, values, action)

    visible = definition.visible_pages(saved)
    if index not in visible and posted is None:
        later = [i for i in visible if i > index]
        return redirect(url_for(".page", number=(later[0] if later else visible[-1]) + 1))
    position = visible.index(index) + 1 if index in visible else len(visible)
    current = _current_values(definition.pages[index], saved, posted)
    context = {
        "definition": definition,
        "page": definition.pages[index],
        "page_ids": {q.id for q in definition.pages[index].questions},
        "number": number,
        "position": position,
        "total": len(visible),
        "is_first": position == 1,
        "is_last": index >= visible[-1],
        "current": current,
        "saved": saved,
        "errors": errors,
        "notice": notice,
    }
    unanswered = not (errors or notice or any(current.values()) or "_flashes" in session)
    if unanswered and page_cache.enabled(current_app):
        return page_cache.blank_page(
            page_cache.key(
                definition, index, saved, str(get_locale()),
                (position, context["total"], context["is_last"]),
            ),
            lambda slot: render_template("parent/page.html", **context, csrf_token=lambda: slot),
            generate_csrf(),
        )
    return render_template("parent/page.html", **context), (400 if errors else 200)


def _after_save(
    draft: Any, definition: Definition, index: int, values: dict[str, Any], action: str
) -> Any:
    answers = merge(draft.answers or {}, values)
    visible = definition.visible_pages(answers)
    key = g.draft_key
    if action == "language":
        answering.save_page(key, draft, values, index, _current_language())
        here = url_for(".page", number=index + 1)
        return redirect(url_for(".language", next=here), code=303)
    if action == "back":
        earlier = [i for i in visible if i < index]
        target = earlier[-1] if earlier else index
        answering.save_page(key, draft, values, target, _current_language())
        return redirect(url_for(".page", number=target + 1), code=303)
    later = [i for i in visible if i > index]
    if later and action != "submit":
        answering.save_page(key, draft, values, later[0], _current_language())
        return redirect(url_for(".page", number=later[0] + 1), code=303)
    invitation = _invitation()  # read before save_page commits (lock order, answering.submit)
    answering.save_page(key, draft, values, index, _current_language())
    outcome, missing = answering.submit(key, invitation, definition, _current_language())
    if outcome is answering.SubmitOutcome.INCOMPLETE:
        flash(_("Some questions still need an answer."))
        return redirect(url_for(".page", number=(missing or 0) + 1), code=303)
    _forget_draft()
    return redirect(url_for(".thanks"), code=303)


@bp.get("/thanks")
def thanks() -> Any:
    if g.link.status != InvitationStatus.COMPLETED:
        return redirect(url_for(".start"))
    return render_template("parent/thanks.html")


def _invitation() -> Invitation:
    """The invitation as an ORM object, for the views that change it or read its relations."""
    if "invitation" not in g:
        g.invitation = db.session.get(Invitation, g.link.id)
    return g.invitation


def _current_language() -> str:
    return session.get("lang") or g.link.language


def _posted() -> dict[str, list[str]]:
    return {key: request.form.getlist(key) for key in request.form}


def _current_values(
    page: Any, saved: dict[str, Any], posted: dict[str, list[str]] | None
) -> dict[str, list[str]]:
    """What each field shows: what was just posted, else what was saved, as strings."""
    values: dict[str, list[str]] = {}
    for question in page.questions:
        if posted is not None:
            values[question.id] = posted.get(question.id, [])
        else:
            value = saved.get(question.id)
            items = value if isinstance(value, list) else ([] if value is None else [value])
            values[question.id] = [str(item) for item in items]
    return values
