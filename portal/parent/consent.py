"""The consent text (configuration, versioned) and the parent's recorded decision."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app
from flask_babel import gettext

from ..extensions import db
from ..models.personal import ConsentRecord, Invitation

DEFAULT_FILE = Path(__file__).parent.parent / "consent" / "default.toml"


class ConsentTextError(ValueError):
    """The consent file is missing or incomplete; the message names the file and the field."""


@dataclass(frozen=True)
class ConsentText:
    version: str
    title: str
    paragraphs: tuple[str, ...]
    question: str
    yes: str
    no: str


@dataclass(frozen=True)
class RenderedConsent:
    """The text exactly as one parent saw it, in their language."""

    version: str
    title: str
    paragraphs: tuple[str, ...]
    question: str
    yes: str
    no: str

    @property
    def plain_text(self) -> str:
        return "\n\n".join((self.title, *self.paragraphs, self.question)) + "\n"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.plain_text.encode()).hexdigest()


def load_consent_text(path: Path) -> ConsentText:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConsentTextError(f"{path}: cannot be read: {error}") from None
    for field in ("version", "title", "question", "yes", "no"):
        if not isinstance(data.get(field), str) or not data[field].strip():
            raise ConsentTextError(f"{path}: {field}: must be a non-empty string")
    paragraphs = data.get("paragraphs")
    if not isinstance(paragraphs, list) or not paragraphs or not all(
        isinstance(p, str) and p.strip() for p in paragraphs
    ):
        raise ConsentTextError(f"{path}: paragraphs: must be a list of non-empty strings")
    return ConsentText(
        version=data["version"],
        title=data["title"],
        paragraphs=tuple(paragraphs),
        question=data["question"],
        yes=data["yes"],
        no=data["no"],
    )


def init_app(app: Flask) -> None:
    path = Path(app.config["CONSENT_FILE"] or DEFAULT_FILE)
    app.extensions["consent_text"] = load_consent_text(path)


def render_consent(invitation: Invitation) -> RenderedConsent:
    """The consent text in the current locale, with the municipality filled in."""
    text: ConsentText = current_app.extensions["consent_text"]
    values = {"municipality": invitation.municipality.name}
    return RenderedConsent(
        version=text.version,
        title=gettext(text.title),
        paragraphs=tuple(gettext(p, **values) for p in text.paragraphs),
        question=gettext(text.question),
        yes=gettext(text.yes),
        no=gettext(text.no),
    )


def record_consent(
    invitation: Invitation, decision: bool, consent: RenderedConsent, language: str
) -> ConsentRecord:
    """Store the decision with the text's version and hash; update the invitation's status."""
    record = ConsentRecord(
        invitation=invitation,
        decision=decision,
        text_version=consent.version,
        text_hash=consent.sha256,
        language=language,
    )
    db.session.add(record)
    invitation.record_decision(decision)
    db.session.commit()
    return record
