"""Mechanical guards on the catalogues themselves: what a back-translation review found once
and a test can keep from coming back. No obsolete entries, plural rules as CLDR has them, one
English text with two meanings kept apart by msgctxt, real header values, and the plain-language
and gender-neutral choices the review asked for."""

from __future__ import annotations

import gettext
import re

import pytest
from babel import Locale

from portal.config import PARENT_LANGUAGES
from portal.i18n import is_parent_facing

from .translation_helpers import TRANSLATIONS, catalogue, source_messages

PO_FILES = {lang: TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po" for lang in PARENT_LANGUAGES}

#: Languages whose nouns stay singular after every numeral ("2 hatırlatma", "۲ یادآوری"): the
#: gettext convention is one form, although CLDR separates "one" for other constructions.
ONE_FORM_LANGUAGES = {"fa", "tr"}


def _is_consent(locations: set[str] | list[str]) -> bool:
    # The consent texts are being rewritten per municipality (issue 14) with their own review.
    return any(str(loc).startswith("portal/consent/") for loc in locations)


@pytest.mark.parametrize("lang", PARENT_LANGUAGES)
def test_no_obsolete_entries(lang):
    """``#~`` entries are texts the source no longer has: a translator reviewing the file
    would review them too, and a union merge of two branches can bring them back."""
    obsolete = [
        line for line in PO_FILES[lang].read_text(encoding="utf-8").splitlines()
        if line.startswith("#~")
    ]
    assert not obsolete, f"{lang}: {len(obsolete)} obsolete lines, first: {obsolete[:2]}"


def _plural_partition(function, numbers: range) -> set[frozenset[int]]:
    groups: dict[object, set[int]] = {}
    for n in numbers:
        groups.setdefault(function(n), set()).add(n)
    return {frozenset(group) for group in groups.values()}


def _catalogue_plural(lang: str):
    header = PO_FILES[lang].read_text(encoding="utf-8").split("\n\n", 1)[0]
    joined = header.replace('"\n"', "")
    match = re.search(r"Plural-Forms: nplurals=(\d+); plural=([^;\\]+);", joined)
    assert match, f"{lang}: no Plural-Forms header"
    # The standard library's own reading of a C plural expression (as gettext uses it).
    return int(match.group(1)), gettext.c2py(match.group(2))


@pytest.mark.parametrize("lang", PARENT_LANGUAGES)
def test_plural_forms_follow_cldr(lang):
    """The header's rule puts whole numbers into the same groups as CLDR's plural rules
    (Tigrinya: 0 and 1 are "one", so ``plural=(n > 1)``, not ``n != 1``)."""
    nplurals, plural = _catalogue_plural(lang)
    numbers = range(0, 1001)
    rule = Locale.parse(lang).plural_form
    if lang in ONE_FORM_LANGUAGES:
        assert nplurals == 1 and _plural_partition(plural, numbers) == {frozenset(numbers)}
        return
    cldr = _plural_partition(rule, numbers)
    assert nplurals == len(cldr), (lang, nplurals, len(cldr))
    assert _plural_partition(plural, numbers) == cldr, lang
    assert {plural(n) for n in numbers} == set(range(nplurals))


def test_the_plural_check_would_catch_tigrinya_as_it_was():
    """The control for the test above: the old Tigrinya rule gives 0 the plural form."""
    numbers = range(0, 1001)
    assert _plural_partition(lambda n: int(n != 1), numbers) != _plural_partition(
        Locale.parse("ti").plural_form, numbers
    )


#: English texts that mean the same thing wherever they appear: an answer "Yes" is the
#: button "Yes".
SAME_MEANING_EVERYWHERE = {"Yes", "No"}


def _kind(location: str) -> str:
    if location.startswith("portal/questionnaires/") and location.endswith(".toml"):
        return "a questionnaire's text"
    if location.startswith("portal/consent/"):
        return "the consent text"
    return "the portal's own pages and messages"


def ambiguous_msgids(messages) -> list[tuple[str, list[str]]]:
    """Texts without msgctxt that come from two kinds of source (a questionnaire answer and a
    page label, say): one translation would have to serve two meanings."""
    found = []
    for message in messages:
        if message.context is not None or message.msgid in SAME_MEANING_EVERYWHERE:
            continue
        kinds = sorted({_kind(location) for location in message.locations})
        if len(kinds) > 1:
            found.append((message.msgid, kinds))
    return found


def test_no_msgid_serves_two_meanings_without_msgctxt():
    ambiguous = ambiguous_msgids(source_messages().values())
    assert not ambiguous, ambiguous


def test_the_msgctxt_check_would_catch_language_as_it_was():
    """The control: before msgctxt, "Language" came from the picker and the 3-years answers."""
    from .translation_helpers import SourceMessage

    before = SourceMessage(
        "Language", None, {"portal/parent/forms.py", "portal/questionnaires/3-years.v1.toml"}
    )
    assert ambiguous_msgids([before]) == [
        ("Language", ["a questionnaire's text", "the portal's own pages and messages"])
    ]
    # Now there are two entries, and each language translates them apart where it must.
    for lang in ("pl", "uk"):
        answer = catalogue(lang).get("Language").string
        picker = catalogue(lang).get("Language", context="language picker").string
        assert answer != picker, lang


@pytest.mark.parametrize("lang", PARENT_LANGUAGES)
def test_headers_carry_no_template_placeholders(lang):
    header = PO_FILES[lang].read_text(encoding="utf-8").split("\n\n", 1)[0]
    for placeholder in ("FULL NAME", "EMAIL@ADDRESS", "LL@li.org", "FIRST AUTHOR"):
        assert placeholder not in header, (lang, placeholder)
    translator = catalogue(lang).last_translator
    assert translator and "@ADDRESS" not in translator


def _parent_entries(lang: str):
    for message in catalogue(lang):
        locations = [path for path, _line in message.locations]
        if message.id and locations and is_parent_facing(locations) and not _is_consent(locations):
            strings = [message.string] if isinstance(message.string, str) else message.string
            yield message, [text for text in strings if text]


def test_danish_parent_texts_are_plain():
    """"venligst" is stiff and officious; "dagtilbud" and "forløb" are the administration's
    words (parents say vuggestue, dagpleje, børnehave and kursus)."""
    found = []
    for message, strings in _parent_entries("da"):
        for text in strings:
            for word in ("venligst", "dagtilbud", "forløb", "Du skal ikke gøre noget"):
                if word in text.lower() or word in text:
                    found.append((word, message.id))
    assert not found, found


@pytest.mark.parametrize("lang", ["pl", "uk", "ur"])
def test_no_gendered_slash_forms(lang):
    """"czułem/czułam", "згоден / згодна", "چاہتا/چاہتی": a parent should not have to pick
    their gender out of a button; the texts are worded so the verb is not gendered."""
    slash = re.compile(r"\w\s?/\s?\w|\w\(\w+\)\w")
    found = [
        (message.id, text)
        for message, strings in _parent_entries(lang)
        for text in strings
        if slash.search(text.replace("https://", "").replace("e-mail", ""))
    ]
    assert not found, found
