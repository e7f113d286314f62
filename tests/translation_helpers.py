"""Reading the source's messages and the catalogues the way pybabel does, for the i18n tests."""

from __future__ import annotations

import html.parser
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
#: The same keywords as `make translations`.
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "_l": None,
    "lazy_gettext": None,
    "lazy_pgettext": ((1, "c"), 2),
}

_PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")


@dataclass
class SourceMessage:
    msgid: str
    #: The msgctxt, for one English text with two meanings ("Language").
    context: str | None = None
    locations: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.context, self.msgid)


@cache
def source_messages() -> dict[tuple[str | None, str], SourceMessage]:
    """Every message in the source by (msgctxt, msgid), with the files it comes from (what
    pybabel extract sees)."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    messages: dict[tuple[str | None, str], SourceMessage] = {}
    for filename, _lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        msgid = message if isinstance(message, str) else message[0]
        if not msgid:
            continue
        key = (context, msgid)
        messages.setdefault(key, SourceMessage(msgid, context)).locations.add(filename)
    return messages


@cache
def catalogue(language: str) -> Catalog:
    path = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
    with open(path, "rb") as po:
        return read_po(po, locale=language)


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def has_bare_percent(text: str) -> bool:
    """A ``%`` that is not part of a named placeholder breaks ``gettext(text, **values)``."""
    return "%" in _PLACEHOLDER.sub("", text).replace("%%", "")


class _VisibleText(html.parser.HTMLParser):
    _HIDDEN = {"script", "style"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self._hidden += 1
        for name, value in attrs:
            # What a screen reader says counts as visible text too.
            if name in ("aria-label", "title", "alt", "placeholder") and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(page_html: str) -> str:
    parser = _VisibleText()
    parser.feed(page_html)
    return " ".join(" ".join(parser.parts).split())


def english_pattern(msgid: str) -> re.Pattern[str] | None:
    """A pattern for an English text on a page, or None for texts too short to tell.

    Single words and short phrases ("Next", "COS-P") are left out: they can be loanwords or
    names in other languages too. Placeholders match any text.
    """
    words = _PLACEHOLDER.sub(" ", msgid).split()
    if len(words) < 4:
        return None
    pieces = [re.escape(" ".join(piece.split())) for piece in _PLACEHOLDER.split(msgid)[::2]]
    return re.compile(".+?".join(piece for piece in pieces))
