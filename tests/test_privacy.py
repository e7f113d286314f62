"""The privacy rules of DESIGN.md, checked against the models and against what parents see."""

from __future__ import annotations

import logging
import re
import uuid

import pytest
from sqlalchemy import Date, DateTime, Integer, Time

from portal.extensions import db
from portal.logging_filters import mask_tokens
from portal.models import personal, responses

from .conftest import EIGHTEEN_MONTHS, create_link, flush_responses

FORBIDDEN_NAME = re.compile(
    r"invitation|token|secret|hash|staff|user|phone|email|mail|contact|address|name|cpr|"
    r"created|updated|_at$|_on$|time|date|^ip$|_ip$|ip_",
    re.IGNORECASE,
)


def response_tables():
    return db.metadatas["responses"].tables.values()


def test_response_store_holds_nothing_that_links_back(app):
    with app.app_context():
        tables = list(response_tables())
    assert {t.name for t in tables} == {
        "response", "draft", "pending_submission", "release", "release_file", "text_review"
    }
    for table in tables:
        assert not table.foreign_keys, f"{table.name} references another table"
        for column in table.columns:
            assert not FORBIDDEN_NAME.search(column.name), f"{table.name}.{column.name}"
            assert not isinstance(column.type, DateTime | Date | Time), (
                f"{table.name}.{column.name} can hold a time finer than a month"
            )
            if column.primary_key:
                assert not isinstance(column.type, Integer), f"{table.name} has a sequential id"
                assert column.autoincrement is not True


def test_response_period_is_a_month_and_ids_are_uuid4(app, parent):
    _, token = create_link(app)
    parent.start(token)
    for number, answers in enumerate(EIGHTEEN_MONTHS, start=1):
        parent.answer(number, answers, action="submit" if number == 4 else "next")
    flush_responses(app)
    with app.app_context():
        (response,) = db.session.execute(db.select(responses.Response)).scalars()
        assert re.fullmatch(r"\d{4}-\d{2}", response.period)
        assert uuid.UUID(response.id).version == 4


def test_personal_store_never_records_a_response_or_draft_id(app):
    with app.app_context():
        for table in db.metadatas["personal"].tables.values():
            for column in table.columns:
                assert not re.search(r"response|draft|answer", column.name), (
                    f"{table.name}.{column.name}"
                )
    assert not hasattr(personal.Invitation, "response_id")


def test_no_model_is_shared_between_the_stores(app):
    with app.app_context():
        personal_tables = set(db.metadatas["personal"].tables)
        response_tables_ = set(db.metadatas["responses"].tables)
    assert personal_tables and response_tables_
    assert not personal_tables & response_tables_


def store_values(store: str) -> set[str]:
    """Every identifier-like value (longer than 16 characters) held in one store."""
    values = set()
    bind = {"bind": db.engines[store]}
    for table in db.metadatas[store].tables.values():
        for row in db.session.execute(table.select(), bind_arguments=bind):
            values.update(str(v) for v in row if v is not None and len(str(v)) > 16)
    return values


def test_the_stores_share_nothing_after_a_response(app, parent):
    """An attacker holding both stores finds no value that appears in both."""
    invitation_id, token = create_link(app)
    parent.start(token)
    for number, answers in enumerate(EIGHTEEN_MONTHS, start=1):
        parent.answer(number, answers, action="submit" if number == 4 else "next")
    with app.app_context():
        personal_values, response_values = store_values("personal"), store_values("responses")
    assert not personal_values & response_values


def test_parent_pages_never_show_personal_data(app, parent):
    invitation_id, token = create_link(app)
    pages = [parent.open(token), parent.choose_language("da"), parent.consent(True)]
    for number, answers in enumerate(EIGHTEEN_MONTHS, start=1):
        pages.append(parent.answer(number, answers, action="submit" if number == 4 else "next"))
    secret = token.split(".")[0]
    for page in pages:
        html = page.get_data(as_text=True)
        assert secret not in html
        assert f"invitation {invitation_id}" not in html.lower()
        assert "set-cookie" not in html.lower()


def test_no_token_reaches_a_log_line(app, caplog):
    _, token = create_link(app)
    caplog.set_level(logging.DEBUG)
    for name in ("werkzeug", "gunicorn.access", "portal"):
        logging.getLogger(name).info('127.0.0.1 - - "GET /s/%s HTTP/1.1" 303 -', token)
    app.test_client().get(f"/s/{token}")
    assert caplog.records
    assert token not in caplog.text
    assert token.split(".")[0] not in caplog.text
    assert "/s/<token>" in caplog.text


@pytest.mark.parametrize(
    "line",
    [
        "GET /s/abcdefghijklmnopqrstuv.awQ3vg.gJnXmozfYPg85peUz4JiyQGIdE4 HTTP/1.1",
        "GET /s/abc.def HTTP/1.1",
        "https://portal.example/s/a-b_c.d-e_f.g",
    ],
)
def test_mask_tokens(line):
    masked = mask_tokens(line)
    assert "/s/<token>" in masked
    assert ".awQ3vg" not in masked and "abc.def" not in masked


def test_mask_keeps_token_free_paths():
    assert mask_tokens("GET /s/page/2 HTTP/1.1") == "GET /s/page/2 HTTP/1.1"
    assert mask_tokens("GET /s/consent.txt") == "GET /s/consent.txt"


def test_gunicorn_access_log_masks_tokens():
    from types import SimpleNamespace

    from gunicorn.config import Config

    from portal.gunicorn_logging import TokenMaskingLogger

    logger = TokenMaskingLogger(Config())
    request = SimpleNamespace(
        method="GET",
        path="/s/abc.def.ghi",
        query="",
        uri="/s/abc.def.ghi",
        version=(1, 1),
        headers=[],
    )
    response = SimpleNamespace(status="303 See Other", sent=0, headers=[], response_length=0)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/s/abc.def.ghi",
        "PATH_INFO": "/s/abc.def.ghi",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
    }
    from datetime import timedelta

    atoms = logger.atoms(response, request, environ, timedelta(seconds=0.01))
    assert "abc.def" not in atoms["r"] and "/s/<token>" in atoms["r"]
    assert "abc.def" not in atoms["U"]
