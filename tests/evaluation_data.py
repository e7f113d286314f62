"""Writing responses straight into the response store, for export and rate tests."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Flask

from portal.extensions import db
from portal.models.responses import Response

#: A complete, valid 18-months v1 response.
ANSWERS_18: dict[str, Any] = {
    "visit_useful": 4,
    "listened": 5,
    "respected": 5,
    "adv_sleep": 1,
    "interp_needed": 0,
    "changes": [1, 3],
    "visit_again": 1,
}


def add_responses(
    app: Flask,
    n: int,
    *,
    questionnaire: str = "18-months",
    version: int = 1,
    municipality: str = "0240",
    language: str = "da",
    period: str = "2026-03",
    answers: dict[str, Any] | None = None,
) -> list[str]:
    """Write ``n`` responses sharing one (municipality, language, period); returns their ids."""
    ids = []
    with app.app_context():
        for _ in range(n):
            response_id = str(uuid.uuid4())
            ids.append(response_id)
            db.session.add(
                Response(
                    id=response_id,
                    questionnaire_key=questionnaire,
                    questionnaire_version=version,
                    language=language,
                    municipality_code=municipality,
                    period=period,
                    answers=dict(ANSWERS_18 if answers is None else answers),
                )
            )
        db.session.commit()
    return ids
