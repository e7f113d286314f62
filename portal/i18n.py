"""Locale selection, the language list parents pick from, and which texts parents see."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from babel import Locale
from flask import current_app, request, session
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from .config import RTL_LANGUAGES

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

#: Whether a professional translator has reviewed a language's catalogue ("reviewed") or it is
#: still a careful draft ("draft"). A municipality's translator who has reviewed a catalogue
#: changes its entry here; docs/translations.md shows the table and a test keeps them in step.
LANGUAGE_STATUS = {
    "da": "reviewed",
    "en": "reviewed",
    "ar": "draft",
    "fa": "draft",
    "ur": "draft",
    "so": "draft",
    "tr": "draft",
    "pl": "draft",
    "uk": "draft",
    "ti": "draft",
}

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


def text_direction(locale: str) -> str:
    """``rtl`` for Arabic, Farsi and Urdu, else ``ltr``: the value of ``<html dir>``."""
    return "rtl" if locale.split("_")[0] in RTL_LANGUAGES else "ltr"


def bound_gettext(translations: Any) -> dict[str, Any]:
    """``gettext``, ``ngettext`` and ``pgettext`` for one template render, bound to its catalogue.

    Flask-Babel's Jinja callables find the catalogue again, through several context lookups,
    for every string: about a fifth of a question page. A render happens inside whatever
    ``force_locale`` is in effect, so binding the catalogue found when it starts is the same
    catalogue. Same behaviour as Jinja's "newstyle" gettext: the result is marked safe where
    the template autoescapes, then formatted with the keyword arguments (escaped).
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
