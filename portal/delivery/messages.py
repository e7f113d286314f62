"""The texts families receive, in their language. Neutral: they name the sender and the link,
never the family's situation or why they were visited.

Each text exists twice: once for the home visits at 1½ and 3 years ("the visit") and once for
the COS-P course ("the course"), because a course is not a visit. The SMS texts are kept short
enough that the Danish one is a single segment with the longest municipality name and a real
link, and every other language two at most (tests/test_sms_segments.py).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import gettext as _

from ..config import RTL_LANGUAGES
from ..models.personal import Municipality
from .sms import Segments, segments

#: RIGHT-TO-LEFT MARK. A phone or a plain-text mail client lays a message out in the direction
#: of its first strong character; an Arabic, Farsi or Urdu text that starts with a Latin
#: municipality name (or a quoted link) would otherwise be shown left to right.
RLM = "\u200f"

#: Questionnaires answered after a course rather than after a home visit.
COURSE_QUESTIONNAIRES = frozenset({"cos-p"})


@dataclass(frozen=True)
class Text:
    subject: str
    body: str
    sms: str
    #: The language the text is written in: the e-mail's Content-Language.
    language: str = "da"

    @property
    def sms_segments(self) -> Segments:
        return segments(self.sms)


def is_course(questionnaire_key: str | None) -> bool:
    return questionnaire_key in COURSE_QUESTIONNAIRES


def _starts_left_to_right(text: str) -> bool:
    """Whether the first character with a strong direction is a left-to-right one."""
    for character in text:
        direction = unicodedata.bidirectional(character)
        if direction in ("R", "AL"):
            return False
        if direction == "L":
            return True
    return False


def _directed(language: str, text: str) -> str:
    """The text with a right-to-left mark in front where a right-to-left language needs it:
    only where it would otherwise start left to right (an SMS pays for every character)."""
    if language.split("_")[0] in RTL_LANGUAGES and _starts_left_to_right(text):
        return RLM + text
    return text


def _text(language: str, subject: str, body: str, sms: str) -> Text:
    if language.split("_")[0] in RTL_LANGUAGES:
        # Mail clients take the direction from each paragraph (or from nothing at all): a mark
        # in front of the subject and of every line costs nothing and lays it all out right to
        # left, whatever the line starts with.
        subject = RLM + subject.lstrip(RLM)
        body = "\n".join(RLM + line.lstrip(RLM) if line else line for line in body.split("\n"))
    return Text(subject, body, _directed(language, sms), language)


def invitation_text(
    municipality: Municipality, language: str, url: str, questionnaire_key: str | None = None
) -> Text:
    """The first message: SMS, e-mail subject and e-mail body."""
    values = {"municipality": municipality.name, "link": url}
    with force_locale(language):
        if is_course(questionnaire_key):
            sms = _(
                "Hello from the health visitors in %(municipality)s. How was the COS-P course? "
                "Answer here: %(link)s",
                **values,
            )
            body = _(
                "Hello,\n\nThe health visitors in %(municipality)s would like to hear how the "
                "COS-P course was for you. It takes a few minutes. Nobody can see which answers "
                "are yours, not your health visitor either.\n\nAnswer here: %(link)s\n\n"
                "Thank you.",
                **values,
            )
        else:
            sms = _(
                "Hello from the health visitors in %(municipality)s. How was the visit? "
                "Answer here: %(link)s",
                **values,
            )
            body = _(
                "Hello,\n\nThe health visitors in %(municipality)s would like to hear how the "
                "visit was for you. It takes a few minutes. Nobody can see which answers are "
                "yours, not your health visitor either.\n\nAnswer here: %(link)s\n\nThank you.",
                **values,
            )
        subject = _("Questions from the health visitors in %(municipality)s", **values)
    return _text(language, subject, body, sms)


def reminder_text(
    municipality: Municipality,
    language: str,
    url: str | None,
    questionnaire_key: str | None = None,
) -> Text:
    """A reminder. Without ``url`` it points to the link the family already has."""
    values = {"municipality": municipality.name, "link": url or ""}
    with force_locale(language):
        if url and is_course(questionnaire_key):
            sms = _(
                "Reminder from the health visitors in %(municipality)s: how was the course? "
                "It is voluntary: %(link)s",
                **values,
            )
        elif url:
            sms = _(
                "Reminder from the health visitors in %(municipality)s: how was the visit? "
                "It is voluntary: %(link)s",
                **values,
            )
        else:
            sms = _(
                "Reminder from the health visitors in %(municipality)s: you have started "
                "answering. You can carry on with the link in our first message. It is "
                "voluntary.",
                municipality=municipality.name,
            )
        subject = _("Reminder: questions from the health visitors in %(municipality)s", **values)
        body = "\n\n".join([_("Hello,"), sms])
    return _text(language, subject, body, sms)
