"""Load generator: wrk when installed (Debian's package), else a bounded http.client one."""

from __future__ import annotations

import http.client
import re
import shutil
import subprocess
import threading
import time
from typing import Any

CONNECTIONS = 32


def ensure_tool(binary: str, package: str) -> str | None:
    """The tool's path, installing the Debian package once if it is missing and apt exists."""
    path = shutil.which(binary)
    if path or not shutil.which("apt-get"):
        return path
    try:
        subprocess.run(
            ["apt-get", "install", "-y", "-q", package],
            capture_output=True, timeout=180, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return shutil.which(binary)


def measure(
    port: int, path: str, cookie: str | None, duration: float, connections: int = CONNECTIONS
) -> dict[str, Any]:
    wrk = ensure_tool("wrk", "wrk")
    if wrk:
        return _wrk(wrk, port, path, cookie, duration, connections)
    return _python(port, path, cookie, duration, connections)


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def _wrk(
    wrk: str, port: int, path: str, cookie: str | None, duration: float, connections: int
) -> dict[str, Any]:
    command = [wrk, f"-t{min(2, connections)}", f"-c{connections}", f"-d{int(duration)}s",
               "--timeout", "10s", "--latency"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    command.append(f"http://127.0.0.1:{port}{path}")
    out = subprocess.run(
        command, capture_output=True, text=True, timeout=duration + 60, check=True
    ).stdout
    result: dict[str, Any] = {"tool": "wrk", "connections": connections, "duration_s": duration}
    result["requests_per_s"] = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    result["requests"] = int(re.search(r"(\d+) requests in", out).group(1))
    for pct in ("50", "75", "90", "99"):
        found = re.search(rf"^\s+{pct}(?:\.000)?%\s+(\S+)", out, re.M)
        if found:
            result[f"p{pct}_ms"] = round(_ms(found.group(1)), 2)
    read = re.search(r"requests in [\d.]+\w+, ([\d.]+)([KMG]?B) read", out)
    if read and result["requests"]:
        scale = {"B": 1, "KB": 2**10, "MB": 2**20, "GB": 2**30}[read.group(2)]
        result["bytes_per_request"] = round(float(read.group(1)) * scale / result["requests"])
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    result["non_2xx_3xx"] = int(non2xx.group(1)) if non2xx else 0
    errors = re.search(r"Socket errors: (.*)", out)
    result["socket_errors"] = errors.group(1).strip() if errors else "none"
    return result


def _python(
    port: int, path: str, cookie: str | None, duration: float, connections: int
) -> dict[str, Any]:
    """Fallback: ``connections`` threads, each one request at a time, for ``duration`` seconds.

    Python's GIL makes this generator itself the bottleneck sooner than wrk; the figures are
    marked with the tool that made them.
    """
    latencies: list[list[float]] = [[] for _ in range(connections)]
    bad = [0] * connections
    headers = {"Cookie": cookie} if cookie else {}
    stop_at = time.monotonic() + duration

    def worker(slot: int) -> None:
        while time.monotonic() < stop_at:
            began = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                conn.close()
                if response.status >= 400:
                    bad[slot] += 1
            except OSError:
                bad[slot] += 1
                continue
            latencies[slot].append((time.perf_counter() - began) * 1000)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(connections)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=duration + 30)
    elapsed = time.monotonic() - began
    flat = sorted(x for slot in latencies for x in slot)

    def pct(p: float) -> float:
        return round(flat[min(len(flat) - 1, int(len(flat) * p))], 2) if flat else float("nan")

    return {
        "tool": "python-http.client", "connections": connections, "duration_s": duration,
        "requests": len(flat), "requests_per_s": round(len(flat) / elapsed, 1),
        "p50_ms": pct(0.50), "p75_ms": pct(0.75), "p90_ms": pct(0.90), "p99_ms": pct(0.99),
        "non_2xx_3xx": sum(bad), "socket_errors": "counted in non_2xx_3xx",
    }
