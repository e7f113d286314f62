"""A translator's preview: every parent page, in a chosen language, without a link.

A municipality's translator reviews a catalogue in context: the pages as a parent sees them,
with their layout and direction. The preview renders the parents' own templates with sample
data only: no invitation, no draft, no consent record, no answers, and nothing is saved (the
pages' forms post back here, which only allows GET). Staff with a reviewing role may use it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from flask import abort, current_app, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from ..access import roles_required
from ..delivery import messages
from ..i18n import LANGUAGE_REVIEWS, NATIVE_NAMES, languages, text_direction
from ..links import LINK_PREFIX, SAMPLE_TOKEN
from ..models.personal import Municipality, Role
from ..parent import notices
from ..parent.consent import render_consent
from ..parent.forms import ConsentForm, LanguageForm
from ..questionnaires import Definition
from ..questionnaires.answers import read_page
from . import bp

#: Who may preview: those who review texts (the free-text reviewers, once that role exists) and
#: the municipality's coordinators and administrators, who arrange a translator's review.
PREVIEW_ROLES = (Role.REVIEWER, Role.COORDINATOR, Role.ADMIN)

LINK_PROBLEMS = {
    "tampered": _l("Link problem: the link does not work"),
    "unknown": _l("Link problem: unknown link"),
    "expired": _l("Link problem: expired"),
    "revoked": _l("Link problem: cancelled"),
    "used": _l("Link problem: already answered"),
}


@dataclass(frozen=True)
class PreviewPage:
    slug: str
    title: str  # in the staff member's language (the page itself is in the chosen one)
    render: Callable[[], str]


def _sample_municipality() -> Municipality | SimpleNamespace:
    user_municipality = getattr(current_user, "municipality", None)
    return user_municipality or SimpleNamespace(name="Ringkøbing-Skjern Kommune")


def _everything_visible(definition: Definition) -> dict[str, Any]:
    """Saved answers that open every follow-up question, so each one can be read."""
    saved: dict[str, Any] = {}
    for question in definition.questions:
        if question.show_if:
            target = definition.question(question.show_if.question)
            code = question.show_if.codes[0]
            saved[target.id] = target.kind.show_if_value(code)
    return saved


def _question_page(definition: Definition, index: int, with_errors: bool) -> str:
    page = definition.pages[index]
    saved = _everything_visible(definition)
    errors = read_page(page, {}, saved, enforce_required=True)[1] if with_errors else {}
    total = len(definition.pages)
    return render_template(
        "parent/page.html",
        definition=definition,
        page=page,
        page_ids={q.id for q in page.questions},
        number=index + 1,
        position=index + 1,
        total=total,
        is_first=index == 0,
        is_last=index == total - 1,
        current={q.id: [] for q in page.questions},
        saved=saved,
        errors=errors,
        notice=None,
    )


def _language_page(with_error: bool) -> str:
    form = LanguageForm()
    form.language.choices = [(code, NATIVE_NAMES[code]) for code in languages()]
    if with_error:
        form.language.errors = ["-"]  # the template shows its own translated message
    return render_template(
        "parent/language.html",
        form=form,
        native_names=NATIVE_NAMES,
        directions={code: text_direction(code) for code in languages()},
    )


def _messages_page(lang: str) -> str:
    """The SMS and e-mails a family gets, for each questionnaire, in the staff member's page
    language around texts in the chosen one (each message sets its own locale)."""
    municipality = _sample_municipality()
    url = current_app.config["BASE_URL"].rstrip("/") + LINK_PREFIX + SAMPLE_TOKEN
    shown = []
    keys = current_app.extensions["questionnaires"].keys()  # the registry iterates definitions
    for key in keys:
        shown += [
            (key, _("Invitation"), messages.invitation_text(municipality, lang, url, key)),
            (key, _("Reminder with a new link"),
             messages.reminder_text(municipality, lang, url, key)),
            (key, _("Reminder without a link"),
             messages.reminder_text(municipality, lang, None, key)),
        ]
    return render_template(
        "staff/translation_messages.html",
        shown=shown,
        language=lang,
        direction=text_direction(lang),
    )


def preview_pages() -> list[PreviewPage]:
    """Every page a parent can see, in the order a parent meets them. Each ``render`` is
    called inside ``force_locale`` of the chosen language."""
    registry = current_app.extensions["questionnaires"]
    municipality = _sample_municipality()
    pages = [
        PreviewPage("front", _("Front page (no link)"), lambda: render_template("index.html")),
        PreviewPage("language", _("Choose your language"), lambda: _language_page(False)),
        PreviewPage(
            "language-error", _("Choose your language: none chosen"),
            lambda: _language_page(True),
        ),
        PreviewPage(
            "consent",
            _("Consent"),
            lambda: render_template(
                "parent/consent.html",
                form=ConsentForm(),
                text=render_consent(SimpleNamespace(municipality=municipality)),
            ),
        ),
        PreviewPage("declined", _("Said no"), lambda: render_template("parent/declined.html")),
    ]
    keys = registry.keys()  # the registry iterates definitions
    for key in keys:
        definition = registry.current(key)
        for index in range(len(definition.pages)):
            values = {"questionnaire": key, "number": index + 1}
            pages += [
                PreviewPage(
                    f"{key}-{index + 1}",
                    _("%(questionnaire)s, page %(number)s", **values),
                    lambda d=definition, i=index: _question_page(d, i, False),
                ),
                PreviewPage(
                    f"{key}-{index + 1}-errors",
                    _("%(questionnaire)s, page %(number)s, with its error messages", **values),
                    lambda d=definition, i=index: _question_page(d, i, True),
                ),
            ]
    pages += [
        PreviewPage("thanks", _("Thank you"), lambda: render_template("parent/thanks.html")),
        *(
            PreviewPage(
                f"link-{problem}",
                str(title),
                lambda p=problem: render_template("parent/link_problem.html", problem=p),
            )
            for problem, title in LINK_PROBLEMS.items()
        ),
        PreviewPage(
            "no-link", _("No link in this browser"),
            lambda: render_template("parent/no_link.html"),
        ),
        PreviewPage(
            "too-many", _("Opened too often"),
            lambda: render_template("parent/too_many_requests.html"),
        ),
        PreviewPage(
            "accessibility", _("Accessibility statement"),
            lambda: render_template(
                "parent/accessibility.html", **notices.accessibility_context(municipality)
            ),
        ),
        PreviewPage(
            "not-found", _("Page not found"), lambda: render_template("errors/not_found.html")
        ),
        PreviewPage(
            "server-error", _("Something went wrong"),
            lambda: render_template("errors/server_error.html"),
        ),
        PreviewPage(
            "form-expired", _("Form expired"), lambda: render_template("errors/csrf.html")
        ),
        PreviewPage(
            "too-large", _("Too much text"), lambda: render_template("errors/too_large.html")
        ),
    ]
    return pages


@bp.get("/translations")
@roles_required(*PREVIEW_ROLES)
def translation_index() -> Any:
    chosen = request.args.get("lang")
    if chosen not in languages():
        chosen = None
    pages = [(page.slug, page.title) for page in preview_pages()]
    pages.append(("messages", _("Text messages and e-mails")))
    return render_template(
        "staff/translations.html",
        reviews=[(lang, NATIVE_NAMES[lang], LANGUAGE_REVIEWS[lang]) for lang in languages()],
        pages=pages,
        chosen=chosen,
    )


@bp.get("/translations/<lang>/<slug>")
@roles_required(*PREVIEW_ROLES)
def translation_preview(lang: str, slug: str) -> Any:
    if lang not in languages():
        abort(404)
    if slug == "messages":
        return _messages_page(lang)
    found = {page.slug: page for page in preview_pages()}.get(slug)
    if found is None:
        abort(404)
    from flask_babel import get_locale

    banner_language = str(get_locale())
    with force_locale(lang):
        page_html = found.render()
    banner = Markup('<p class="notice preview-banner" lang="{}" dir="ltr">{}</p>').format(
        banner_language, _("Preview with sample data: nothing you enter is saved.")
    )
    return page_html.replace("<body>", "<body>\n" + str(banner), 1)
