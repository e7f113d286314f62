"""Locale selection and the language list parents pick from."""

from __future__ import annotations

from flask import current_app, request, session

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


def languages() -> list[str]:
    return list(current_app.config["LANGUAGES"])


def select_locale() -> str:
    """Explicit choice, then the invitation's language, then the browser, then Danish."""
    enabled = languages()
    for key in ("lang", "invitation_lang"):
        value = session.get(key)
        if value in enabled:
            return value
    return request.accept_languages.best_match(enabled) or current_app.config[
        "BABEL_DEFAULT_LOCALE"
    ]


def text_direction(locale: str) -> str:
    return "rtl" if locale.split("_")[0] in RTL_LANGUAGES else "ltr"
