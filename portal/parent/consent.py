"""The consent text (configuration, versioned, filled with the municipality's values) and the
parent's recorded decision."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flask import Flask, current_app
from flask_babel import format_date, gettext

from .. import municipalities
from ..extensions import db
from ..models.personal import ConsentRecord, Invitation, Municipality

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
    #: One paragraph per legal basis a municipality can choose (``consent``, ``public_task``).
    legal_basis: dict[str, str] = field(default_factory=dict)
    contact: str | None = None
    dpo: str | None = None


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
    for name in ("version", "title", "question", "yes", "no"):
        if not isinstance(data.get(name), str) or not data[name].strip():
            raise ConsentTextError(f"{path}: {name}: must be a non-empty string")
    for name in ("contact", "dpo"):
        if name in data and (not isinstance(data[name], str) or not data[name].strip()):
            raise ConsentTextError(f"{path}: {name}: must be a non-empty string")
    legal_basis = data.get("legal_basis", {})
    complete = isinstance(legal_basis, dict) and set(legal_basis) == set(
        municipalities.LEGAL_BASES
    ) and all(isinstance(t, str) and t.strip() for t in legal_basis.values())
    if legal_basis and not complete:
        raise ConsentTextError(
            f"{path}: legal_basis: needs one non-empty text for each of "
            f"{', '.join(municipalities.LEGAL_BASES)}"
        )
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
        legal_basis=dict(legal_basis),
        contact=data.get("contact"),
        dpo=data.get("dpo"),
    )


def init_app(app: Flask) -> None:
    path = Path(app.config["CONSENT_FILE"] or DEFAULT_FILE)
    app.extensions["consent_text"] = load_consent_text(path)


def consent_version(text: ConsentText, municipality: Municipality) -> str:
    """The deployment's text version and the municipality's own count of changes to the values
    it is filled with: a parent's record names exactly what they were shown."""
    code = getattr(municipality, "code", "") or "-"
    return f"{text.version}/{code}.{getattr(municipality, 'consent_version', None) or 1}"


def render_consent(invitation: Invitation) -> RenderedConsent:
    """The consent text in the current locale, filled with the invitation's municipality."""
    return render_for_municipality(invitation.municipality)


def render_for_municipality(municipality: Municipality) -> RenderedConsent:
    text: ConsentText = current_app.extensions["consent_text"]
    details = municipalities.public_details(municipality)
    values = {
        "municipality": details.name,
        "service": details.service
        or gettext("the health visitors in %(municipality)s", municipality=details.name),
        "contact": details.contact,
        "dpo": details.dpo,
    }
    paragraphs = [gettext(p, **values) for p in text.paragraphs]
    basis = text.legal_basis.get(details.legal_basis)
    if basis:
        paragraphs.append(gettext(basis, **values))
    # A paragraph without its value would say nothing; it appears once the value is set.
    if text.contact and details.contact:
        paragraphs.append(gettext(text.contact, **values))
    if text.dpo and details.dpo:
        paragraphs.append(gettext(text.dpo, **values))
    return RenderedConsent(
        version=consent_version(text, municipality),
        title=gettext(text.title),
        paragraphs=tuple(paragraphs),
        question=gettext(text.question),
        yes=gettext(text.yes),
        no=gettext(text.no),
    )


@dataclass(frozen=True)
class ConsentCopy:
    filename: str
    #: Plain ASCII name for clients that cannot read the UTF-8 one.
    ascii_filename: str
    text: str


def make_copy(
    invitation: Invitation, consent: RenderedConsent, privacy_url: str, today: date
) -> ConsentCopy:
    """What the parent keeps: the date, the text's version, their decision (if they made one)
    and the text itself, named in their language."""
    latest = invitation.consents[-1] if invitation.consents else None
    when = format_date(latest.recorded_at if latest else today, format="long")
    if latest is None:
        decision = gettext("You have not answered yet.")
    elif latest.decision:
        decision = gettext("Your answer: yes, you want to answer (%(date)s).", date=when)
    else:
        decision = gettext("Your answer: no, thank you (%(date)s).", date=when)
    header = [
        gettext("Copy of the consent text, %(date)s", date=format_date(today, format="long")),
        gettext("Version of the text: %(version)s", version=consent.version),
        decision,
    ]
    footer = gettext("Privacy notice: %(url)s", url=privacy_url)
    body = "\n".join(header) + "\n\n" + consent.plain_text + "\n" + footer + "\n"
    # TRANSLATORS: the name of the file with the saved consent text (no spaces).
    stem = gettext("consent-text").replace(" ", "-").replace("/", "-")
    return ConsentCopy(
        filename=f"{stem}-{today.isoformat()}.txt",
        ascii_filename=f"consent-text-{today.isoformat()}.txt",
        text=body,
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
