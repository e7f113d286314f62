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
    return _("the health visitors in %(municipality)s", municipality=municipality.name)


def invitation_text(municipality: Municipality, language: str, url: str) -> Text:
    with force_locale(language):
        sender = _sender(municipality)
        sms = _(
            "Hello. We, %(sender)s, would like to hear what you think of our visits. It takes "
            "about 5 minutes and is voluntary: %(url)s",
            sender=sender,
            url=url,
        )
        subject = _("A few questions about our visits")
        body = "\n\n".join(
            [
                _("Hello,"),
                _(
                    "We, %(sender)s, would like to hear what you think of our visits. It takes "
                    "about 5 minutes. Your answers are anonymous, and taking part is voluntary.",
                    sender=sender,
                ),
                _("Answer here: %(url)s", url=url),
                _("If you do not want to answer, you can ignore this message."),
            ]
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
