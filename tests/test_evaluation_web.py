"""The evaluation pages through a browser, logged in (needs the staff package: issue 3).

Skipped until ``portal.staff`` is merged and ``portal.evaluation.register(app)`` is called in
``create_app``.
"""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from portal.extensions import db
from portal.models.personal import AuditEvent

from .evaluation_data import ANSWERS_18, add_responses
from .test_evaluation_rates import S, invite

pytest.importorskip("portal.staff.auth", reason="the staff package (login, roles) is not merged")


@pytest.fixture(autouse=True)
def _mounted(app):
    if "evaluation" not in app.blueprints:
        pytest.skip("portal.evaluation.register(app) is not called in create_app yet")


def download(user, data: dict) -> tuple[object, bytes]:
    user.get("/evaluation/")
    response = user.client.post("/evaluation/export", data={"csrf_token": user.csrf(), **data})
    body = response.get_data()
    response.close()  # ends the streamed response's context, as a WSGI server does
    return response, body


def test_evaluator_downloads_every_format(app, staff_as):
    add_responses(app, 6, answers={**ANSWERS_18, "comments": "=1+1 æøå"})
    evaluator = staff_as("evaluator")
    for fmt in ("csv", "excel", "codebook", "datapackage", "zip"):
        response, body = download(evaluator, {"questionnaire": "18-months:1", "format": fmt})
        assert response.status_code == 200, (fmt, body[:2000])
        assert "attachment" in response.headers["Content-Disposition"]
        if fmt == "excel":
            assert body.startswith(b"\xef\xbb\xbf")
            assert "'=1+1 æøå".encode() in body
        if fmt in ("csv", "excel", "codebook"):
            # Once: Werkzeug would add a second "charset=utf-8" to a text mimetype.
            assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        if fmt == "zip":
            members = zipfile.ZipFile(io.BytesIO(body)).infolist()
            assert len(members) == 10
            # Dated when built, not zipfile's default 1980-01-01.
            assert all(m.date_time[0] >= 2024 for m in members)
    with app.app_context():
        events = db.session.execute(
            db.select(AuditEvent).filter_by(action="export.downloaded")
        ).scalars().all()
        assert len(events) == 5
        assert all(event.actor.startswith("staff:") for event in events)


def test_bad_filters_come_back_with_what_was_entered(app, staff_as):
    evaluator = staff_as("evaluator")
    evaluator.get("/evaluation/")
    response = evaluator.post(
        "/evaluation/export",
        {"questionnaire": "18-months:1", "format": "csv", "period_from": "2026-05",
         "period_to": "2026-01", "municipality": "0240"},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'value="2026-05"' in html and 'value="2026-01"' in html
    assert "2026-01" in html.split("error-summary", 1)[1]
    response = evaluator.post("/evaluation/export", {"questionnaire": "nope:1", "format": "csv"})
    assert response.status_code == 400
    assert "nope" in response.get_data(as_text=True)


def test_pages_for_each_role(app, staff_as):
    add_responses(app, 12)
    invite(app, "0240", S.COMPLETED, 6)
    paths = (
        "/evaluation/rates",
        "/evaluation/rates?questionnaire=18-months&period_from=2026-01",
        # The data is version 1; the page's default is the newest version (2 since exclusive
        # options), which has no responses yet.
        "/evaluation/answers?questionnaire=18-months:1",
        "/evaluation/answers?questionnaire=cos-p:1",
    )
    for role in ("evaluator", "coordinator", "admin"):
        user = staff_as(role)
        for path in paths:
            response = user.get(path)
            assert response.status_code == 200, (role, path)
            assert "<svg" in response.get_data(as_text=True) or "cos-p" in path
    health_visitor = staff_as("health_visitor")
    for path in ("/evaluation/", *paths):
        assert health_visitor.get(path).status_code == 403
    health_visitor.get("/staff/")
    response = health_visitor.client.post(
        "/evaluation/export", data={"questionnaire": "18-months:1", "format": "csv"}
    )
    assert response.status_code == 403


def test_coordinator_exports_only_their_municipality(app, staff_as):
    add_responses(app, 6, municipality="0101")
    add_responses(app, 6, municipality="0240")
    coordinator = staff_as("coordinator")
    response, body = download(coordinator, {"questionnaire": "18-months:1", "format": "csv"})
    rows = list(csv.reader(io.StringIO(body.decode())))
    assert {row[4] for row in rows[1:]} == {"0240"}
    coordinator.get("/evaluation/")
    response = coordinator.post(
        "/evaluation/export",
        {"questionnaire": "18-months:1", "format": "csv", "municipality": "0101"},
    )
    assert response.status_code == 400
