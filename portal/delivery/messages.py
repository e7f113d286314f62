"""The texts families receive, in their language. Neutral: they name the sender and the link,
never the family's situation or why they were visited."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import gettext as _

from ..models.personal import Municipality
from .sms import Segments, segments


@dataclass(frozen=True)
class Text:
    subject: str
    body: str
    sms: str

    @property
    def sms_segments(self) -> Segments:
        return segments(self.sms)


def _sender(municipality: Municipality) -> str:
    # The municipality's own name for its service where it has set one (issue 14).
    return municipality.service_name or _(
        "the health visitors in %(municipality)s", municipality=municipality.name
    )


def invitation_text(municipality: Municipality, language: str, url: str) -> Text:
    # Kept short: the Danish SMS fits one segment with the longest municipality name and a
    # full-length link (tests/test_translations.py).
    values = {"municipality": municipality.name, "link": url}
    with force_locale(language):
        sms = _(
            "Hello. The health visitor service in %(municipality)s would like to hear how the "
            "visit went. Answer here: %(link)s",
            **values,
        )
        subject = _("Questions from the health visitor service in %(municipality)s", **values)
        body = _(
            "Hello.\n\nThe health visitor service in %(municipality)s would like to hear how the "
            "visit went. It takes a few minutes, and your answers are anonymous.\n\nAnswer "
            "here: %(link)s\n\nThank you.",
            **values,
        )
    return Text(subject, body, sms)


def reminder_text(municipality: Municipality, language: str, url: str | None) -> Text:
    """A reminder. Without ``url`` it points to the link the family already has."""
    with force_locale(language):
        sender = _sender(municipality)
        if url:
            sms = _(
                "A reminder from %(sender)s: we would still like to hear what you think of our "
                "visits. It is voluntary: %(url)s",
                sender=sender,
                url=url,
            )
        else:
            sms = _(
                "A reminder from %(sender)s: you have started answering our questions. You can "
                "carry on with the link in our first message. It is voluntary.",
                sender=sender,
            )
        subject = _("Reminder: a few questions about our visits")
        body = "\n\n".join([_("Hello,"), sms])
    return Text(subject, body, sms)
