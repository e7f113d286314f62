"""The question-type registry: every built-in type has its module and template, and a new type
is a module plus a template (the toy ``postcode`` in tests/toy_types/), with no other change:
the definition loads, the page shows and parses it, the export and codebook describe it."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

import jinja2
import pytest
from flask import Flask

from portal.evaluation import codebook
from portal.evaluation.columns import cell_reader, export_columns
from portal.questionnaires import QUESTION_TYPES, DefinitionError, load_file, types
from portal.questionnaires.answers import read_page
from portal.staff.translation_preview import _question_page

TOY_DIR = Path(__file__).parent / "toy_types"
TEMPLATES = Path(__file__).parent.parent / "templates"

TOY_DEFINITION = """
key = "cos-p"
version = 9
status = "draft"
title = "T"
intro = "I"
[[pages]]
id = "p1"
title = "Page"
[[pages.questions]]
id = "where"
type = "postcode"
text = "Your postcode?"
[[pages.questions]]
id = "q1"
type = "yesno"
text = "Q?"
"""


@pytest.fixture
def toy_type(app: Flask) -> Iterator[None]:
    """Register the toy type and let the app find its template beside it, then take it away."""
    module = importlib.import_module("tests.toy_types.postcode")
    importlib.reload(module)  # registers again if an earlier test took it away
    loader = app.jinja_loader
    app.jinja_loader = jinja2.ChoiceLoader(
        [loader, jinja2.FileSystemLoader(str(TOY_DIR / "templates"))]
    )
    app.jinja_env.cache = {}
    yield
    types.unregister("postcode")
    app.jinja_loader = loader


def test_every_built_in_type_has_a_module_and_a_template():
    assert tuple(name for name in types.BUILT_IN if name in types.REGISTRY) == QUESTION_TYPES
    for name in QUESTION_TYPES:
        kind = types.get(name)
        assert kind.name == name
        assert (TEMPLATES / kind.template).is_file()


def test_an_unknown_type_is_refused_until_its_module_registers_it(tmp_path, app):
    path = tmp_path / "cos-p.v9.toml"
    path.write_text(TOY_DEFINITION, encoding="utf-8")
    with pytest.raises(DefinitionError, match="pages\\[0\\].questions\\[0\\].type"):
        load_file(path)


def test_a_toy_type_added_by_a_module_and_a_template_works_end_to_end(tmp_path, app, toy_type):
    path = tmp_path / "cos-p.v9.toml"
    path.write_text(TOY_DEFINITION, encoding="utf-8")
    definition = load_file(path)
    question = definition.question("where")
    assert question.kind.name == "postcode"
    page = definition.pages[0]
    with app.test_request_context("/"):
        values, errors = read_page(page, {"where": [" 8000 "], "q1": ["1"]}, {}, True)
        assert values == {"where": "8000", "q1": 1} and errors == {}
        _values, errors = read_page(page, {"where": ["80"], "q1": ["1"]}, {}, True)
        assert set(errors) == {"where"}
        _values, errors = read_page(page, {"q1": ["1"]}, {}, True)
        assert "where" not in errors  # not required
        html = _question_page(definition, 0, with_errors=False)
        assert 'class="postcode" id="in-where" name="where"' in html
        assert "Your postcode?" in html
        columns = export_columns(definition)
        answer = next(c for c in columns if c.name == "where")
        assert answer.type == "string"
        assert [c.name for c in columns][-4:] == ["where", "where_status", "q1", "q1_status"]
        cells = cell_reader(columns, str)({"where": "8000", "q1": 0})
        assert cells == ("8000", 1, 0, 1)
        assert cell_reader(columns, str)({"q1": 0}) == (None, -8, 0, 1)
        assert codebook.question_values(question, answer) == "four digits"
