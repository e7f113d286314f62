"""Releases at national scale: build speed against the sqlite3 tool, peak memory, download speed.

``python -m bench.releases [rows]`` (default 60 000, the national data set of bench/national.py:
21 municipalities, 24 months, ten languages with Danish about 80 %). It

1. writes the rows into fresh SQLite stores (not timed);
2. times the sqlite3 tool's one-column-per-question CSV dump of the same rows (``json_extract``
   per question, the cheapest way a person could get the same table out of the file);
3. times ``flask releases build`` (every due release: generalisation, own ids, suppression,
   every file, the views and rates tables), reporting rows/s and the process's peak RSS;
4. times downloads of the biggest release's zip through the app (test client), in MB/s,
   and checks that two downloads are the same bytes.
Prints one JSON object.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTIONS = ["visit_useful", "listened", "respected", "adv_sleep", "adv_food", "adv_language",
             "adv_motor", "adv_safety", "adv_daycare", "adv_parent", "interp_needed",
             "interp_avail", "changes", "visit_again", "comments"]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(rows: int = 60_000) -> dict[str, Any]:
    from bench.national import generate
    from tests.conftest import make_app, with_fresh_stores

    folder = Path(tempfile.mkdtemp(prefix="bench-releases-"))
    app = make_app(folder, None)
    stores = with_fresh_stores(app)
    next(stores)
    generate(app, total=rows)
    database = folder / "instance" / "responses.sqlite3"
    if not database.exists():
        database = next((folder / "instance").glob("respon*.sqlite*"))
    columns = ", ".join(
        ["id", "questionnaire_key", "questionnaire_version", "language", "municipality_code",
         "period"] + [f"json_extract(answers, '$.{q}')" for q in QUESTIONS]
    )
    started = time.perf_counter()
    dump = subprocess.run(
        ["sqlite3", "-csv", "-header", str(database), f"SELECT {columns} FROM response"],
        capture_output=True, check=True,
    )
    sqlite_seconds = time.perf_counter() - started
    before = _peak_mb()
    with app.app_context():
        from portal.evaluation import releases

        started = time.perf_counter()
        built = releases.build_due(actor="bench", until="2026-12")
        build_seconds = time.perf_counter() - started
        released = sum(r.rows for r in built)
        biggest = max(built, key=lambda r: r.rows)
        zip_file = releases.get_file(biggest, releases.ZIP_FILE)
        size = len(zip_file.content)
        report = [
            {"label": r.label, "length": r.period_length, "rows": r.rows,
             "smallest_group": r.report["smallest_group"],
             "merged_municipalities": r.report["merged_municipalities"],
             "suppressed": r.report["suppressed"]}
            for r in built
        ]
        release_id = biggest.id
    peak = _peak_mb()
    # Downloads through the app's own route, logged in as an evaluator.
    from tests.conftest import STAFF_PASSWORD, Staff, make_staff

    _, email = make_staff(app, "evaluator")
    evaluator = Staff(app.test_client())
    evaluator.login(email, STAFF_PASSWORD)
    url = f"/evaluation/releases/{release_id}/{releases.ZIP_FILE}"
    bodies = []
    started = time.perf_counter()
    for _ in range(5):
        bodies.append(evaluator.client.get(url).get_data())
    download_seconds = (time.perf_counter() - started) / 5
    return {
        "rows": rows,
        "sqlite3_dump_seconds": round(sqlite_seconds, 3),
        "sqlite3_rows_per_second": round(rows / sqlite_seconds),
        "sqlite3_dump_bytes": len(dump.stdout),
        "build_seconds": round(build_seconds, 3),
        "build_rows_per_second": round(rows / build_seconds),
        "releases": len(built),
        "rows_released": released,
        "peak_rss_mb": round(peak, 1),
        "peak_rss_growth_during_build_mb": round(peak - before, 1),
        "zip_bytes": size,
        "download_seconds": round(download_seconds, 4),
        "download_mb_per_second": round(size / 1e6 / download_seconds, 1),
        "downloads_identical": len({hash(b) for b in bodies}) == 1,
        "per_release": report,
    }


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 60_000), indent=1))
