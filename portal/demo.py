"""Demo data for ``make run``: municipalities, teams, synthetic responses and (development
only) staff logins with a known password, printed by ``flask demo``."""

from __future__ import annotations

import random
import uuid
from typing import Any

from flask import current_app

from .extensions import db
from .models.personal import Municipality, Team
from .models.responses import Response
from .questionnaires import Definition
from .timeutil import utcnow

DEMO_MUNICIPALITIES = (
    ("0240", "Egedal Kommune", ("Sundhedsplejen Nord", "Sundhedsplejen Syd")),
    ("0101", "Københavns Kommune", ("Sundhedsplejen Nørrebro", "Sundhedsplejen Valby")),
    ("0751", "Aarhus Kommune", ("Sundhedsplejen Gellerup",)),
)
#: Made-up settings for the demo municipalities (example.dk addresses, unused phone ranges).
DEMO_SETTINGS = {
    "0240": {
        "service_name": "Sundhedsplejen i Egedal",
        "sms_sender": "Egedal",
        "contact_phone": "+45 72 59 00 00",
        "contact_email": "sundhedsplejen@egedal.example.dk",
        "opening_hours": "Man-fre 8-15",
        "controller_address": "Dronning Dagmars Vej 200, 3650 Ølstykke",
        "dpo_email": "dpo@egedal.example.dk",
        "accessibility_email": "webtilgaengelighed@egedal.example.dk",
        "accessibility_reviewed_on": "2026-11-30",
        "legal_basis": "consent",
    },
    "0101": {
        "service_name": "Sundhedsplejen i København",
        "sms_sender": "Kobenhavn",
        "contact_phone": "+45 33 66 00 00",
        "contact_email": "sundhedspleje@kk.example.dk",
        "opening_hours": "Man-tors 9-14",
        "controller_address": "Rådhuspladsen 1, 1550 København V",
        "dpo_email": "databeskyttelse@kk.example.dk",
        "accessibility_email": "tilgaengelighed@kk.example.dk",
        "accessibility_reviewed_on": "2026-10-15",
        "legal_basis": "public_task",
    },
}


def load_demo(responses: bool = True) -> bool:
    """Insert the demo organisations if the personal store is empty, and synthetic responses if
    the response store is empty. Returns True if it inserted anything."""
    wrote_responses = load_demo_responses() > 0 if responses else False
    if db.session.execute(db.select(Municipality.id).limit(1)).first():
        return wrote_responses
    from . import municipalities

    for code, name, teams in DEMO_MUNICIPALITIES:
        municipality = Municipality(code=code, name=name, legal_basis="consent",
                                    consent_version=1)
        municipality.teams = [Team(name=team) for team in teams]
        db.session.add(municipality)
        db.session.flush()
        settings = municipalities.clean_settings(DEMO_SETTINGS.get(code, {}))
        municipalities.apply_settings("demo", municipality, settings)
    db.session.commit()
    return True


#: Languages of the demo responses and their weights: mostly Danish, a few rare ones, so the
#: export's disclosure control has something to generalise.
DEMO_LANGUAGES = (("da", 70), ("en", 12), ("ar", 8), ("so", 4), ("ti", 1))
DEMO_RESPONSES = 300


def demo_answers(definition: Definition, rng: random.Random) -> dict[str, Any]:
    """Answers a parent could have given: valid codes, show-if respected, some left blank."""
    answers: dict[str, Any] = {}
    for question in definition.questions:
        if not question.is_visible(answers):
            continue
        if not question.required and rng.random() < 0.15:
            continue
        value = question.kind.demo_value(question, rng)
        if value is not None:
            answers[question.id] = value
    return answers


DEMO_COMMENTS = (
    "Tak for et godt besøg.",
    "Sundhedsplejersken tog sig god tid.",
    "Det var svært at finde tid til besøget.",
    "Thank you, it helped a lot.",
    "شكرا على الزيارة",
    "Ring gerne på 12 34 56 78 hvis I har spørgsmål.",
)


def load_demo_responses(count: int = DEMO_RESPONSES, seed: int = 1000) -> int:
    """Insert synthetic responses if the response store is empty. Returns how many it wrote."""
    if db.session.execute(db.select(Response.id).limit(1)).first():
        return 0
    registry = current_app.extensions["questionnaires"]
    definitions = [registry.current(key) for key in sorted({d.key for d in registry})]
    rng = random.Random(seed)  # noqa: S311  (reproducible demo data, not secrets)
    now = utcnow()
    # The last twelve months, counted back from this one.
    months = [
        f"{year:04d}-{month + 1:02d}"
        for year, month in (divmod(now.year * 12 + now.month - 1 - back, 12) for back in range(12))
    ]
    languages, weights = zip(*DEMO_LANGUAGES, strict=True)
    for _ in range(count):
        definition = rng.choice(definitions)
        db.session.add(
            Response(
                id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                questionnaire_key=definition.key,
                questionnaire_version=definition.version,
                language=rng.choices(languages, weights=weights)[0],
                municipality_code=rng.choices(
                    [code for code, _name, _teams in DEMO_MUNICIPALITIES], weights=(3, 5, 2)
                )[0],
                period=rng.choice(months),
                answers=demo_answers(definition, rng),
            )
        )
    db.session.commit()
    return count
#: Known password of every demo login. Demo users are only ever created in development.
DEMO_PASSWORD = "demo-password-1"  # noqa: S105  (development only, printed on purpose)
#: Known TOTP secret of every demo login (development only): add it to an authenticator app.
DEMO_TOTP_SECRET = "DEMODEMODEMODEMODEMODEMODEMODEMO"  # noqa: S105  (printed on purpose)
#: (e-mail, role, municipality code, team name or None)
DEMO_USERS = (
    ("sundhedsplejerske@egedal.demo", "health_visitor", "0240", "Sundhedsplejen Nord"),
    ("koordinator@egedal.demo", "coordinator", "0240", None),
    ("evaluator@egedal.demo", "evaluator", "0240", None),
    ("admin@egedal.demo", "admin", "0240", None),
)


def load_demo_staff() -> int:
    """Create the demo logins that are missing; returns how many it created."""
    from flask import current_app

    from .staff import accounts

    if current_app.config["ENV"] != "development":
        raise RuntimeError("demo logins exist only in development")
    created = 0
    from .staff import mfa

    for email, role, code, team_name in DEMO_USERS:
        existing = accounts.find_by_email(email)
        if existing is not None:
            if not mfa.is_enrolled(existing):  # made before logins needed a second factor
                mfa.enrol_with_secret(existing, DEMO_TOTP_SECRET)
                db.session.commit()
            continue
        municipality = db.session.execute(
            db.select(Municipality).filter_by(code=code)
        ).scalar_one()
        team = next((t for t in municipality.teams if t.name == team_name), None)
        user = accounts.create_user(
            "cli", email, role, municipality, team, password=DEMO_PASSWORD
        )
        mfa.enrol_with_secret(user, DEMO_TOTP_SECRET)
        db.session.commit()
        created += 1
    return created
