"""Questionnaire definitions: content, validation naming file and field, locked versions."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.questionnaires import (
    DEFINITIONS_DIR,
    KEYS,
    MAX_QUESTIONS,
    QUESTION_TYPES,
    DefinitionError,
    load_all,
    load_file,
    read_lock,
)

VALID = """
key = "cos-p"
version = 9
status = "draft"
title = "T"
intro = "I"
[[pages]]
id = "p1"
title = "Page"
[[pages.questions]]
id = "q1"
type = "yesno"
text = "Q?"
"""


def write(tmp_path: Path, text: str, name: str = "cos-p.v9.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_three_questionnaires_load():
    registry = load_all()
    assert sorted(registry.keys()) == sorted(KEYS)
    for key in KEYS:
        definition = registry.current(key)
        assert definition.status == "published"
        assert 5 <= len(definition.questions) <= MAX_QUESTIONS


def test_every_question_type_is_used_somewhere():
    used = {q.type for d in load_all() for q in d.questions}
    assert used == set(QUESTION_TYPES)


def test_each_questionnaire_ends_with_free_text_and_asks_about_feeling_respected():
    for definition in load_all():
        assert definition.questions[-1].type == "text"
        assert any("respected" in q.text for q in definition.questions)


def test_published_versions_never_change_shape():
    """A changed question needs a new version file; the lock records published fingerprints."""
    lock = read_lock()
    published = {f"{d.key}@{d.version}": d for d in load_all() if d.status == "published"}
    assert set(lock) == set(published), (
        "published.json and the published definition files disagree: a published version was "
        "removed, or a new one was published without recording its fingerprint"
    )
    for name, definition in published.items():
        assert definition.fingerprint() == lock[name], (
            f"{definition.path.name} changed after it was published. Put the change in a new "
            f"version file instead (e.g. {definition.key}.v{definition.version + 1}.toml)."
        )


def test_fingerprint_catches_a_changed_answer_code(tmp_path):
    original = load_file(DEFINITIONS_DIR / "18-months.v1.toml")
    text = (DEFINITIONS_DIR / "18-months.v1.toml").read_text(encoding="utf-8")
    changed = write(tmp_path, text.replace('[3, "No"]]', '[9, "No"]]'), "18-months.v1.toml")
    assert load_file(changed).fingerprint() != original.fingerprint()


def test_a_valid_minimal_file_loads(tmp_path):
    definition = load_file(write(tmp_path, VALID))
    assert definition.questions[0].codes == (1, 0)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda t: t.replace('type = "yesno"', 'type = "slider"'), "pages[0].questions[0].type"),
        (lambda t: t.replace('id = "q1"', 'id = "1bad"'), "pages[0].questions[0].id"),
        (lambda t: t.replace('text = "Q?"', 'text = ""'), "pages[0].questions[0].text"),
        (lambda t: t.replace('text = "Q?"', 'text = "50% sure?"'), "must not contain %"),
        (lambda t: t.replace('status = "draft"', 'status = "live"'), "status"),
        (lambda t: t.replace("version = 9", "version = 8"), "version"),
        (lambda t: t.replace('key = "cos-p"', 'key = "other"'), "key"),
        (lambda t: t.replace('title = "Page"', ""), "pages[0].title"),
        (lambda t: t + 'colour = "red"\n', "unknown field(s): colour"),
        (lambda t: t + "required = 1\n", "pages[0].questions[0].required"),
        (lambda t: t + 'show_if = { question = "q9", equals = 1 }\n', "show_if.question"),
        (lambda t: t.replace('"yesno"', '"single"') + 'options = [[1, "A"], [1, "B"]]\n',
         "answer codes must be unique"),
        (lambda t: t.replace('"yesno"', '"single"') + 'options = [[1, "A"]]\n',
         "at least two"),
        (lambda t: t.replace('"yesno"', '"scale"') + 'options = [[1, "A"], [2, "B"]]\n',
         "five options coded 1 to 5"),
        (lambda t: t.replace('"yesno"', '"single"') + 'options = "nope"\n', "no option set"),
        (lambda t: t.replace('"yesno"', '"number"'), "min <= max"),
        (lambda t: t + "max_length = 0\n", "max_length"),
        (lambda t: t.replace("[[pages]]", "[[nothing]]"), "pages"),
        (lambda t: t + "[[[", "not valid TOML"),
    ],
)
def test_invalid_definitions_name_the_file_and_field(tmp_path, change, expected):
    path = write(tmp_path, change(VALID))
    with pytest.raises(DefinitionError) as error:
        load_file(path)
    assert str(error.value).startswith("cos-p.v9.toml: ")
    assert expected in str(error.value)


def test_too_many_questions_is_refused(tmp_path):
    questions = "".join(
        f'[[pages.questions]]\nid = "q{i}"\ntype = "yesno"\ntext = "Q{i}?"\n' for i in range(2, 27)
    )
    with pytest.raises(DefinitionError, match="26 questions; at most 25"):
        load_file(write(tmp_path, VALID + questions))


def test_bad_file_name_is_refused(tmp_path):
    with pytest.raises(DefinitionError, match="file name"):
        load_file(write(tmp_path, VALID, "cos-p.toml"))


def test_an_invalid_file_stops_start_up(tmp_path, monkeypatch):
    import portal.questionnaires as questionnaires
    from portal import create_app

    for source in DEFINITIONS_DIR.glob("*.toml"):
        write(tmp_path, source.read_text(encoding="utf-8"), source.name)
    write(tmp_path, VALID.replace('"yesno"', '"slider"'))
    monkeypatch.setattr(questionnaires, "DEFINITIONS_DIR", tmp_path)
    monkeypatch.setattr(questionnaires.load_all, "__defaults__", (tmp_path,))
    with pytest.raises(DefinitionError, match=r"cos-p.v9.toml: pages\[0\].questions\[0\].type"):
        create_app({"ENV": "testing", "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path / "i")})


def test_missing_questionnaire_stops_start_up(tmp_path):
    source = DEFINITIONS_DIR / "cos-p.v1.toml"
    write(tmp_path, source.read_text(encoding="utf-8"), source.name)
    with pytest.raises(DefinitionError, match="no published version of questionnaire '18-months'"):
        load_all(tmp_path)
