"""Demo data for ``make run``: a few municipalities and teams, nothing personal."""

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
