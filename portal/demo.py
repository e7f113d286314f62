"""Demo data for ``make run``: a few municipalities and teams, and (development only) staff
logins with a known password, printed by ``flask demo``."""

from __future__ import annotations

from .extensions import db
from .models.personal import Municipality, Team

DEMO_MUNICIPALITIES = (
    ("0240", "Egedal Kommune", ("Sundhedsplejen Nord", "Sundhedsplejen Syd")),
    ("0101", "Københavns Kommune", ("Sundhedsplejen Nørrebro", "Sundhedsplejen Valby")),
    ("0751", "Aarhus Kommune", ("Sundhedsplejen Gellerup",)),
)


def load_demo() -> bool:
    """Insert the demo organisations if the personal store is empty. Returns True if it did."""
    if db.session.execute(db.select(Municipality.id).limit(1)).first():
        return False
    for code, name, teams in DEMO_MUNICIPALITIES:
        municipality = Municipality(code=code, name=name)
        municipality.teams = [Team(name=team) for team in teams]
        db.session.add(municipality)
    db.session.commit()
    return True


#: Known password of every demo login. Demo users are only ever created in development.
DEMO_PASSWORD = "demo-password-1"  # noqa: S105  (development only, printed on purpose)
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
    for email, role, code, team_name in DEMO_USERS:
        if accounts.find_by_email(email) is not None:
            continue
        municipality = db.session.execute(
            db.select(Municipality).filter_by(code=code)
        ).scalar_one()
        team = next((t for t in municipality.teams if t.name == team_name), None)
        accounts.create_user("cli", email, role, municipality, team, password=DEMO_PASSWORD)
        created += 1
    return created
