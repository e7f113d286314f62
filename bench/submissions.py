"""Parts 2 and 3: many parents submit at once; optionally one worker is SIGKILLed mid-submit.

Each parent writes a marker of its own into the free-text answer, so reading the response store
back shows, parent by parent, that exactly one response was stored for every 303 on submit.

Responses reach the ``response`` table in mixed batches (portal/mixing.py): a watcher records
when each marker appears there, giving how long a submission waits before release at the bench's
rate. At the end a flush process is SIGKILLed in the middle of a batch (after inserting the
batch, before removing the pending rows), the flush is run again, and only then are responses
counted: still 0 lost, 0 doubled. ``flush_speed`` times the flush of many pending rows.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .client import EIGHTEEN_MONTHS, InFlight, Parent, UnexpectedResponse
from .server import HOST, Gunicorn, Portal

#: Any one parent gives up after this long, so a stuck server cannot hang the bench.
PARENT_DEADLINE_S = 120
#: Workers killed at most in the fault run, one after the other (kill_until_a_submit_is_cut_off).
MAX_KILLS = 5


def run(
    portal: Portal, server: Gunicorn, parents: int, kill_worker: bool = False
) -> dict[str, Any]:
    links = portal.links(parents)
    markers = [f"bench-{'k' if kill_worker else 'c'}-{i:05d}" for i in range(parents)]
    outcomes: list[dict[str, Any]] = [{} for _ in range(parents)]
    # In the fault run every parent waits at the submit button until all are there, and the
    # worker is killed just after they press it: then the killed worker certainly had a
    # submit in flight, rather than by luck.
    ready = Gate(parents) if kill_worker else None
    in_flight = InFlight()
    killed: dict[str, Any] = {}

    def one(index: int) -> None:
        # Each parent on a phone of their own: the per-address limit on opening links counts
        # them one by one, as it would in production.
        address = f"10.{index // 65536 % 256}.{index // 256 % 256}.{index % 256}"
        parent = Parent(HOST, server.port, address=address)
        outcome = outcomes[index]
        deadline = time.monotonic() + PARENT_DEADLINE_S
        # Without the fault a cut-off request is an error; with it the parent retries.
        retry_until = deadline if kill_worker else 0.0
        try:
            parent.start(links[index], retry_until=retry_until)
            last = len(EIGHTEEN_MONTHS)
            for number, answers in enumerate(EIGHTEEN_MONTHS, 1):
                if number == last:
                    answers = {**answers, "comments": markers[index]}
                    parent.get(f"/s/page/{number}", retry_until=retry_until)
                    if ready is not None:
                        ready.arrive(index, timeout=PARENT_DEADLINE_S)
                    before = len(parent.cut_off_paths)
                    parent.tracker = in_flight
                    reply = parent.post(
                        f"/s/page/{number}", {**answers, "action": "submit"},
                        retry_until=retry_until,
                    )
                    outcome["submit_cut_off"] = len(parent.cut_off_paths) > before
                    outcome["submitted"] = reply.location == "/s/thanks"
                    outcome["submitted_at"] = time.monotonic()
                    if not outcome["submitted"]:
                        outcome["error"] = f"submit went to {reply.location}"
                else:
                    parent.answer_page(number, answers, "next", retry_until=retry_until)
        except UnexpectedResponse as error:
            outcome["error"] = str(error)
            outcome["status"] = error.status
        except OSError as error:
            outcome["error"] = f"{type(error).__name__}: {error}"
        finally:
            if ready is not None:
                ready.withdraw(index)  # no-op once arrived; else nobody waits for this parent
        outcome["statuses"] = Counter(parent.statuses)
        outcome["retries"] = parent.retries
        outcome["cut_off"] = parent.cut_off_paths

    watch = ReleaseWatch(portal)
    watch.start()
    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=parents) as pool:
        futures = [pool.submit(one, i) for i in range(parents)]
        if ready is not None:
            ready.settled.wait(timeout=PARENT_DEADLINE_S)
            # Kill once more submits are on their way than there are workers: then every
            # worker is busy with one, and the victim's is cut off mid-request.
            workers = server.workers()
            waited_until = time.monotonic() + 10
            while in_flight.count < 2 * len(workers) and time.monotonic() < waited_until:
                time.sleep(0.002)
            killed = {"at_s": round(time.monotonic() - began, 2),
                      "parents_at_submit": ready.arrived,
                      "submits_in_flight": in_flight.count,
                      "pids": kill_until_a_submit_is_cut_off(server, in_flight)}
        for future in futures:
            future.result(timeout=PARENT_DEADLINE_S + 30)
    elapsed = time.monotonic() - began
    watch.stop()
    waits = sorted(
        watch.seen[m] - o["submitted_at"]
        for m, o in zip(markers, outcomes, strict=True)
        if o.get("submitted") and m in watch.seen
    )
    if not _waiting(portal):
        # The last batch filled exactly: a few more parents leave something pending, so the
        # flush below certainly has a batch to be killed in.
        for _ in range(3):
            links.extend(portal.links(1))
            markers.append(f"bench-{'k' if kill_worker else 'c'}-{len(markers):05d}")
            outcomes.append({})
            one(len(markers) - 1)
        parents = len(markers)
    flush_fault = kill_a_flush_mid_batch(portal)
    portal.flask("responses", "flush", "--force")  # the timer's next run releases the rest

    stored = stored_markers(portal)
    submitted = [m for m, o in zip(markers, outcomes, strict=True) if o.get("submitted")]
    counts = Counter(m for m in stored if m in set(markers))
    lost = [m for m in submitted if counts[m] == 0]
    doubled = [m for m in markers if counts[m] > 1]
    unexpected = [m for m in markers if counts[m] and m not in set(submitted)]
    statuses: Counter = Counter()
    for outcome in outcomes:
        statuses.update(outcome.get("statuses", {}))
    errors = [o["error"] for o in outcomes if "error" in o]
    cut_off_parents = [o for o in outcomes if o.get("cut_off")]
    result = {
        "parents": parents,
        "submitted": len(submitted),
        "seconds": round(elapsed, 2),
        "submissions_per_s": round(len(submitted) / elapsed, 1),
        "requests": sum(statuses.values()),
        "requests_per_s": round(sum(statuses.values()) / elapsed, 1),
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:5],
        "http_500": sum(n for code, n in statuses.items() if code >= 500),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "responses_stored": sum(counts.values()),
        "lost": len(lost),
        "doubled": len(doubled),
        "stored_without_303": len(unexpected),
        "release": {
            "min_batch": int(portal.env.get("PORTAL_MIX_MIN_BATCH", "10")),
            "released_while_running": len(waits),
            "left_for_the_timer": len(submitted) - len(waits),
            "wait_p50_s": round(waits[len(waits) // 2], 3) if waits else None,
            "wait_max_s": round(waits[-1], 3) if waits else None,
        },
        "flush_killed_mid_batch": flush_fault,
    }
    if kill_worker:
        submit_cut = [o for o in outcomes if o.get("submit_cut_off")]
        result["fault"] = {
            **killed,
            "parents_cut_off": len(cut_off_parents),
            "parents_whose_submit_was_cut_off": len(submit_cut),
            "their_retries": sum(o["retries"] for o in cut_off_parents),
            "cut_off_submits_ending_with_one_response": sum(
                1 for m, o in zip(markers, outcomes, strict=True)
                if o.get("submit_cut_off") and o.get("submitted") and counts[m] == 1
            ),
        }
    return result


def kill_until_a_submit_is_cut_off(server: Gunicorn, in_flight: InFlight) -> list[int]:
    """SIGKILL a worker; if none of the submits in flight was cut off (the victim was between
    two requests, or had sent its answer and was only closing up), the next one, up to
    MAX_KILLS. A submit ends in well under a millisecond of such bookkeeping, so one kill
    mostly suffices; without the retry a fast portal would sometimes dodge the fault."""
    killed: list[int] = []
    for _ in range(MAX_KILLS):
        victim = next((pid for pid in server.workers() if pid not in killed), None)
        if victim is None:
            break
        os.kill(victim, signal.SIGKILL)
        killed.append(victim)
        deadline = time.monotonic() + 1.0
        while not in_flight.cut_off and time.monotonic() < deadline:
            time.sleep(0.005)
        if in_flight.cut_off or not in_flight.count:
            break
    return killed


class Gate:
    """Holds parents at the submit button until every parent has arrived or dropped out."""

    def __init__(self, expected: int):
        self.expected = expected
        self.arrived = 0
        self._gone: set[int] = set()
        self._lock = threading.Lock()
        self.settled = threading.Event()

    def _check(self) -> None:
        if len(self._gone) >= self.expected:
            self.settled.set()

    def arrive(self, parent: int, timeout: float) -> None:
        with self._lock:
            self.arrived += 1
            self._gone.add(parent)
            self._check()
        self.settled.wait(timeout)

    def withdraw(self, parent: int) -> None:
        with self._lock:
            if parent not in self._gone:
                self._gone.add(parent)
                self._check()


def stored_markers(portal: Portal) -> list[str]:
    """Every stored response's free-text answer, read straight from the response store."""
    stores = portal.stores
    if stores.kind == "sqlite":
        with sqlite3.connect(f"file:{stores.responses_path}?mode=ro", uri=True) as conn:
            rows = conn.execute(
                "SELECT json_extract(answers, '$.comments') FROM response"
            ).fetchall()
        return [row[0] for row in rows if row[0]]
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(stores.responses_url).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False)) as conn:
        rows = conn.execute("SELECT answers FROM response").fetchall()
    return [
        (row[0] if isinstance(row[0], dict) else json.loads(row[0])).get("comments")
        for row in rows
    ]


class ReleaseWatch(threading.Thread):
    """Notes when each marker first appears in ``response`` (polled every 20 ms)."""

    def __init__(self, portal: Portal) -> None:
        super().__init__(daemon=True)
        self.portal = portal
        self.seen: dict[str, float] = {}
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                found = stored_markers(self.portal)
            except Exception:  # noqa: BLE001  (the store is busy or being created: next poll)
                found = []
            now = time.monotonic()
            for marker in found:
                self.seen.setdefault(marker, now)
            self._stop_event.wait(0.02)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=10)


#: Runs the flush in a child process that stops for good in the middle of its transaction (the
#: batch inserted, the pending rows not yet removed) and says so, to be SIGKILLed there.
_FLUSH_THAT_HANGS = """
import sys, time
from sqlalchemy import event
from portal import mixing
def hang(conn, clause, *args):
    text = str(clause).lstrip()
    if 'pending_submission' in text and text[:6] in ('DELETE', 'TRUNCA'):
        print('mid-batch', flush=True)
        time.sleep(600)
event.listen(db.engines['responses'], 'before_execute', hang)
mixing.flush(force=True)
"""


def _waiting(portal: Portal) -> int:
    return int(portal.in_app(
        "from portal import mixing\nprint(mixing.waiting())").strip().splitlines()[-1])


def kill_a_flush_mid_batch(portal: Portal) -> dict[str, Any]:
    pending = _waiting(portal)
    if not pending:
        return {"pending": 0, "killed": False, "note": "nothing was pending"}
    script = (
        "from portal import create_app\nfrom portal.extensions import db\n"
        "app = create_app()\nwith app.app_context():\n"
        + "".join(f"    {line}\n" for line in _FLUSH_THAT_HANGS.strip().splitlines())
    )
    import subprocess
    import sys

    from .server import ROOT

    child = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=portal.env,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = child.stdout.readline() if child.stdout else ""
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    return {"pending": pending, "killed": line.strip() == "mid-batch"}


def flush_speed(portal: Portal, rows: int) -> dict[str, Any]:
    """Seed ``rows`` pending submissions and time one flush of them (with the WAL scrub)."""
    out = portal.in_app(f"""
import json, time, uuid
from portal import mixing
from portal.models.responses import PendingSubmission
answers = {{"visit_useful": 4, "listened": 5, "respected": 5, "comments": "bench"}}
db.session.add_all([PendingSubmission(id=str(uuid.uuid4()), questionnaire_key="18-months",
    questionnaire_version=1, language="da", municipality_code="0240", period="2026-12",
    answers=answers, rounds=0) for _ in range({int(rows)})])
db.session.commit()
began = time.perf_counter()
result = mixing.flush(force=True)
seconds = time.perf_counter() - began
print(json.dumps({{"rows": result.flushed, "seconds": round(seconds, 3),
                  "rows_per_s": round(result.flushed / seconds), "scrubbed": result.scrubbed}}))
""")
    return json.loads(out.strip().splitlines()[-1])


def requests_to_first_step(portal: Portal, server: Gunicorn) -> dict[str, Any]:
    """Requests a phone makes from tapping the link to each step's page, redirects included
    (issue 16: the minimum post/redirect/get needs is 2 to the first step, 2 per form)."""
    parent = Parent(HOST, server.port)

    def follow(reply: Any) -> int:
        count = 1
        while reply.status in (301, 302, 303):
            reply = parent.request("GET", reply.location)
            count += 1
        if reply.status == 200:
            parent.html = reply.text
        return count

    out = {"link_to_language_page": follow(parent.request("GET", portal.link_via_cli()))}
    reply = parent.post("/s/language", {"language": "da"})
    out["language_to_consent_page"] = follow(reply)
    reply = parent.post("/s/consent", {"yes": "1"})
    out["consent_to_first_question"] = follow(reply)
    return out
