"""Municipalities and teams: creating them, and each municipality's settings and texts.

The one home of the settings' rules: which there are, how each is checked, which of them the
consent text is filled with (a change of those is a new consent version), who may change them.
Every change is audited and saved as a :class:`MunicipalitySettingsVersion`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func

from . import audit
from .extensions import db
from .models.personal import Municipality, MunicipalitySettingsVersion, Role, StaffUser, Team

LEGAL_BASES = ("consent", "public_task")

#: Every setting staff can change, in the order forms show them.
SETTINGS = (
    "service_name",
    "sms_sender",
    "contact_phone",
    "contact_email",
    "opening_hours",
    "controller_address",
    "dpo_email",
    "dpo_phone",
    "accessibility_email",
    "accessibility_reviewed_on",
    "legal_basis",
)
#: The values the consent text is filled with: changing one changes what a parent agrees to,
#: so it is a new consent version (the name too, which only admins change).
CONSENT_SETTINGS = frozenset(
    {"name", "service_name", "contact_phone", "contact_email", "dpo_email", "dpo_phone",
     "legal_basis"}
)
#: What a municipality needs before its families are invited, for the warnings staff see.
RECOMMENDED = ("service_name", "contact_phone", "contact_email", "dpo_email",
               "accessibility_email", "accessibility_reviewed_on")

_CODE = re.compile(r"\d{4}")
#: Control characters have no place in a name or address a family reads: dropped.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
#: GSM gateways accept 11 letters, digits and spaces as an alphanumeric sender.
_SMS_SENDER = re.compile(r"[A-Za-z0-9 ]{1,11}")
_PHONE = re.compile(r"\+?[0-9 ()\-]{6,30}")
_MAX_LENGTH = {"service_name": 100, "opening_hours": 200, "controller_address": 200,
               "name": 100}


class SetupError(ValueError):
    """A change was refused; ``code`` says why and ``field`` which value (callers word it)."""

    def __init__(self, code: str, field: str | None = None):
        super().__init__(f"{field}: {code}" if field else code)
        self.code = code
        self.field = field


# --- municipalities and teams ---------------------------------------------------------------


def find(code: str) -> Municipality | None:
    code = (code or "").strip()
    if not _CODE.fullmatch(code):
        # Never a code: and a NUL byte from an address bar is refused by PostgreSQL.
        return None
    return db.session.execute(db.select(Municipality).filter_by(code=code)).scalar_one_or_none()


def all_municipalities() -> list[Municipality]:
    return list(db.session.execute(db.select(Municipality).order_by(Municipality.name)).scalars())


def check_name(name: str, field: str = "name") -> str:
    cleaned = " ".join(_CONTROL.sub("", name or "").split())
    if not cleaned:
        raise SetupError("missing", field)
    if len(cleaned) > _MAX_LENGTH["name"]:
        raise SetupError("too_long", field)
    return cleaned


def add_municipality(actor: str, code: str, name: str) -> Municipality:
    """A new municipality with its official four-digit code. Commits."""
    code = (code or "").strip()
    if not _CODE.fullmatch(code):
        raise SetupError("code_invalid", "code")
    if find(code) is not None:
        raise SetupError("code_taken", "code")
    municipality = Municipality(code=code, name=check_name(name), legal_basis="consent",
                                consent_version=1)
    db.session.add(municipality)
    db.session.flush()
    _save_version(municipality, actor)
    audit.record(actor, "municipality.created", f"municipality:{municipality.id}",
                 municipality=code)
    db.session.commit()
    return municipality


def rename_municipality(actor: str, municipality: Municipality, name: str) -> bool:
    """Change the name; True if it changed. A new name is a new consent version. Commits."""
    return bool(change(actor, municipality, {}, name=name))


def add_team(actor: str, municipality: Municipality, name: str) -> Team:
    name = check_name(name)
    if any(t.name.lower() == name.lower() for t in municipality.teams):
        raise SetupError("team_taken", "name")
    team = Team(municipality=municipality, name=name)
    db.session.add(team)
    db.session.flush()
    audit.record(actor, "team.created", f"team:{team.id}", municipality=municipality.code)
    db.session.commit()
    return team


def rename_team(actor: str, team: Team, name: str) -> bool:
    name = check_name(name)
    if name == team.name:
        return False
    if any(t.id != team.id and t.name.lower() == name.lower() for t in team.municipality.teams):
        raise SetupError("team_taken", "name")
    team.name = name
    audit.record(actor, "team.renamed", f"team:{team.id}", municipality=team.municipality.code)
    db.session.commit()
    return True


def find_team(municipality: Municipality, name: str) -> Team | None:
    return db.session.execute(
        db.select(Team).where(
            Team.municipality_id == municipality.id,
            func.lower(Team.name) == (name or "").strip().lower(),
        )
    ).scalar_one_or_none()


# --- settings --------------------------------------------------------------------------------


def can_edit_settings(actor: StaffUser, municipality: Municipality) -> bool:
    """Admins edit every municipality's settings, coordinators their own."""
    if actor.role == Role.ADMIN:
        return True
    return actor.role == Role.COORDINATOR and actor.municipality_id == municipality.id


def current_values(municipality: Municipality) -> dict[str, Any]:
    values: dict[str, Any] = {"name": municipality.name}
    for field in SETTINGS:
        value = getattr(municipality, field)
        values[field] = value.isoformat() if isinstance(value, date) else value
    return values


def clean_settings(raw: dict[str, Any]) -> dict[str, Any]:
    """Check and normalise submitted settings; raises SetupError naming the first bad field.
    Empty means "not set" (None). Only the keys given are returned."""
    cleaned: dict[str, Any] = {}
    for field, value in raw.items():
        if field not in SETTINGS:
            raise SetupError("unknown", field)
        value = str(value or "")
        text = (
            ", ".join(part.strip() for part in value.splitlines() if part.strip())
            if field == "controller_address"
            else " ".join(value.split())
        )
        text = _CONTROL.sub("", text)
        if field == "legal_basis":
            if text not in LEGAL_BASES:
                raise SetupError("legal_basis_invalid", field)
            cleaned[field] = text
            continue
        if not text:
            cleaned[field] = None
            continue
        if field == "sms_sender" and not _SMS_SENDER.fullmatch(text):
            raise SetupError("sms_sender_invalid", field)
        if field in ("contact_email", "dpo_email", "accessibility_email"):
            from .delivery import ContactError
            from .delivery.email import parse_email

            try:
                text = parse_email(text)
            except ContactError:
                raise SetupError("email_invalid", field) from None
        if field in ("contact_phone", "dpo_phone") and not _PHONE.fullmatch(text):
            raise SetupError("phone_invalid", field)
        if field == "accessibility_reviewed_on":
            try:
                cleaned[field] = date.fromisoformat(text)
            except ValueError:
                raise SetupError("date_invalid", field) from None
            continue
        if len(text) > _MAX_LENGTH.get(field, 254):
            raise SetupError("too_long", field)
        cleaned[field] = text
    return cleaned


def update_settings(actor: str, municipality: Municipality, raw: dict[str, Any]) -> list[str]:
    """Check and store settings; returns the names of what changed (audited, versioned).
    A change of a value the consent text shows makes a new consent version. Commits."""
    return change(actor, municipality, raw)


def change(
    actor: str, municipality: Municipality, raw: dict[str, Any], name: str | None = None
) -> list[str]:
    """Name and settings in one change: one version, one audit event. Everything is checked
    before anything is set. Commits."""
    cleaned = clean_settings(raw)
    if name is not None:
        new_name = check_name(name)
        if new_name != municipality.name:
            cleaned["name"] = new_name
    changed = apply_settings(actor, municipality, cleaned)
    if changed:
        audit.record(actor, "municipality.settings_changed", f"municipality:{municipality.id}",
                     municipality=municipality.code, changed=changed)
        db.session.commit()
    return changed


def field_errors(raw: dict[str, Any]) -> dict[str, str]:
    """Every refused field with its reason, for forms that show them all at once."""
    errors = {}
    for field, value in raw.items():
        try:
            clean_settings({field: value})
        except SetupError as error:
            errors[field] = error.code
    return errors


def apply_settings(actor: str, municipality: Municipality, cleaned: dict[str, Any]) -> list[str]:
    """Set checked values and save the version, without an audit event or a commit (the
    caller audits; demo data is not audited)."""
    changed = [f for f in ("name", *SETTINGS)
               if f in cleaned and getattr(municipality, f) != cleaned[f]]
    if not changed:
        return []
    for field in changed:
        setattr(municipality, field, cleaned[field])
    if CONSENT_SETTINGS & set(changed):
        municipality.consent_version = (municipality.consent_version or 1) + 1
    db.session.flush()
    _save_version(municipality, actor)
    return changed


def _save_version(municipality: Municipality, actor: str) -> None:
    db.session.add(
        MunicipalitySettingsVersion(
            municipality_id=municipality.id,
            consent_version=municipality.consent_version or 1,
            values=current_values(municipality),
            changed_by=actor,
        )
    )


def versions(municipality: Municipality) -> list[MunicipalitySettingsVersion]:
    return list(
        db.session.execute(
            db.select(MunicipalitySettingsVersion)
            .filter_by(municipality_id=municipality.id)
            .order_by(MunicipalitySettingsVersion.id.desc())
        ).scalars()
    )


def missing_settings(municipality: Municipality) -> list[str]:
    return [field for field in RECOMMENDED if not getattr(municipality, field)]


# --- what parents see --------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicDetails:
    """The values a municipality's parent texts are filled with (all the municipality's own,
    none a family's)."""

    name: str
    code: str
    service: str | None
    phone: str | None
    email: str | None
    opening_hours: str | None
    address: str | None
    dpo_email: str | None
    dpo_phone: str | None
    accessibility_email: str | None
    accessibility_reviewed_on: date | None
    legal_basis: str
    sms_sender: str | None

    @property
    def contact(self) -> str:
        return ", ".join(v for v in (self.phone, self.email) if v)

    @property
    def dpo(self) -> str:
        return ", ".join(v for v in (self.dpo_email, self.dpo_phone) if v)


def public_details(municipality: Municipality) -> PublicDetails:
    """Read with defaults: a preview passes a stand-in with only a name."""

    def value(field: str) -> Any:
        return getattr(municipality, field, None)

    return PublicDetails(
        name=municipality.name,
        code=value("code") or "",
        service=value("service_name"),
        phone=value("contact_phone"),
        email=value("contact_email"),
        opening_hours=value("opening_hours"),
        address=value("controller_address"),
        dpo_email=value("dpo_email"),
        dpo_phone=value("dpo_phone"),
        accessibility_email=value("accessibility_email") or value("contact_email"),
        accessibility_reviewed_on=value("accessibility_reviewed_on"),
        legal_basis=value("legal_basis") or "consent",
        sms_sender=value("sms_sender"),
    )
