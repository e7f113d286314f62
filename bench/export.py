"""Part 4: one million synthetic responses, the sqlite3 tool's CSV dump, the portal's CSV export.

``bench_export()`` is the whole part. The portal's export is named by ``EXPORT_HOOK`` below
and run in a child process by ``bench/export_child.py``, so its peak memory is that child's
alone: ``os.wait4`` returns the child's own ``ru_maxrss`` (the figure
``getrusage(RUSAGE_CHILDREN)`` gives, without earlier children mixed in).
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from .load import ensure_tool
from .server import ROOT, Portal, sqlite_stores

KEY, VERSION = "18-months", 1
#: Columns the sqlite3 tool dumps, in the response table's order.
COLUMNS = (
    "id, questionnaire_key, questionnaire_version, language, municipality_code, period, answers"
)
QUESTIONS = ["visit_useful", "listened", "respected", "adv_sleep", "adv_food", "adv_language",
             "adv_motor", "adv_safety", "adv_daycare", "adv_parent", "interp_needed",
             "interp_avail", "changes", "visit_again", "comments"]

# HOOK for the lead: the portal's streaming CSV export, as built on the evaluation branch
# (``plan_export(ExportFilters(...))`` then ``stream_export(plan, "csv")``; disclosure control
# and formula neutralisation are part of that path and cannot be switched off). Called by
# bench/export_child.py, which reports "skipped" when the module is missing.
EXPORT_HOOK = "portal.evaluation.export:stream_export"
#: Another checkout's root to import the portal from in the export child (e.g. a branch not
#: merged yet); the stores are still created by this checkout's migrations.
EXPORT_PYTHONPATH = os.environ.get("BENCH_EXPORT_PYTHONPATH")


def _answer_pool(rng: random.Random, size: int = 4000) -> list[str]:
    """Valid answer sets for 18-months v1 as JSON, some with text a spreadsheet would run."""
    texts = [
        "Tak for besøget", "=HYPERLINK(\"http://x\",\"klik\")", "+45 12 34 56 78 ring gerne",
        "skriv til mor@example.org", "CPR 010203-1234", "@SUM(A1:A9)", "-2+3", "شكرا جزيلا",
        "Meget fin sundhedsplejerske, hun lyttede", "\tindrykket", "Linje et\nlinje to",
    ]
    pool = []
    for _ in range(size):
        answers: dict[str, Any] = {
            "visit_useful": rng.randint(1, 5), "listened": rng.randint(1, 5),
            "respected": rng.randint(1, 5),
        }
        for q in QUESTIONS[3:10]:
            answers[q] = rng.choice([1, 2, 3, 4, None])
        answers["interp_needed"] = rng.choice([0, 0, 0, 1])
        answers["interp_avail"] = rng.randint(1, 3) if answers["interp_needed"] else None
        answers["changes"] = sorted(rng.sample(range(1, 10), rng.randint(0, 3))) or None
        answers["visit_again"] = rng.randint(1, 3)
        answers["comments"] = rng.choice(texts) if rng.random() < 0.15 else None
        pool.append(json.dumps({k: v for k, v in answers.items() if v is not None}))
    return pool


def generate(db_path: Path, rows: int, seed: int = 1000) -> float:
    """Fill the response table with ``rows`` responses in one transaction; returns seconds."""
    rng = random.Random(seed)
    pool = _answer_pool(rng)
    towns = ["0240"] * 5 + ["0101"] * 8 + ["0751"] * 6 + ["0999"]
    langs = ["da"] * 14 + ["en"] * 4 + ["ar", "so", "ti"]
    periods = [f"{y}-{m:02d}" for y in (2025, 2026) for m in range(1, 13)]
    began = time.monotonic()
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    batch = 50_000
    for start in range(0, rows, batch):
        conn.executemany(
            f"INSERT INTO response ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (str(uuid.UUID(int=rng.getrandbits(128), version=4)), KEY, VERSION,
                 rng.choice(langs), rng.choice(towns), rng.choice(periods), rng.choice(pool))
                for _ in range(min(batch, rows - start))
            ],
        )
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return time.monotonic() - began


def _timed_child(command: list[str], env: dict[str, str] | None = None,
                 stdout_path: str = os.devnull) -> dict[str, Any]:
    """Run a child to completion: wall seconds, its own peak RSS (MB), exit code, stderr tail."""
    err_path = Path(stdout_path).with_suffix(".err") if stdout_path != os.devnull else None
    with open(stdout_path, "wb") as out, open(err_path or os.devnull, "wb") as err:
        began = time.monotonic()
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env, cwd=ROOT)
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            process.returncode = 0  # reaped by wait4; keep Popen from waiting again
        seconds = time.monotonic() - began
    result = {
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "exit": os.waitstatus_to_exitcode(status),
    }
    if err_path and err_path.exists():
        result["stderr"] = err_path.read_text(errors="replace")[-1500:]
    return result


def bench_export(folder: Path, rows: int = 1_000_000) -> dict[str, Any]:
    """The whole of part 4. Returns figures, or a "skipped" reason for what could not run."""
    folder.mkdir(parents=True, exist_ok=True)
    portal = Portal.prepare(sqlite_stores(folder), folder)
    db_path = portal.stores.responses_path
    result: dict[str, Any] = {"rows": rows, "questionnaire": f"{KEY} v{VERSION}"}
    result["generate_seconds"] = round(generate(db_path, rows), 1)
    result["db_mb"] = round(db_path.stat().st_size / 2**20, 1)

    sqlite_bin = ensure_tool("sqlite3", "sqlite3")
    if sqlite_bin is None:
        result["sqlite3"] = "skipped: sqlite3 command-line tool not installed"
    else:
        # The tool's own CSV of the same rows, straight from the table.
        raw = _timed_child([sqlite_bin, "-csv", str(db_path), f"SELECT {COLUMNS} FROM response"])
        raw["rows_per_s"] = round(rows / raw["seconds"])
        # The same with one column per question (the shape the portal's export has), for context.
        columns = ", ".join(f"json_extract(answers, '$.{q}')" for q in QUESTIONS)
        wide = _timed_child([sqlite_bin, "-csv", str(db_path),
                             f"SELECT id, language, municipality_code, period, {columns} "
                             "FROM response"])
        wide["rows_per_s"] = round(rows / wide["seconds"])
        result["sqlite3"] = raw
        result["sqlite3_one_column_per_question"] = wide

    out_path = folder / "portal-export.json"
    child = _timed_child(
        [sys.executable, str(ROOT / "bench" / "export_child.py"), *EXPORT_HOOK.split(":")],
        env={**portal.env, "PYTHONPATH": EXPORT_PYTHONPATH or str(ROOT)},
        stdout_path=str(out_path),
    )
    if child["exit"] != 0:
        result["portal"] = {"error": child.get("stderr", "")[-800:], "function": EXPORT_HOOK}
        return result
    report = json.loads(out_path.read_text() or "{}")
    if "skipped" in report:
        result["portal"] = f"skipped: {report['skipped']}"
        return result
    portal_result = {**child, **report, "function": EXPORT_HOOK}
    if EXPORT_PYTHONPATH:
        portal_result["imported_from"] = EXPORT_PYTHONPATH
    portal_result.pop("stderr", None)
    seconds = report.get("export_seconds") or child["seconds"]
    portal_result["rows_per_s"] = round(report.get("rows", 0) / seconds)
    result["portal"] = portal_result
    if isinstance(result.get("sqlite3"), dict):
        result["ratio_to_sqlite3"] = round(
            portal_result["rows_per_s"] / result["sqlite3"]["rows_per_s"], 2
        )
    return result
