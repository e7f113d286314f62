"""``make bench``: page speed, submissions, a killed worker, export, page weight; SQLite and,
when ``PORTAL_BENCH_POSTGRES_URL`` is set, PostgreSQL. Prints a table, writes results.json.

Knobs (environment): BENCH_DURATION seconds per load run (8), BENCH_ROUNDS (2), BENCH_PARENTS (200),
BENCH_EXPORT_ROWS (1000000), BENCH_BACKLOG invitations already stored (50000),
BENCH_ONLY comma list of parts (speed,submit,export,weight).
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import sys
import tempfile
import time
import traceback
import uuid
from pathlib import Path
from typing import Any

from . import load, submissions, weight
from .client import Parent
from .export import bench_export
from .server import HOST, ROOT, Gunicorn, Portal, postgres_stores, sqlite_stores

DURATION = float(os.environ.get("BENCH_DURATION", "8"))
PARENTS = int(os.environ.get("BENCH_PARENTS", "200"))
EXPORT_ROWS = int(os.environ.get("BENCH_EXPORT_ROWS", "1000000"))
#: Pending submissions released in one timed flush (portal/mixing.py).
FLUSH_ROWS = int(os.environ.get("BENCH_FLUSH_ROWS", "5000"))
#: Invitations (each with a consent) already in the personal store before the load starts.
BACKLOG = int(os.environ.get("BENCH_BACKLOG", "50000"))
ONLY = {p for p in os.environ.get("BENCH_ONLY", "").split(",") if p}
WARM_UP_S = 2
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
SERVICE_TIME_S = 3

PAGE_RATIO_MIN = 0.6
P99_MAX_MS = 50.0
EXPORT_RATIO_MIN = 0.5
EXPORT_MEMORY_MAX_MB = 150.0


def wanted(part: str) -> bool:
    return not ONLY or part in ONLY


def parent_cookie(portal: Portal, server: Gunicorn) -> str:
    """A live parent session: a CLI-made link, opened, language chosen, consent given."""
    parent = Parent(HOST, server.port)
    parent.start(portal.link_via_cli())
    parent.get("/s/page/1")  # the page answers 200 with this cookie
    return parent.cookie_header()  # the session and the draft's key (parent/drafts.py)


def page_speed(server: Gunicorn, cookie: str | None, path: str) -> dict[str, Any]:
    result = load.measure(server.port, path, cookie, DURATION)
    result["path"] = path
    result["workers"] = len(server.workers())
    return result


def compare_with_hello(
    server: Gunicorn, cookie: str, hello: Gunicorn
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Questionnaire page and bare Flask, alternately, ROUNDS times; the best run of each.

    Alternating and keeping the best makes the ratio robust against a busy machine: whatever
    else runs slows some rounds, not one side only.
    """
    load.measure(server.port, "/s/page/1", cookie, WARM_UP_S)
    load.measure(hello.port, "/", None, WARM_UP_S)
    pages, hellos = [], []
    for _ in range(ROUNDS):
        hellos.append(page_speed(hello, None, "/"))
        pages.append(page_speed(server, cookie, "/s/page/1"))

    def best(runs: list[dict[str, Any]], port: int, path: str, cookie: str | None) -> dict:
        top = dict(max(runs, key=lambda run: run["requests_per_s"]))
        top["rounds_requests_per_s"] = [run["requests_per_s"] for run in runs]
        # One connection: no queueing, so the median is the time one request takes.
        alone = load.measure(port, path, cookie, SERVICE_TIME_S, connections=1)
        top["one_connection_p50_ms"] = alone.get("p50_ms")
        return top

    page = best(pages, server.port, "/s/page/1", cookie)
    # wrk counts redirects as success: a lost session would be measured as fast 302s. The page
    # must still answer 200 with this cookie, and the bytes per response must be a whole page.
    check = Parent(HOST, server.port)
    for pair in cookie.split("; "):
        name, value = pair.split("=", 1)
        if name == check.cookie_name:
            check.cookie = value
        else:
            check.other_cookies[name] = value
    reply = check.request("GET", "/s/page/1")
    status, body = reply.status, len(reply.body)
    page["still_200_after_load"] = status == 200
    if status != 200 or page.get("bytes_per_request", body) < body:
        raise RuntimeError(f"the page was not served as a page under load (status {status}, "
                           f"{page.get('bytes_per_request')} bytes per response)")
    return page, best(hellos, hello.port, "/", None)


def bench_portal(
    stores_label: str, portal: Portal, folder: Path, hello: Gunicorn | None
) -> dict[str, Any]:
    """Parts 1-3 (and 5 on SQLite) against one portal instance."""
    out: dict[str, Any] = {"stores": stores_label}
    with Gunicorn("wsgi:app", portal.env, folder / "gunicorn-portal.log") as server:
        if hello is not None:
            out["page"], out["hello"] = compare_with_hello(
                server, parent_cookie(portal, server), hello
            )
        if wanted("weight") and stores_label == "sqlite":
            out["weight"] = weight.run(server.port, portal.link_via_cli())
        if wanted("submit"):
            out["requests_per_step"] = submissions.requests_to_first_step(portal, server)
            out["submit"] = submissions.run(portal, server, PARENTS)
            out["submit_killed_worker"] = submissions.run(portal, server, PARENTS, True)
            out["flush_speed"] = submissions.flush_speed(portal, FLUSH_ROWS)
    return out


def guarded(name: str, results: dict[str, Any], function: Any, *args: Any) -> None:
    """One part failing (a crash, not a missed target) is recorded; the others still run."""
    try:
        results[name] = function(*args)
    except Exception as error:  # noqa: BLE001
        traceback.print_exc()
        results[name] = {"error": f"{type(error).__name__}: {error}"}


def main() -> int:
    began = time.monotonic()
    results: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(),
                    "load_average_before": [round(x, 2) for x in os.getloadavg()]},
        "settings": {"duration_s": DURATION, "parents": PARENTS, "export_rows": EXPORT_ROWS,
                     "backlog_invitations": BACKLOG,
                     "connections": load.CONNECTIONS},
    }
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as tmp:
        folder = Path(tmp)
        print(f"bench: working in {folder}; gunicorn logs there", file=sys.stderr)
        sqlite_folder = folder / "sqlite"
        sqlite_folder.mkdir()
        portal = Portal.prepare(sqlite_stores(sqlite_folder), sqlite_folder, BACKLOG)
        with contextlib.ExitStack() as stack:
            # The bare Flask app runs beside the portal all along, for the page-speed rounds.
            hello = stack.enter_context(
                Gunicorn("bench.hello_app:app", portal.env, folder / "gunicorn-hello.log")
            ) if wanted("speed") else None
            guarded("sqlite", results, bench_portal, "sqlite", portal, sqlite_folder, hello)
            run_postgres(results, folder, hello)
        if wanted("export"):
            guarded("export", results, bench_export, folder / "export", EXPORT_ROWS)
    results["seconds"] = round(time.monotonic() - began, 1)
    results["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    results["targets"] = targets(results)
    path = ROOT / "bench" / "results.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(table(results))
    print(f"\nwritten: {path.relative_to(ROOT)} ({results['seconds']} s)")
    return 0


def run_postgres(results: dict[str, Any], folder: Path, hello: Gunicorn | None) -> None:
    postgres_url = os.environ.get("PORTAL_BENCH_POSTGRES_URL")
    if not postgres_url:
        results["postgresql"] = "skipped: PORTAL_BENCH_POSTGRES_URL not set"
        return
    if not (wanted("speed") or wanted("submit")):
        return

    def on_postgres() -> dict[str, Any]:
        pg_folder = folder / "postgresql"
        pg_folder.mkdir()
        with postgres_stores(postgres_url, f"bench{uuid.uuid4().hex[:8]}") as stores:
            portal = Portal.prepare(stores, pg_folder, BACKLOG)
            return bench_portal("postgresql", portal, pg_folder, hello)

    guarded("postgresql", results, on_postgres)


# --- targets and the table ---------------------------------------------------------------


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    checks: list[dict[str, Any]] = []

    def check(name: str, ok: bool | None, figure: str) -> None:
        checks.append({"target": name, "result": "SKIP" if ok is None else
                       ("PASS" if ok else "FAIL"), "figure": figure})

    for label in ("sqlite", "postgresql"):
        part = results.get(label)
        if not isinstance(part, dict):
            continue
        page, hello = part.get("page"), part.get("hello") or {}
        if isinstance(page, dict) and "requests_per_s" in hello:
            ratio = page["requests_per_s"] / hello["requests_per_s"]
            page["ratio_to_hello"] = round(ratio, 3)
            check(f"{label}: page >= {PAGE_RATIO_MIN} x bare Flask", ratio >= PAGE_RATIO_MIN,
                  f"{page['requests_per_s']:.0f} / {hello['requests_per_s']:.0f} req/s "
                  f"= {ratio:.2f}")
            check(f"{label}: page p99 < {P99_MAX_MS:.0f} ms", page["p99_ms"] < P99_MAX_MS,
                  f"p99 {page['p99_ms']} ms")
        for key, title in (("submit", "submissions"), ("submit_killed_worker", "worker killed")):
            run = part.get(key)
            if not isinstance(run, dict) or "lost" not in run:
                continue
            ok = (run["lost"] == 0 and run["doubled"] == 0 and run["http_500"] == 0
                  and run["errors"] == 0 and run["stored_without_303"] == 0
                  and run["submitted"] == run["parents"])
            figure = (f"{run['submitted']}/{run['parents']} submitted, lost {run['lost']}, "
                      f"doubled {run['doubled']}, 500s {run['http_500']}, "
                      f"errors {run['errors']}")
            if "fault" in run:
                fault = run["fault"]
                figure += (f"; submit cut off for {fault['parents_whose_submit_was_cut_off']}, "
                           f"{fault['cut_off_submits_ending_with_one_response']} of them "
                           "ended with exactly one response")
                # A kill that cut off no submit proved nothing: that counts as a miss too.
                ok = ok and 0 < fault["parents_whose_submit_was_cut_off"] == fault[
                    "cut_off_submits_ending_with_one_response"]
            killed = run.get("flush_killed_mid_batch") or {}
            figure += (f"; flush SIGKILLed mid-batch with {killed.get('pending')} pending: "
                       f"{'yes' if killed.get('killed') else 'no'}")
            ok = ok and bool(killed.get("killed") or killed.get("pending") == 0)
            check(f"{label}: {title}: nothing lost, doubled or 500", ok, figure)

    export = results.get("export")
    if isinstance(export, dict):
        portal = export.get("portal")
        if isinstance(portal, dict) and "rows_per_s" in portal and "ratio_to_sqlite3" in export:
            check(f"export >= {EXPORT_RATIO_MIN} x sqlite3 rows/s",
                  export["ratio_to_sqlite3"] >= EXPORT_RATIO_MIN,
                  f"{portal['rows_per_s']} / {export['sqlite3']['rows_per_s']} rows/s "
                  f"= {export['ratio_to_sqlite3']}")
            check(f"export peak memory < {EXPORT_MEMORY_MAX_MB:.0f} MB",
                  portal["peak_rss_mb"] < EXPORT_MEMORY_MAX_MB,
                  f"{portal['peak_rss_mb']} MB at {portal.get('rows')} rows")
        else:
            reason = portal if isinstance(portal, str) else json.dumps(portal)[:120]
            check("export vs sqlite3, memory", None, str(reason))

    sqlite_part = results.get("sqlite")
    heavy = sqlite_part.get("weight") if isinstance(sqlite_part, dict) else None
    if isinstance(heavy, dict):
        over = [p["page"] for p in heavy["pages"] if not p["under_limit"]]
        check("every parent page < 30 KB gzip with CSS+JS", not over,
              f"largest {heavy['largest_gzip'] / 1024:.1f} KB" + (f"; over: {over}" if over
                                                                   else ""))
        foreign = heavy["requests_to_other_hosts"]
        check("no request to another host", not foreign, ", ".join(foreign) or "none")
    return checks


def table(results: dict[str, Any]) -> str:
    lines = []
    lines.append(f"{'page speed (32 connections, best round)':40} {'req/s':>9} {'p50 ms':>8} "
                 f"{'p99 ms':>8} {'1-conn p50':>10}")
    rows = []
    for label in ("sqlite", "postgresql"):
        part = results.get(label)
        if isinstance(part, dict) and isinstance(part.get("page"), dict):
            rows.append((f"bare Flask hello (beside {label})", part.get("hello") or {}))
            rows.append((f"questionnaire page ({label})", part["page"]))
        elif isinstance(part, dict) and "error" in part:
            rows.append((label, part))
    for name, figures in rows:
        if "requests_per_s" in figures:
            lines.append(f"{name:40} {figures['requests_per_s']:>9.0f} "
                         f"{figures.get('p50_ms', 0):>8.2f} {figures.get('p99_ms', 0):>8.2f} "
                         f"{figures.get('one_connection_p50_ms') or 0:>10.2f}")
        elif figures:
            lines.append(f"{name:40} {figures.get('error', figures)}")
    lines.append("")
    lines.append(f"{'submissions':40} {'parents':>8} {'subm/s':>8} {'errors':>7} {'500s':>5} "
                 f"{'stored':>7} {'lost':>5} {'doubled':>7}")
    for label in ("sqlite", "postgresql"):
        part = results.get(label)
        if not isinstance(part, dict):
            continue
        for key, title in (("submit", "clean"), ("submit_killed_worker", "one worker SIGKILLed")):
            run = part.get(key)
            if isinstance(run, dict) and "lost" in run:
                lines.append(
                    f"{label + ': ' + title:40} {run['parents']:>8} "
                    f"{run['submissions_per_s']:>8.1f} {run['errors']:>7} {run['http_500']:>5} "
                    f"{run['responses_stored']:>7} {run['lost']:>5} {run['doubled']:>7}"
                )
                release = run.get("release") or {}
                lines.append(
                    f"{'':4}released in batches of >= {release.get('min_batch')}: wait p50 "
                    f"{release.get('wait_p50_s')} s, max {release.get('wait_max_s')} s; "
                    f"{release.get('left_for_the_timer')} left for the timer; flush killed "
                    f"mid-batch: {(run.get('flush_killed_mid_batch') or {}).get('killed')}"
                )
                if "fault" in run:
                    f = run["fault"]
                    lines.append(
                        f"{'':4}killed pid {', '.join(map(str, f.get('pids', [])))}: "
                        f"{f['parents_cut_off']} parents cut "
                        f"off ({f['parents_whose_submit_was_cut_off']} at submit), "
                        f"{f['their_retries']} retries, "
                        f"{f['cut_off_submits_ending_with_one_response']} cut-off submits "
                        "ended with exactly one response"
                    )
        steps = part.get("requests_per_step")
        if isinstance(steps, dict):
            lines.append(f"{label + ': requests per step':40} " + ", ".join(
                f"{name.replace('_', ' ')} {count}" for name, count in steps.items()))
        speed = part.get("flush_speed")
        if isinstance(speed, dict) and "rows_per_s" in speed:
            lines.append(f"{label + ': flush of pending rows':40} {speed['rows']} rows in "
                         f"{speed['seconds']} s = {speed['rows_per_s']} rows/s")
    export = results.get("export")
    if isinstance(export, dict):
        lines.append("")
        lines.append(f"export of {export.get('rows')} responses: {'rows/s':>10} {'seconds':>8} "
                     f"{'peak MB':>8}")
        for name, key in (("sqlite3 -csv (raw rows)", "sqlite3"),
                          ("sqlite3 -csv (column per question)",
                           "sqlite3_one_column_per_question"),
                          ("portal CSV export", "portal")):
            figures = export.get(key)
            if isinstance(figures, dict) and "rows_per_s" in figures:
                lines.append(f"  {name:38} {figures['rows_per_s']:>10} "
                             f"{figures['seconds']:>8} {figures['peak_rss_mb']:>8}")
            elif figures is not None:
                lines.append(f"  {name:38} {str(figures)[:100]}")
    sqlite_part = results.get("sqlite")
    heavy = sqlite_part.get("weight") if isinstance(sqlite_part, dict) else None
    if isinstance(heavy, dict):
        lines.append("")
        lines.append(f"{'page weight (gzip -6, HTML+CSS+JS)':40} {'raw B':>8} {'gzip B':>8}")
        for page in heavy["pages"]:
            lines.append(f"  {page['page']:38} {page['bytes_raw']:>8} {page['bytes_gzip']:>8}")
    lines.append("")
    machine = results.get("machine", {})
    lines.append(f"machine: {machine.get('cpus')} CPUs, load average before "
                 f"{machine.get('load_average_before')}, after {machine.get('load_average_after')}")
    for check in results.get("targets", []):
        lines.append(f"{check['result']:5} {check['target']:48} {check['figure']}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
