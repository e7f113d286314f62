"""What a municipality pays for: every invitation and reminder, in every language, with the
longest municipality name and a real https host, counted in SMS segments as gateways count
them. Danish must be one segment, every other language two at most."""

from __future__ import annotations

import unicodedata

import pytest
from flask import Flask

from portal import links
from portal.config import PARENT_LANGUAGES, RTL_LANGUAGES
from portal.delivery import messages
from portal.delivery.sms import segments
from portal.models.personal import Municipality

#: The longest name of the 98 Danish municipalities, and a host of the kind they use.
LONGEST_MUNICIPALITY = "Ringkøbing-Skjern Kommune"
HOST = "https://sundhed.ringkobing-skjern.dk"
QUESTIONNAIRES = ("18-months", "3-years", "cos-p")

# GSM 03.38, written out again here rather than imported, so a mistake in portal/delivery/sms.py
# cannot hide itself: the basic table (one septet each) and the extension table (escape + one).
_GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENSION = "\f^{}\\[~]|€"


def gateway_segments(text: str) -> tuple[str, int, int]:
    """(encoding, units, segments): GSM-7 if every character is in its tables (extension
    characters count two septets), else UCS-2 counted in UTF-16 code units (a character outside
    the BMP counts two); one segment holds 160 septets or 70 units, a concatenated one 153 or
    67 (the rest is the concatenation header)."""
    if all(c in _GSM7_BASIC or c in _GSM7_EXTENSION for c in text):
        units = sum(2 if c in _GSM7_EXTENSION else 1 for c in text)
        single, part, encoding = 160, 153, "gsm7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, part, encoding = 70, 67, "ucs2"
    count = 1 if units <= single else -(-units // part)
    return encoding, units, count


def test_the_counter_counts_like_a_gateway():
    assert gateway_segments("a" * 160) == ("gsm7", 160, 1)
    assert gateway_segments("a" * 161) == ("gsm7", 161, 2)
    assert gateway_segments("a" * 306) == ("gsm7", 306, 2)
    assert gateway_segments("a" * 307) == ("gsm7", 307, 3)
    assert gateway_segments("€" * 80) == ("gsm7", 160, 1)  # the extension table counts double
    assert gateway_segments("€" * 81) == ("gsm7", 162, 2)
    assert gateway_segments("æøå ÆØÅ")[0] == "gsm7"
    assert gateway_segments("ç")[0] == "ucs2"  # only the capital Ç is in GSM-7
    assert gateway_segments("ş" * 70) == ("ucs2", 70, 1)
    assert gateway_segments("ş" * 71) == ("ucs2", 71, 2)
    assert gateway_segments("ş" * 134) == ("ucs2", 134, 2)
    assert gateway_segments("ş" * 135) == ("ucs2", 135, 3)
    assert gateway_segments("😀" * 35) == ("ucs2", 70, 1)  # outside the BMP: two units
    # The portal's own counter (shown to staff before sending) agrees.
    for text in ("a" * 161, "€" * 81, "ş" * 135, "😀" * 36, "Hej"):
        counted = segments(text)
        assert (counted.encoding, counted.units, counted.count) == gateway_segments(text)


def _all_messages(app: Flask) -> list[tuple[str, str, str, str]]:
    """(language, questionnaire, kind, SMS text) for every message the portal can send."""
    app.config["BASE_URL"] = HOST
    municipality = Municipality(code="760", name=LONGEST_MUNICIPALITY)
    texts = []
    with app.test_request_context():
        for lang in PARENT_LANGUAGES:
            for key in QUESTIONNAIRES:
                url = HOST + links.LINK_PREFIX + links.make_token(links.new_secret())
                built = {
                    "invitation": messages.invitation_text(municipality, lang, url, key),
                    "reminder with a new link": messages.reminder_text(
                        municipality, lang, url, key
                    ),
                    "reminder without a link": messages.reminder_text(
                        municipality, lang, None, key
                    ),
                }
                for kind, text in built.items():
                    texts.append((lang, key, kind, text.sms))
    return texts


def test_every_invitation_and_reminder_fits_its_segment_budget(app):
    problems = []
    seen = set()
    for lang, key, kind, sms in _all_messages(app):
        assert LONGEST_MUNICIPALITY in sms, (lang, kind)
        if kind != "reminder without a link":
            assert HOST + links.LINK_PREFIX in sms, (lang, kind)
        encoding, units, count = gateway_segments(sms)
        budget = 1 if lang == "da" else 2
        if count > budget:
            problems.append(f"{lang} {key} {kind}: {units} {encoding} units = {count} SMS")
        seen.add(lang)
    assert seen == set(PARENT_LANGUAGES)
    assert not problems, problems


def test_a_link_is_61_characters_with_a_real_host(app):
    app.config["BASE_URL"] = HOST
    with app.app_context():
        url = HOST + links.LINK_PREFIX + links.make_token(links.new_secret())
    assert len(url) == 61
    assert gateway_segments(url)[0] == "gsm7"


def test_course_and_visit_messages_differ(app):
    """A course is not called a visit: COS-P messages speak of the course."""
    texts = {
        (lang, key, kind): sms.split(HOST)[0] for lang, key, kind, sms in _all_messages(app)
    }
    for lang in PARENT_LANGUAGES:
        for kind in ("invitation", "reminder with a new link"):
            assert texts[(lang, "cos-p", kind)] != texts[(lang, "18-months", kind)], (lang, kind)
            assert texts[(lang, "3-years", kind)] == texts[(lang, "18-months", kind)]
    assert "COS-P" in texts[("da", "cos-p", "invitation")]
    assert "besøg" not in texts[("da", "cos-p", "invitation")]
    assert "besøg" in texts[("da", "3-years", "invitation")]


def _first_strong_direction(text: str) -> str:
    for character in text:
        direction = unicodedata.bidirectional(character)
        if direction in ("L", "R", "AL"):
            return "rtl" if direction in ("R", "AL") else "ltr"
    return "none"


@pytest.mark.parametrize("lang", sorted(RTL_LANGUAGES))
def test_right_to_left_messages_start_right_to_left(app, lang):
    """Phones and plain-text mail clients take a paragraph's direction from its first strong
    character: an Urdu text that starts with "Ringkøbing-Skjern" would be laid out left to
    right. Fails for Urdu without the RIGHT-TO-LEFT MARKs (checked by hand by switching off the
    marks in ``messages._text``)."""
    municipality = Municipality(code="760", name=LONGEST_MUNICIPALITY)
    url = HOST + links.LINK_PREFIX + "x" * links.TOKEN_LENGTH
    with app.test_request_context():
        for key in QUESTIONNAIRES:
            for text in (
                messages.invitation_text(municipality, lang, url, key),
                messages.reminder_text(municipality, lang, url, key),
                messages.reminder_text(municipality, lang, None, key),
            ):
                assert text.language == lang
                assert _first_strong_direction(text.sms) == "rtl", text.sms
                assert _first_strong_direction(text.subject) == "rtl", text.subject
                for line in text.body.split("\n"):
                    if line:
                        assert _first_strong_direction(line) == "rtl", line
    # An SMS gets the mark only where it would start left to right (a character costs money).
    assert messages._directed(lang, "Ringkøbing: " + url) == messages.RLM + "Ringkøbing: " + url
    assert messages._directed(lang, "سلام " + url) == "سلام " + url
    # Left-to-right languages get no marks.
    with app.test_request_context():
        danish = messages.invitation_text(municipality, "da", url, "cos-p")
    assert messages.RLM not in danish.sms + danish.body + danish.subject


def test_the_table_in_the_docs_is_the_real_count(app):
    """docs/translations.md shows each message's length at the real length: the same figures
    this test computes (they were once 25 characters low, counted without the host)."""
    import re
    from pathlib import Path

    docs = (Path(__file__).resolve().parent.parent / "docs" / "translations.md").read_text(
        encoding="utf-8"
    )
    rows = {
        match.group(1): [cell.strip() for cell in match.group(2).split("|")]
        for match in re.finditer(r"^\| `(\w+)` \|((?: \d+ (?:GSM-7|UCS-2) = \d+ \|){5})$",
                                 docs, re.MULTILINE)
    }
    assert set(rows) == set(PARENT_LANGUAGES)
    texts = {(lang, key, kind): sms for lang, key, kind, sms in _all_messages(app)}
    columns = [
        ("18-months", "invitation"),
        ("cos-p", "invitation"),
        ("18-months", "reminder with a new link"),
        ("cos-p", "reminder with a new link"),
        ("18-months", "reminder without a link"),
    ]
    for lang in PARENT_LANGUAGES:
        computed = []
        for key, kind in columns:
            encoding, units, count = gateway_segments(texts[(lang, key, kind)])
            computed.append(f"{units} {'GSM-7' if encoding == 'gsm7' else 'UCS-2'} = {count}")
        assert rows[lang][:5] == computed, lang
