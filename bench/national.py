"""A national-scale synthetic data set: 21 municipalities of realistic sizes, 24 months, ten
languages with Danish about 80 %, written straight into the response store.

``generate(app, total=60_000)``; tests use a smaller ``total``. Answers are random but valid
for 18-months v1, with a free-text comment on some rows.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

from flask import Flask
from sqlalchemy import insert

from portal.extensions import db
from portal.models.responses import Response

#: (code, relative size: roughly births per year), big cities to small islands.
MUNICIPALITIES = (
    ("0101", 9000), ("0751", 4000), ("0851", 2500), ("0461", 2300), ("0561", 1300),
    ("0630", 1200), ("0615", 950), ("0791", 900), ("0657", 500), ("0240", 480),
    ("0250", 300), ("0259", 650), ("0336", 250), ("0390", 130), ("0400", 350),
    ("0430", 180), ("0482", 120), ("0492", 45), ("0563", 25), ("0741", 22), ("0825", 8),
)
LANGUAGES = (("da", 80.0), ("ar", 4.0), ("en", 3.5), ("tr", 2.5), ("pl", 2.5), ("so", 1.8),
             ("uk", 2.0), ("fa", 1.5), ("ur", 1.2), ("ti", 1.0))
MONTHS = tuple(f"{2025 + m // 12}-{m % 12 + 1:02d}" for m in range(24))
COMMENTS = ("Tak for besøget", "Rigtig godt", "min søn Ahmed på 3 år har astma",
            "Ring 12 34 56 78", "Det var fint")


def random_answers(rng: random.Random) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "visit_useful": rng.randint(1, 5),
        "listened": rng.choice((3, 4, 4, 5, 5, 5)),
        "respected": rng.choice((4, 5, 5, 5)),
        "adv_sleep": rng.randint(1, 4),
        "adv_food": rng.randint(1, 4),
        "adv_language": rng.randint(1, 4),
        "interp_needed": rng.choice((0, 0, 0, 1)),
        "changes": sorted(rng.sample((1, 2, 3, 4, 5), rng.randint(0, 3))),
        "visit_again": rng.choice((0, 1, 1, 1)),
    }
    if answers["interp_needed"]:
        answers["interp_avail"] = rng.randint(1, 3)
    if rng.random() < 0.1:
        answers["comments"] = rng.choice(COMMENTS)
    return answers


def generate(app: Flask, total: int = 60_000, seed: int = 1000) -> int:
    """Write ``total`` responses of 18-months v1; returns how many."""
    rng = random.Random(seed)
    codes = [c for c, _ in MUNICIPALITIES]
    sizes = [s for _, s in MUNICIPALITIES]
    langs = [lang for lang, _ in LANGUAGES]
    weights = [w for _, w in LANGUAGES]
    with app.app_context():
        batch: list[dict[str, Any]] = []
        for _ in range(total):
            batch.append({
                "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "questionnaire_key": "18-months",
                "questionnaire_version": 1,
                "language": rng.choices(langs, weights)[0],
                "municipality_code": rng.choices(codes, sizes)[0],
                "period": rng.choice(MONTHS),
                "answers": random_answers(rng),
            })
            if len(batch) >= 5000:
                db.session.execute(insert(Response), batch)
                batch = []
        if batch:
            db.session.execute(insert(Response), batch)
        db.session.commit()
    return total
