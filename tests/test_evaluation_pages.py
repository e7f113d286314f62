"""The evaluation pages' content, rendered without login.

The routes need the staff package (login and roles), which is merged separately; these tests
render the real templates with the real page data, under stand-in endpoints for ``url_for``.
"""

from __future__ import annotations

import re
from datetime import datetime
from types import SimpleNamespace

import pytest
from flask import Blueprint, render_template
from flask_babel import force_locale

from portal.evaluation import pages
from portal.evaluation.filters import FORMATS, ExportFilters
from portal.evaluation.rates import response_rates

from .evaluation_data import ANSWERS_18, add_responses
from .test_evaluation_rates import S, invite


@pytest.fixture
def page_app(app):
    """The app with URL rules named like the evaluation blueprint's, so templates can link."""
    if "evaluation" in app.blueprints:  # the real blueprint is mounted (after the staff merge)
        return app
    stand_in = Blueprint("evaluation", __name__, url_prefix="/evaluation")
    for rule, endpoint in (("/", "index"), ("/export", "export"), ("/rates", "rates"),
                           ("/answers", "answers")):
        stand_in.add_url_rule(rule, endpoint, lambda: "")
    app.register_blueprint(stand_in)
    return app


MUNICIPALITIES = [("0101", "Københavns Kommune"), ("0240", "Egedal Kommune")]


def render(app, template: str, **context) -> str:
    with app.test_request_context("/evaluation/"), force_locale("da"):
        registry = app.extensions["questionnaires"]
        context.setdefault("questionnaires", pages.questionnaire_choices(registry))
        context.setdefault("municipalities", MUNICIPALITIES)
        context.setdefault("all_municipalities", True)
        context.setdefault("k", 5)
        context.setdefault("errors", {})
        return render_template(template, **context)


def test_export_form_keeps_what_was_entered_and_shows_errors(page_app):
    values = {"questionnaire": "18-months:1", "period_from": "2026-05", "period_to": "2026-01",
              "municipality": "0240", "format": "excel"}
    html = render(
        page_app, "evaluation/export.html", values=values,
        errors={"period_to": "Perioden slutter (2026-01), før den begynder (2026-05)."},
        formats=FORMATS, format_labels=pages.format_labels,
    )
    assert 'name="csrf_token"' in html
    assert 'value="2026-05"' in html and 'value="2026-01"' in html
    assert re.search(r'value="18-months:1"\s+selected', html)
    assert re.search(r'value="0240"\s+selected', html)
    assert re.search(r'value="excel"\s+checked', html)
    assert "Perioden slutter (2026-01)" in html
    assert 'href="#period_to"' in html  # the error summary links to the field
    assert "<script" not in html


def test_rates_page_shows_a_table_and_a_chart(page_app):
    invite(page_app, "0240", S.COMPLETED, 7, when=datetime(2026, 3, 1))
    invite(page_app, "0240", S.DECLINED, 2, when=datetime(2026, 3, 1))
    with page_app.app_context(), force_locale("da"):
        view = pages.rates_view(response_rates(), 5)
    html = render(page_app, "evaluation/rates.html", values={}, view=view,
                  questionnaire_keys=["18-months"])
    assert "<svg" in html and 'role="img"' in html
    assert "<table" in html and "<caption>" in html
    assert "&lt;5" in html  # two declined: hidden
    assert ">7<" in html
    assert "78 %" in html  # 7 of 9 sent


def test_answers_page_charts_every_choice_question(page_app):
    add_responses(page_app, 8, answers={**ANSWERS_18, "visit_useful": 5})
    add_responses(page_app, 6, answers={**ANSWERS_18, "visit_useful": 4})
    add_responses(page_app, 2, answers={**ANSWERS_18, "visit_useful": 2})
    with page_app.app_context(), force_locale("da"):
        definition = page_app.extensions["questionnaires"].get("18-months", 1)
        views = pages.answers_view(ExportFilters("18-months", 1), definition, 5)
    html = render(page_app, "evaluation/answers.html", values={"questionnaire": "18-months:1"},
                  views=views)
    assert "Hvor nyttigt var besøget for dig?" in html
    assert html.count("<svg") == sum(1 for v in views if not v.too_few)
    assert any(v.too_few for v in views)  # adv_food: nobody answered
    useful = next(v for v in views if v.text == "Hvor nyttigt var besøget for dig?")
    assert ("Meget nyttigt", "8", "50 %") in useful.table
    # 2 answers are too few; 6 goes with them, or 16 - 8 - 6 would give the 2 away.
    assert [row[1:] for row in useful.table if row[0] != "Meget nyttigt" and row[1] != "0"] == [
        ("8", "50 %")
    ]
    assert not any(label == "Nyttigt" and count == "6" for label, count, _s in useful.table)


def test_scope_by_role():
    municipality = SimpleNamespace(code="0240")
    assert pages.scope(SimpleNamespace(role="evaluator")) is None
    assert pages.scope(SimpleNamespace(role="admin")) is None
    assert pages.scope(SimpleNamespace(role="coordinator", municipality=municipality)) == ["0240"]
    assert pages.scope(SimpleNamespace(role="health_visitor", municipality=municipality)) == []
    assert pages.scope(None) == []
