"""The mixed-batch flush: when a batch goes out, and that it never loses or doubles a response."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event

from portal import mixing
from portal.extensions import db
from portal.models.responses import PendingSubmission, Response

from .conftest import EIGHTEEN_MONTHS, Parent, create_link


def submit(app, count: int) -> None:
    for index in range(count):
        _, token = create_link(app)
        parent = Parent(app.test_client())
        parent.start(token)
        for number, answers in enumerate(EIGHTEEN_MONTHS, start=1):
            last = number == len(EIGHTEEN_MONTHS)
            if last:
                answers = {**answers, "comments": f"family-{index:02d}"}
            parent.answer(number, answers, action="submit" if last else "next")
        assert parent.page_html and "Tak" in parent.page_html


def counts(app) -> tuple[int, int]:
    with app.app_context():
        pending = len(db.session.execute(db.select(PendingSubmission.id)).all())
        stored = len(db.session.execute(db.select(Response.id)).all())
        db.session.remove()
    return pending, stored


def comments(app) -> list[str]:
    with app.app_context():
        rows = db.session.execute(db.select(Response.answers)).scalars()
        return sorted(answers["comments"] for answers in rows)


def test_a_submit_waits_until_a_batch_is_full(app):
    app.config["MIX_MIN_BATCH"] = 3
    submit(app, 2)
    assert counts(app) == (2, 0), "thank you at once, but no response row yet"
    submit(app, 1)  # the third fills the batch: the submit flushes it
    assert counts(app) == (0, 3)


def test_the_command_releases_a_full_batch_and_says_what_it_did(app, runner):
    app.config["MIX_MIN_BATCH"] = 50
    submit(app, 2)
    result = runner.invoke(args=["responses", "flush"])
    assert result.exit_code == 0, result.output
    assert "Nothing released: 2 submissions waiting (a batch needs 50)" in result.output
    app.config["MIX_MIN_BATCH"] = 2
    result = runner.invoke(args=["responses", "flush"])
    assert "Released 2 responses in one mixed batch." in result.output
    assert counts(app) == (0, 2)


def test_the_timeout_counts_scheduled_runs_and_says_the_batch_was_small(app, runner):
    app.config.update(MIX_MIN_BATCH=50, MIX_MAX_ROUNDS=3)
    submit(app, 1)
    for _ in range(2):
        assert "Nothing released" in runner.invoke(args=["responses", "flush"]).output
    result = runner.invoke(args=["responses", "flush"])
    assert "Released 1 responses in one mixed batch (below the minimum" in result.output
    assert counts(app) == (0, 1)


def test_two_flushes_at_once_release_each_response_once(app):
    app.config["MIX_MIN_BATCH"] = 50
    submit(app, 6)
    barrier = threading.Barrier(2, timeout=10)
    results: list[int] = []

    def flush() -> None:
        with app.app_context():
            barrier.wait()
            results.append(mixing.flush(force=True).flushed)
            db.session.remove()

    threads = [threading.Thread(target=flush) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [0, 6]
    assert comments(app) == [f"family-{i:02d}" for i in range(6)]


def test_a_crash_in_the_middle_of_a_batch_loses_and_doubles_nothing(app):
    """The flush dies after inserting the batch and before removing the pending rows (as a
    killed process would): nothing is released, nothing lost; the next run releases all once.
    (bench/submissions.py kills a real flush process mid-batch.)"""
    app.config["MIX_MIN_BATCH"] = 50
    submit(app, 4)
    with app.app_context():
        engine = db.engines["responses"]

    def crash(conn, clauseelement, multiparams, params, execution_options):  # noqa: ANN001, ANN202
        if "pending_submission" in str(clauseelement) and str(clauseelement).lstrip()[:6] in (
            "DELETE", "TRUNCA"
        ):
            raise RuntimeError("killed mid-batch")

    event.listen(engine, "before_execute", crash)
    try:
        with app.app_context(), pytest.raises(RuntimeError, match="killed"):
            mixing.flush(force=True)
    finally:
        event.remove(engine, "before_execute", crash)
    assert counts(app) == (4, 0)
    with app.app_context():
        assert mixing.flush(force=True).flushed == 4
    assert counts(app) == (0, 4)
    assert comments(app) == [f"family-{i:02d}" for i in range(4)]


def test_the_unprotected_build_is_refused_outside_tests(tmp_path):
    from portal.config import ConfigError

    from .conftest import make_app

    with pytest.raises(ConfigError, match="MIX_RESPONSES"):
        make_app(tmp_path, None, ENV="development", MIX_RESPONSES=False)
