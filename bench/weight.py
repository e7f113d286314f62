"""Part 5: bytes a parent's phone downloads per page, compressed, and no request to other hosts.

The portal sends uncompressed bodies; nginx compresses them in production. Each resource is
therefore gzipped here with Python's gzip at level 6 (nginx's usual ``gzip_comp_level``).
"""

from __future__ import annotations

import gzip
import re
import urllib.parse
from html.parser import HTMLParser
from typing import Any

from .client import EIGHTEEN_MONTHS, Parent
from .server import HOST

LIMIT_BYTES = 30 * 1024

#: Attributes that make a browser fetch something by itself while showing the page.
_FETCHING = {
    ("link", "href"), ("script", "src"), ("img", "src"), ("img", "srcset"), ("source", "src"),
    ("source", "srcset"), ("iframe", "src"), ("video", "src"), ("audio", "src"),
    ("video", "poster"), ("embed", "src"), ("object", "data"), ("input", "src"),
}
_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")


class _Resources(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fetched: list[str] = []
        self.anchors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if not value:
                continue
            if (tag, name) in _FETCHING:
                if tag == "link" and dict(attrs).get("rel") in ("canonical", "alternate"):
                    continue
                urls = [part.split()[0] for part in value.split(",")] if "srcset" in name else [
                    value
                ]
                self.fetched.extend(urls)
            elif name in ("href", "action", "formaction"):
                self.anchors.append(value)
            elif name == "style":
                self.fetched.extend(a or b for a, b in _CSS_URL.findall(value))


def _other_host(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    return bool(parts.netloc) and parts.hostname not in (HOST, "localhost")


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6, mtime=0))


def run(port: int, link_path: str) -> dict[str, Any]:
    parent = Parent(HOST, port)
    pages: list[tuple[str, str]] = []

    def keep(name: str) -> None:
        pages.append((name, parent.html))

    parent.open(link_path)
    parent.get("/s/language")
    keep("language")
    parent.post("/s/language", {"language": "da"})
    parent.get("/s/consent")
    keep("consent")
    parent.post("/s/consent", {"yes": "1"})
    last = len(EIGHTEEN_MONTHS)
    for number, answers in enumerate(EIGHTEEN_MONTHS, 1):
        parent.get(f"/s/page/{number}")
        keep(f"page {number}")
        parent.post(
            f"/s/page/{number}", {**answers, "action": "submit" if number == last else "next"}
        )
    parent.get("/s/thanks")
    keep("thanks")

    cache: dict[str, tuple[int, int]] = {}
    rows = []
    foreign: list[str] = []
    for name, html in pages:
        found = _Resources()
        found.feed(html)
        html_bytes = html.encode()
        total_raw, total_gz = len(html_bytes), gz(html_bytes)
        assets = []
        for url in dict.fromkeys(found.fetched):
            if _other_host(url):
                foreign.append(f"{name}: {url}")
                continue
            path = urllib.parse.urlsplit(url).path
            if path not in cache:
                body = parent.get(path).body
                cache[path] = (len(body), gz(body))
                for nested in _CSS_URL.findall(body.decode("utf-8", "replace")):
                    target = nested[0] or nested[1]
                    if _other_host(target):
                        foreign.append(f"{path}: {target}")
            raw, packed = cache[path]
            total_raw += raw
            total_gz += packed
            assets.append(path)
        rows.append({
            "page": name, "html_gzip": gz(html_bytes), "assets": assets,
            "bytes_raw": total_raw, "bytes_gzip": total_gz, "under_limit": total_gz < LIMIT_BYTES,
        })
        foreign.extend(f"{name} (link, not fetched): {u}" for u in found.anchors if _other_host(u))
    return {
        "compression": "gzip level 6 (Python), as nginx would send it",
        "limit_bytes": LIMIT_BYTES,
        "pages": rows,
        "largest_gzip": max(row["bytes_gzip"] for row in rows),
        "requests_to_other_hosts": [f for f in foreign if "(link, not fetched)" not in f],
        "links_to_other_hosts": [f for f in foreign if "(link, not fetched)" in f],
    }
