"""Response rates, answer distributions and charts: aggregate counts that obey k."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime

from portal import links
from portal.evaluation.charts import Bar, Segment, bar_chart, stacked_bars
from portal.evaluation.distributions import answer_distributions, safe_cells
from portal.evaluation.filters import ExportFilters
from portal.evaluation.rates import rates_table, response_rates
from portal.extensions import db
from portal.models.personal import Invitation, InvitationStatus, Municipality

from .evaluation_data import ANSWERS_18, add_responses

S = InvitationStatus


def invite(app, code: str, status: InvitationStatus, n: int, *, when=datetime(2026, 3, 10),
           opened: bool = False, questionnaire: str = "18-months") -> None:
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


def test_rates_count_every_stage(app):
    invite(app, "0240", S.COMPLETED, 6)
    invite(app, "0240", S.DECLINED, 2)
    invite(app, "0240", S.CONSENTED, 1)
    invite(app, "0240", S.OPENED, 1)
    invite(app, "0240", S.SENT, 3)
    invite(app, "0240", S.CREATED, 1)
    invite(app, "0240", S.EXPIRED, 1, opened=True)
    invite(app, "0240", S.COMPLETED, 5, when=datetime(2026, 4, 2))
    invite(app, "0101", S.COMPLETED, 3)
    invite(app, "0101", S.COMPLETED, 2, questionnaire="cos-p")
    with app.app_context():
        rows = response_rates()
        assert [(r.questionnaire, r.month, r.municipality) for r in rows] == [
            ("18-months", "2026-03", "0101"),
            ("18-months", "2026-03", "0240"),
            ("18-months", "2026-04", "0240"),
            ("cos-p", "2026-03", "0101"),
        ]
        march = rows[1]
        assert march.counts == {
            "invited": 15, "sent": 14, "opened": 11, "consented": 7, "completed": 6,
            "declined": 2,
        }
        assert march.shown(5)["declined"] == "<5"
        assert march.shown(5)["completed"] == "6"
        assert march.response_rate(5) == 6 / 14
        assert rows[0].response_rate(5) is None  # 3 sent: too few to show a rate
        only_0240 = response_rates(municipality="0240", period_from="2026-04")
        assert [(r.month, r.counts["completed"]) for r in only_0240] == [("2026-04", 5)]
        assert response_rates(questionnaire="3-years") == []


def test_a_table_with_totals_hides_enough_to_stop_differencing(app):
    invite(app, "0240", S.COMPLETED, 20)
    invite(app, "0101", S.COMPLETED, 9)
    invite(app, "0751", S.COMPLETED, 2)
    with app.app_context():
        rows = response_rates()
        shown, totals = rates_table(rows, 5)
    by_code = {row.municipality: cells for row, cells in zip(rows, shown, strict=True)}
    assert by_code["0751"]["completed"] == "<5"
    # 31 - 20 would give 0101 + 0751 = 11; with 0101 shown, 0751 = 2 would follow.
    assert by_code["0101"]["completed"] == "≥5"
    assert by_code["0240"]["completed"] == "20"
    assert totals["completed"] == "31"


def test_distributions_hide_small_cells_and_small_questions(app):
    add_responses(app, 12, answers={**ANSWERS_18, "visit_useful": 5})
    add_responses(app, 2, answers={**ANSWERS_18, "visit_useful": 1})
    add_responses(app, 4, answers={**ANSWERS_18, "visit_useful": 4, "adv_food": 2})
    with app.app_context():
        definition = app.extensions["questionnaires"].get("18-months", 1)
        filters = ExportFilters("18-months", 1)
        by_id = {d.question.id: d for d in answer_distributions(filters, definition)}
    useful = by_id["visit_useful"]
    assert useful.answered == 18
    assert useful.counts == {5: 12, 1: 2, 4: 4}
    cells = safe_cells(useful, 5)
    shown = {cell.code: cell.count for cell in cells}
    assert shown == {2: 0, 3: 0, 5: 12, None: 6}  # 2 and 4 folded together: at least 5
    assert abs(sum(cell.share for cell in cells) - 1) < 1e-9
    assert safe_cells(by_id["adv_food"], 5) is None  # 4 answers: not shown at all
    changes = {cell.code: cell.count for cell in safe_cells(by_id["changes"], 5)}
    assert changes[1] == 18 and changes[2] == 0


def test_charts_are_accessible_svg_without_scripts():
    svg = bar_chart(
        "Response rate <b>", [Bar("Egedal <script>", 0.42, "42 %"), Bar("Aarhus", None, "<5")]
    )
    root = ET.fromstring(str(svg))  # noqa: S314  (our own output)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg"
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{ns}title").get("id") == title_id
    assert root.find(f"{ns}title").text == "Response rate <b>"
    assert "Egedal <script>: 42 %" in root.find(f"{ns}desc").text
    assert "Aarhus: <5" in root.find(f"{ns}desc").text
    assert "<script" not in str(svg)
    assert root.find(f".//{ns}script") is None

    stacked = stacked_bars(
        "Visit useful",
        [("All", [Segment("Very useful", 0.7, "70 %"), Segment("Few answers", 0.3, "30 %", index=1,
                                                                 hidden=True)])],
        ["Very useful"],
        hidden_label="Few answers",
    )
    root = ET.fromstring(str(stacked))  # noqa: S314  (our own output)
    assert len(root.findall(f".//{ns}rect")) >= 2
    assert "Very useful 70 %" in root.find(f"{ns}desc").text


def test_rates_read_only_aggregates(app):
    """The rates query groups; it never returns an invitation's own columns."""
    invite(app, "0240", S.COMPLETED, 5)
    with app.app_context():
        rows = response_rates()
        assert len(rows) == 1
        assert set(vars(rows[0])) == {"questionnaire", "month", "municipality", "counts"}
        assert db.session.execute(db.select(db.func.count()).select_from(Invitation)).scalar() == 5
