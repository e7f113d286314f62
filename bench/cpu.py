"""Where a questionnaire page's time goes: worker CPU per request, not requests per second.

``python -m bench.cpu`` (about 40 s). One gunicorn worker each for the bare Flask app, the same
app sending a body as large as the questionnaire page, and the portal's page with a live parent
session; the bench's load generator (wrk) keeps two connections busy and the worker's own CPU
time (``/proc/<pid>/stat``) is divided by the requests it served. CPU time barely moves when
other programs share the machine, which requests per second do; the differences between the
three rows are what the portal's own work on a page costs. Prints a table; writes nothing.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from . import load
from .__main__ import parent_cookie
from .server import Gunicorn, Portal, sqlite_stores

SECONDS = 8


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def cpu_per_request(server: Gunicorn, path: str, cookie: str | None) -> float:
    """Microseconds of the one worker's CPU per request served."""
    (worker,) = server.workers()
    load.measure(server.port, path, cookie, 2, connections=2)  # warm up
    before = _cpu_seconds(worker)
    served = load.measure(server.port, path, cookie, SECONDS, connections=2)["requests"]
    return (_cpu_seconds(worker) - before) / served * 1e6


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="portal-bench-cpu-"))
    try:
        measure(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def measure(folder: Path) -> None:
    portal = Portal.prepare(sqlite_stores(folder), folder)
    env = {**portal.env, "WEB_CONCURRENCY": "1"}
    rows = []
    with Gunicorn("bench.hello_app:app", env, folder / "gunicorn-hello.log") as hello:
        for name, path in (("bare Flask hello", "/"), ("bare Flask, page-sized", "/page-sized")):
            rows.append((name, cpu_per_request(hello, path, None)))
    with Gunicorn("wsgi:app", env, folder / "gunicorn-portal.log") as server:
        cookie = parent_cookie(portal, server)
        page = cpu_per_request(server, "/s/page/1", cookie)
        rows.append(("questionnaire page (sqlite)", page))
    print(f"{'one gunicorn worker, 2 connections':40} {'CPU us/request':>15}")
    for name, micros in rows:
        print(f"{name:40} {micros:>15.0f}")


if __name__ == "__main__":
    main()
