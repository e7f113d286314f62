"""Exclusive options ("Nothing made it hard"): new questionnaire versions mark them, the parent
page explains and refuses the combination in the parent's language without losing what was
ticked, the codebook shows them, and version 1 data still exports as it was answered."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest

from portal.extensions import db
from portal.models.personal import Invitation
from portal.questionnaires import DefinitionError, load_all, load_file
from portal.questionnaires.answers import parse_value

from .conftest import create_link
from .evaluation_data import add_responses


def checked(html: str, name: str) -> set[str]:
    return set(re.findall(rf'name="{name}" value="(\d+)" checked', html))


def test_new_versions_mark_the_nothing_options_and_new_invitations_use_them(app):
    registry = load_all()
    cos_p, months = registry.current("cos-p"), registry.current("18-months")
    assert (cos_p.version, months.version) == (2, 2)
    assert cos_p.question("barriers").exclusive == (6,)
    assert months.question("changes").exclusive == (9,)
    # The published first versions are untouched (their fingerprints are locked too).
    assert registry.get("cos-p", 1).question("barriers").exclusive == ()
    invitation_id, _token = create_link(app, "cos-p")
    with app.app_context():
        assert db.session.get(Invitation, invitation_id).questionnaire_version == 2


def test_only_the_new_version_refuses_the_combination():
    registry = load_all()
    v1 = registry.get("cos-p", 1).question("barriers")
    v2 = registry.get("cos-p", 2).question("barriers")
    assert parse_value(v1, ["1", "6"]) == ([1, 6], None)
    value, error = parse_value(v2, ["1", "6"])
    assert value is None and error is not None
    assert parse_value(v2, ["6"]) == ([6], None)
    assert parse_value(v2, ["1", "3"]) == ([1, 3], None)


@pytest.mark.parametrize(
    ("language", "explanation", "error"),
    [
        ("da", "Vælg alle, der passer, eller kun »Intet gjorde det svært«.",
         "»Intet gjorde det svært« kan ikke vælges sammen med andre svar."),
        ("ar", "اختر كل ما يناسبك، أو «لم يكن هناك شيء صعب» وحدها.",
         "لا يمكن اختيار «لم يكن هناك شيء صعب» مع إجابات أخرى."),
        ("ti", "ዝምልከተኩም ኩሉ ምረጹ፣ ወይ ድማ «ዘጸገመኒ ነገር ኣይነበረን» ጥራይ።",
         "«ዘጸገመኒ ነገር ኣይነበረን» ምስ ካልኦት መልስታት ብሓባር ክምረጽ ኣይክእልን እዩ።"),
    ],
)
def test_the_page_explains_and_refuses_without_losing_the_answers(
    app, parent, language, explanation, error
):
    _invitation_id, token = create_link(app, "cos-p", language=language)
    parent.start(token, language)
    parent.get("/s/page/1")
    assert explanation in parent.page_html
    response = parent.answer(1, {"sessions": "6", "barriers": ["1", "6"]}, follow=False)
    assert response.status_code == 400
    assert error in parent.page_html
    # Nothing is lost: both ticks and the number are still there to correct.
    assert checked(parent.page_html, "barriers") == {"1", "6"}
    assert 'value="6"' in parent.page_html
    response = parent.answer(1, {"sessions": "6", "barriers": ["6"]}, follow=False)
    assert response.status_code == 303


def test_codebook_shows_the_exclusive_option(app, runner, tmp_path):
    add_responses(app, 5, questionnaire="cos-p", version=2,
                  answers={"sessions": 6, "barriers": [6], "recommend": 1})
    output = tmp_path / "cos-p.zip"
    result = runner.invoke(args=["export", "--questionnaire", "cos-p", "--format", "zip",
                                 "--output", str(output)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(output) as archive:
        rows = {row["variable"]: row for row in csv.DictReader(
            io.StringIO(archive.read("codebook.csv").decode("utf-8"))
        )}
    assert rows["barriers_6"]["exclusive"] == "6"
    assert "cannot be combined" in rows["barriers_6"]["notes_en"]
    assert "kan ikke kombineres" in rows["barriers_6"]["notes_da"]
    assert rows["barriers_1"]["exclusive"] == ""


def test_version_1_answers_with_both_ticked_still_export(app, runner, tmp_path):
    add_responses(app, 5, questionnaire="cos-p", version=1,
                  answers={"sessions": 6, "barriers": [1, 6], "recommend": 1})
    output = tmp_path / "v1.csv"
    result = runner.invoke(args=["export", "--questionnaire", "cos-p", "--version", "1",
                                 "--output", str(output)])
    assert result.exit_code == 0, result.output
    header, *body = list(csv.reader(output.open(encoding="utf-8", newline="")))
    row = dict(zip(header, body[0], strict=True))
    assert (row["version"], row["barriers_1"], row["barriers_6"]) == ("1", "1", "1")
    assert len(body) == 5


def test_a_definition_with_a_wrong_exclusive_names_the_file_and_field(tmp_path):
    source = load_all().get("cos-p", 2).path.read_text(encoding="utf-8")
    for bad, message in (
        (source.replace("exclusive = [6]", "exclusive = [7]"), "exclusive"),
        (source.replace('id = "recommend"', 'id = "recommend"\nexclusive = [1]'),
         "only multiple-choice"),
        # The export's missing-value codes are reserved.
        (source.replace('[3, "No"]]', '[-8, "No"]]'), "missing answers"),
    ):
        path = tmp_path / "cos-p.v2.toml"
        path.write_text(bad, encoding="utf-8")
        with pytest.raises(DefinitionError, match=message) as raised:
            load_file(path)
        assert "cos-p.v2.toml" in str(raised.value)


def test_demo_answers_keep_an_exclusive_option_alone(app):
    """The demo's made-up answers follow the same rule as the page."""
    from portal.demo import load_demo_responses
    from portal.models.responses import Response

    with app.app_context():
        load_demo_responses()
        registry = app.extensions["questionnaires"]
        combined = 0
        for response in db.session.execute(db.select(Response)).scalars():
            definition = registry.get(response.questionnaire_key, response.questionnaire_version)
            for question in definition.questions:
                value = response.answers.get(question.id)
                if question.exclusive and isinstance(value, list) and len(value) > 1:
                    assert not set(value) & set(question.exclusive), value
                    combined += 1
        assert combined > 10  # there were combinations to check
