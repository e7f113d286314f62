"""Demo responses: enough, spread out, and valid for their questionnaire version."""

from __future__ import annotations

from portal.demo import DEMO_MUNICIPALITIES, load_demo, load_demo_responses
from portal.extensions import db
from portal.models.responses import Response


def test_demo_responses_are_spread_out_and_valid(app):
    with app.app_context():
        assert load_demo_responses() >= 200
        responses = db.session.execute(db.select(Response)).scalars().all()
        registry = app.extensions["questionnaires"]
        assert {r.municipality_code for r in responses} == {c for c, _, _ in DEMO_MUNICIPALITIES}
        assert {r.questionnaire_key for r in responses} == {"18-months", "3-years", "cos-p"}
        assert len({r.period for r in responses}) >= 6
        assert len({r.language for r in responses}) >= 3
        for response in responses:
            definition = registry.get(response.questionnaire_key, response.questionnaire_version)
            for question in definition.questions:
                value = response.answers.get(question.id)
                if question.required and question.is_visible(response.answers):
                    assert value is not None, (question.id, response.answers)
                if value is None:
                    continue
                assert question.is_visible(response.answers)
                if question.type == "multiple":
                    assert set(value) <= set(question.codes)
                elif question.type == "number":
                    assert question.minimum <= value <= question.maximum
                elif question.type == "text":
                    assert isinstance(value, str)
                else:
                    assert value in question.codes
            assert set(response.answers) <= {q.id for q in definition.questions}


def test_demo_responses_only_into_an_empty_store(app):
    with app.app_context():
        assert load_demo_responses() > 0
        count = db.session.execute(db.select(db.func.count()).select_from(Response)).scalar()
        assert load_demo_responses() == 0
        assert load_demo() is False
        after = db.session.execute(db.select(db.func.count()).select_from(Response)).scalar()
        assert after == count


def test_demo_command_adds_responses_once(app, runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0
    assert "synthetic demo responses loaded" in first.output
    second = runner.invoke(args=["demo"])
    assert "already present" in second.output
    assert "responses loaded" not in second.output
