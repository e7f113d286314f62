"""Mixed batches: submitted responses reach the ``response`` table only many at a time.

A submit stores a ``PendingSubmission`` (durable at once, in the same transaction that marks
the draft submitted). ``flush`` moves every pending submission into ``response`` in one
transaction, in random order, with new random ids, once at least PORTAL_MIX_MIN_BATCH are
waiting across the whole deployment, or once one has waited PORTAL_MIX_MAX_ROUNDS scheduled runs
(the timeout; such a batch may be smaller, which docs/privacy.md states as a residual). So the
order of rows in the table, their transaction id (PostgreSQL ``xmin``), WAL frames and page
placement say nothing finer than "in this batch".

What held the pending rows is then erased: on SQLite the rows are deleted under
``secure_delete`` (zeroed in the file) and the WAL is checkpointed and truncated to zero bytes;
on PostgreSQL the pending table is locked and truncated in the flush transaction (a new, empty
file: no dead tuples for a physical backup), and the evaluators' role cannot read it at all.

Safe to run twice at once (SQLite: one writer at a time; PostgreSQL: the table lock; the second
run finds nothing), and a crash mid-batch loses and doubles nothing (one transaction).
"""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, insert, select, update

from . import stores
from .extensions import db
from .models.responses import PendingSubmission, Response

log = logging.getLogger(__name__)
_random = secrets.SystemRandom()


@dataclass
class FlushResult:
    #: Rows moved into ``response`` by this run (0: nothing was due).
    flushed: int = 0
    #: Pending submissions left waiting after this run.
    waiting: int = 0
    #: True when the batch went out below the minimum because of the timeout.
    forced: bool = False
    #: Whether the trace of the pending rows was erased (SQLite: WAL truncated).
    scrubbed: bool = False


def enabled() -> bool:
    # Off only in tests that show an attack succeeding without the protection (config.py
    # refuses it outside testing).
    return bool(current_app.config["MIX_RESPONSES"])


def minimum() -> int:
    return max(1, int(current_app.config["MIX_MIN_BATCH"]))


def add_pending(values: dict[str, Any]) -> None:
    """Queue one submitted response (the caller commits, with the draft's submitted marker).

    Without mixing (tests of the unprotected build only) it goes straight into ``response``,
    as the portal did before."""
    if not enabled():
        db.session.add(Response(id=str(uuid.uuid4()), **values))
        return
    db.session.add(PendingSubmission(id=str(uuid.uuid4()), rounds=0, **values))


def waiting() -> int:
    count = db.session.execute(
        select(func.count()).select_from(PendingSubmission.__table__),
        bind_arguments={"bind": db.engines["responses"]},
    ).scalar_one()
    db.session.commit()
    return int(count)


def flush(*, scheduled: bool = False, force: bool = False,
          scrub_timeout_s: float | None = None) -> FlushResult:
    """Release a batch if one is due; ``scheduled`` runs (the timer) also count the wait.

    ``force`` releases whatever waits (an operator's choice, e.g. before an evaluation
    release; the output says the batch was below the minimum)."""
    result = FlushResult()
    engine = db.engines["responses"]
    postgres = engine.dialect.name == "postgresql"
    session = db.session
    if postgres:
        # Waits for submits in flight to commit and holds new ones while the flush runs (one
        # batch, briefly): then every committed pending row is seen, and truncating loses none.
        nowait = " NOWAIT" if scrub_timeout_s is not None else ""  # a request never queues
        session.execute(
            db.text(f"LOCK TABLE pending_submission IN ACCESS EXCLUSIVE MODE{nowait}"),
            bind_arguments={"bind": engine},
        )
    on = {"bind": engine}
    rows = list(session.execute(select(PendingSubmission.__table__), bind_arguments=on)
                .mappings())
    limit = int(current_app.config["MIX_MAX_ROUNDS"])
    timed_out = any(row["rounds"] + (1 if scheduled else 0) >= limit for row in rows)
    due = rows and (len(rows) >= minimum() or force or timed_out)
    if not due:
        if rows and scheduled:
            session.execute(update(PendingSubmission).values(rounds=PendingSubmission.rounds + 1),
                            bind_arguments=on)
        session.commit()
        result.waiting = len(rows)
        if scheduled:
            result.scrubbed = scrub(scrub_timeout_s)
        return result
    batch = [
        {key: row[key] for key in ("questionnaire_key", "questionnaire_version", "language",
                                   "municipality_code", "period", "answers")}
        for row in rows
    ]
    _random.shuffle(batch)
    for values in batch:
        values["id"] = str(uuid.uuid4())  # new ids: nothing ties a response to its pending row
    # One INSERT of the shuffled rows: their order in the table is the shuffled order.
    session.execute(insert(Response.__table__), batch, bind_arguments=on)
    if postgres:
        session.execute(db.text("TRUNCATE pending_submission"), bind_arguments={"bind": engine})
    else:
        ids = [row["id"] for row in rows]
        session.execute(delete(PendingSubmission).where(PendingSubmission.id.in_(ids)),
                        bind_arguments=on)
    session.commit()
    result.flushed = len(batch)
    result.forced = len(batch) < minimum()
    result.scrubbed = scrub(scrub_timeout_s)
    log.info("responses flushed: %d in one batch%s", len(batch),
             " (below the minimum: timeout or forced)" if result.forced else "")
    return result


def flush_when_full() -> None:
    """The opportunistic flush after a submit: only a full batch, and never an error for the
    parent (the scheduled run catches up)."""
    if not enabled():
        return
    try:
        if waiting() >= minimum():
            flush(scrub_timeout_s=0.5)
    except Exception:  # the parent's answer is stored; the timer retries
        db.session.rollback()
        log.exception("opportunistic flush failed; the scheduled flush will release the batch")


def scrub(timeout_s: float | None = None) -> bool:
    """Erase the trace of flushed pending rows. SQLite: checkpoint the WAL into the file and
    truncate it to zero bytes (the rows were already zeroed by ``secure_delete``). PostgreSQL:
    nothing left to do (the flush truncated the table). False if readers kept the WAL busy."""
    return stores.truncate_wal("responses", timeout_s)
