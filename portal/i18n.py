"""Locale selection, the language list parents pick from, and which texts parents see."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from babel import Locale, UnknownLocaleError
from flask import current_app, request, session
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

#: Each language's name in its own script, as the picker shows it.
NATIVE_NAMES = {
    "da": "Dansk",
    "en": "English",
    "ar": "العربية",
    "fa": "فارسی",
    "ur": "اردو",
    "so": "Soomaali",
    "tr": "Türkçe",
    "pl": "Polski",
    "uk": "Українська",
    "ti": "ትግርኛ",
}

@dataclass(frozen=True)
class LanguageReview:
    """Who last reviewed a language's catalogue, when, and how far that review can be trusted.

    ``status`` is "reviewed" once a professional translator (or, for Danish and English, the
    project's own native speakers) has checked every parent-facing text, and "draft" until then.
    A municipality's translator who has reviewed a catalogue updates its entry here;
    docs/translations.md shows the same table and a test keeps the two in step.
    """

    status: str  # "reviewed" or "draft"
    reviewed_by: str
    reviewed_on: date
    how: str


_BACK_TRANSLATION = (
    "back-translation of all parent-facing entries by a non-native reviewer "
    "(shared/reviews/translations-2026-12.json); findings fixed"
)

LANGUAGE_REVIEWS: dict[str, LanguageReview] = {
    "da": LanguageReview(
        "reviewed", "project team; back-translation review; plain-language pass", date(2026, 12, 1),
        "every parent-facing entry read against the English; 'venligst', 'dagtilbud' and "
        "'forløb' replaced by everyday words",
    ),
    "en": LanguageReview(
        "reviewed", "project team", date(2026, 12, 1),
        "source texts; the privacy promises checked against docs/privacy.md",
    ),
    **{
        lang: LanguageReview(
            "draft",
            "non-native reviewer by back-translation; fixes by the portal team",
            date(2026, 12, 1),
            f"{_BACK_TRANSLATION}; reviewer's confidence: {confidence}",
        )
        for lang, confidence in (
            ("ar", "medium-high"),
            ("fa", "medium-high"),
            ("ur", "medium"),
            ("so", "low-medium"),
            ("tr", "medium-high"),
            ("pl", "medium-high"),
            ("uk", "medium-high"),
            ("ti", "low"),
        )
    },
}

#: "reviewed" or "draft" for each language (from LANGUAGE_REVIEWS).
LANGUAGE_STATUS = {lang: review.status for lang, review in LANGUAGE_REVIEWS.items()}

#: Staff and evaluation pages are offered in these languages only.
STAFF_LANGUAGES = ("da", "en")

#: Source folders whose texts only staff and evaluators read.
STAFF_ONLY_SOURCES = (
    "portal/staff/",
    "portal/evaluation/",
    "templates/staff/",
    "templates/evaluation/",
)

#: Sources inside staff code whose texts go to parents all the same: the SMS and e-mail
#: invitations a health visitor sends.
PARENT_MESSAGE_SOURCES = (
    "portal/delivery/",
    "portal/staff/messages.py",
)


def is_parent_facing(locations: Iterable[str]) -> bool:
    """Whether a message, given the files it is extracted from, can reach a parent.

    Everything is parent-facing unless every place it comes from is staff or evaluation code:
    a new text in a new parent module is then translated into all languages by default, and a
    text shared by a staff page and a parent page counts as the parent's.
    """
    paths = [path.replace("\\", "/").removeprefix("./") for path in locations]
    if not paths:
        return True
    for path in paths:
        if path.startswith(PARENT_MESSAGE_SOURCES):
            return True
        if not path.startswith(STAFF_ONLY_SOURCES):
            return True
    return False


def required_languages(locations: Iterable[str], enabled: Iterable[str]) -> list[str]:
    """The enabled languages a message must be translated into."""
    if is_parent_facing(locations):
        return list(enabled)
    return [lang for lang in enabled if lang in STAFF_LANGUAGES]


def languages() -> list[str]:
    """The languages parents can choose in this installation (``LANGUAGES`` setting)."""
    return list(current_app.config["LANGUAGES"])


#: Where staff and evaluators work; these pages exist only in STAFF_LANGUAGES.
STAFF_PATH_PREFIXES = ("/staff", "/evaluation")


def is_staff_path(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in STAFF_PATH_PREFIXES)


def select_locale() -> Locale:
    """Explicit choice, then the invitation's language, then the browser, then Danish.

    Staff and evaluation pages only choose between Danish and English: an Arabic browser must
    not get a right-to-left page of English fallback text.
    """
    return _locale(_locale_code())


@functools.cache
def _locale(code: str) -> Locale:
    # Flask-Babel would parse the code again on every request, which looks for the locale's
    # data file on disk each time; a Locale is immutable, so each is parsed once.
    return Locale.parse(code)


def _locale_code() -> str:
    if is_staff_path(request.path):
        enabled = [lang for lang in languages() if lang in STAFF_LANGUAGES]
        return request.accept_languages.best_match(enabled) or current_app.config[
            "BABEL_DEFAULT_LOCALE"
        ]
    enabled = languages()
    for key in ("lang", "invitation_lang"):
        value = session.get(key)
        if value in enabled:
            return value
    return request.accept_languages.best_match(enabled) or current_app.config[
        "BABEL_DEFAULT_LOCALE"
    ]


@functools.lru_cache(maxsize=64)
def text_direction(locale: str) -> str:
    """Babel's ``rtl`` or ``ltr`` for the locale (``ltr`` if Babel does not know it): the value
    of ``<html dir>``."""
    try:
        return Locale.parse(locale.replace("-", "_")).text_direction
    except (ValueError, TypeError, UnknownLocaleError):
        return "ltr"


def bound_gettext(translations: Any) -> dict[str, Any]:
    """``gettext``, ``ngettext`` and ``pgettext`` for one template render, bound to its catalogue.

    Flask-Babel's Jinja callables find the catalogue again, through several context lookups,
    for every string, a large share of rendering a question page (bench/README.md, section 3;
    kept after issue 19, as releases changed nothing on the parents' pages). A render happens
    inside whatever ``force_locale`` is in effect, so binding the catalogue found when it
    starts is the same catalogue. Same behaviour as Jinja's "newstyle" gettext: the result is
    marked safe where the template autoescapes, then formatted with the keyword arguments
    (escaped).
    """

    @pass_context
    def gettext(context: Context, string: str, /, **variables: Any) -> str:
        return _format(context, translations.ugettext(string), variables)

    @pass_context
    def ngettext(
        context: Context, singular: str, plural: str, num: int, /, **variables: Any
    ) -> str:
        variables.setdefault("num", num)
        return _format(context, translations.ungettext(singular, plural, num), variables)

    @pass_context
    def pgettext(context: Context, msgctxt: str, string: str, /, **variables: Any) -> str:
        return _format(context, translations.upgettext(msgctxt, string), variables)

    return {"gettext": gettext, "ngettext": ngettext, "pgettext": pgettext}


def _format(context: Context, text: str, variables: dict[str, Any]) -> str:
    if context.eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704  (our catalogue; the variables get escaped)
    return text % variables
