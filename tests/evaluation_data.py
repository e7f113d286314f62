"""Writing responses and invitations straight into the stores, for export, release and rate
tests."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from flask import Flask

from portal import links
from portal.extensions import db
from portal.models.personal import InvitationStatus, Municipality
from portal.models.responses import Response

S = InvitationStatus

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


def invite(app: Flask, code: str, status: InvitationStatus, n: int, *,
           when: datetime = datetime(2026, 3, 10), opened: bool = False,
           questionnaire: str = "18-months") -> None:
    """Issue ``n`` links in municipality ``code``, created ``when``, that ended up ``status``."""
    with app.app_context():
        municipality = db.session.execute(
            db.select(Municipality).filter_by(code=code)
        ).scalar_one()
        for _ in range(n):
            invitation = links.issue_link(questionnaire, 1, "da", municipality).invitation
            invitation.created_at = when
            invitation.status = status.value
            if opened or status in (S.OPENED, S.CONSENTED, S.COMPLETED, S.DECLINED):
                invitation.opened_at = when
        db.session.commit()
