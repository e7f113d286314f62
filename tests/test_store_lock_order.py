"""Two parents submitting at once must never wait for each other forever.

Each SQLite store has its own write lock. A request that holds the response store's lock and
then asks for the personal store's, while another request holds the personal one and asks for
the response store's, waits out the busy timeout and loses both requests (``make bench`` found
this with 50 parents). Every request therefore takes the personal store first. These tests
follow the transactions of a whole parent path and fail if any request ever begins a personal
transaction while a response-store transaction of its own is open.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event

from portal.extensions import db

from .conftest import EIGHTEEN_MONTHS, Parent, create_link


@pytest.fixture
def inversions(app) -> Iterator[list[str]]:
    """Names of requests that opened the personal store while holding the response store."""
    found: list[str] = []
    open_responses: set[int] = set()
    with app.app_context():
        personal, responses = db.engines["personal"], db.engines["responses"]

    def responses_begin(connection) -> None:
        open_responses.add(id(connection))

    def responses_end(connection) -> None:
        open_responses.discard(id(connection))

    def personal_begin(connection) -> None:
        from flask import has_request_context, request

        if open_responses and has_request_context():
            found.append(f"{request.method} {request.path}")

    listeners = [
        (responses, "begin", responses_begin),
        (responses, "commit", responses_end),
        (responses, "rollback", responses_end),
        (personal, "begin", personal_begin),
    ]
    for target, name, function in listeners:
        event.listen(target, name, function)
    yield found
    for target, name, function in listeners:
        event.remove(target, name, function)


def test_the_whole_parent_path_takes_the_personal_store_first(app, parent: Parent, inversions):
    _, token = create_link(app)
    parent.start(token)
    for number, answers in enumerate(EIGHTEEN_MONTHS, start=1):
        action = "submit" if number == len(EIGHTEEN_MONTHS) else "next"
        response = parent.answer(number, answers, action=action)
    assert response.status_code == 200 and "/s/thanks" in response.request.path
    # A retry after the answers were stored, and the link opened again afterwards.
    parent.client.get("/s/page/4")
    parent.open(token)
    assert inversions == []


def test_reopening_a_link_with_a_draft_takes_the_personal_store_first(
    app, parent: Parent, inversions
):
    _, token = create_link(app)
    parent.start(token)
    parent.answer(1, EIGHTEEN_MONTHS[0])
    parent.client.get(f"/s/{token}")
    assert inversions == []
