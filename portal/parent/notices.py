"""The privacy notice (GDPR art. 13) and the accessibility statement: one per municipality,
readable with or without a link. Texts are catalogue templates filled with the municipality's
values (portal/municipalities.py), so every language stays complete."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app, render_template, request, session
from flask_babel import format_date

from .. import municipalities
from ..extensions import db
from ..i18n import LANGUAGE_STATUS, NATIVE_NAMES, languages
from ..models.personal import Invitation, Municipality
from . import bp

#: The Danish Data Protection Agency: the complaint route GDPR art. 13(2)(d) names.
DATATILSYNET_URL = "https://www.datatilsynet.dk/"
DATATILSYNET_CONTACT = "Carl Jacobsens Vej 35, 2500 Valby · +45 33 19 32 00 · dt@datatilsynet.dk"


def municipality_for_page() -> Municipality | None:
    """Whose notice this is: the one asked for (``?m=<code>``), else the parent's link's, else
    the only one. None: the page asks which."""
    code = request.args.get("m", "")
    if code:
        found = municipalities.find(code[:4])
        if found is not None:
            return found
    invitation_id = session.get("inv")
    if isinstance(invitation_id, int):
        invitation = db.session.get(Invitation, invitation_id)
        if invitation is not None:
            return invitation.municipality
    every = db.session.execute(db.select(Municipality).limit(2)).scalars().all()
    return every[0] if len(every) == 1 else None


def _choose(page: str) -> tuple[str, int]:
    return render_template(
        "parent/choose_municipality.html",
        page=page,
        municipalities=municipalities.all_municipalities(),
    ), 200


def _date(value: date | None) -> str | None:
    return format_date(value, format="long") if value else None


def privacy_context(municipality: Municipality) -> dict[str, Any]:
    """What the privacy notice template is filled with (also for the translation preview)."""
    details = municipalities.public_details(municipality)
    return {
        "m": details,
        "retention_days": int(current_app.config["RETENTION_DAYS"]),
        "datatilsynet_url": DATATILSYNET_URL,
        "datatilsynet_contact": DATATILSYNET_CONTACT,
    }


def accessibility_context(municipality: Municipality) -> dict[str, Any]:
    """What the accessibility statement is filled with (also for the translation preview)."""
    details = municipalities.public_details(municipality)
    drafts = [NATIVE_NAMES[code] for code in languages() if LANGUAGE_STATUS[code] != "reviewed"]
    return {
        "m": details,
        "reviewed_on": _date(details.accessibility_reviewed_on),
        "draft_languages": ", ".join(drafts),
        "complaint_url": current_app.config["ACCESSIBILITY_COMPLAINT_URL"],
    }


@bp.get("/privacy")
def privacy() -> Any:
    municipality = municipality_for_page()
    if municipality is None:
        return _choose("parent.privacy")
    return render_template("parent/privacy.html", **privacy_context(municipality))


@bp.get("/accessibility")
def accessibility() -> Any:
    municipality = municipality_for_page()
    if municipality is None:
        return _choose("parent.accessibility")
    return render_template("parent/accessibility.html", **accessibility_context(municipality))
