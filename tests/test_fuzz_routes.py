"""Every route, every method, any body of any content type, any query string: never a 5xx.

Walks ``app.url_map`` (so a route another branch adds is fuzzed without anyone listing it) and
posts JSON (valid, broken, of any shape), multipart (fields and files), url-encoded forms and
plain garbage under honest and lying ``Content-Type`` headers; as nobody, as a signed-in
administrator, and as a parent in the middle of a questionnaire. Issue 18 found two 500s
that form-only property tests could not reach (a JSON body, a line break in ``next``).

Weakened: without ``security.FormRequest`` (JSON bodies fed to the forms) or without the
``isprintable`` check in ``security.safe_next``, ``test_every_route_takes_any_body`` fails within
its first examples.

``PORTAL_FUZZ_EXAMPLES`` sets the number of random examples per audience (default 60, CI may
set 2000); the sweep over every route with one body of each kind always runs in full.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from urllib.parse import quote, urlencode

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import (
    EIGHTEEN_MONTHS,
    Parent,
    Staff,
    create_link,
    make_app,
    make_staff,
    with_fresh_stores,
)

EXAMPLES = int(os.environ.get("PORTAL_FUZZ_EXAMPLES", "60"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large],
)
#: Ending the signed-in session would leave the remaining examples anonymous.
SESSION_ENDING = {"staff.logout"}
FIELD_NAMES = [
    "csrf_token", "email", "password", "confirm", "current", "code", "action", "language",
    "yes", "no", "questionnaire", "channel", "phone", "nonce", "role", "team", "municipality",
    "name", "active", "next", "t", "visit_useful", "changes", "comments", "status", "format",
    "period", "version", "release", "k",
]
CONTENT_TYPES = [
    "application/json", "application/json; charset=utf-16", "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=latin-1", "multipart/form-data",
    "multipart/form-data; boundary=", "multipart/form-data; boundary=zz", "text/plain",
    "application/xml", "application/octet-stream", "", "*/*", "x/y; a=\"b", "text/html; ;;",
]
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=60)
NASTY = st.sampled_from([
    "", "\x00", "\r\n", "%0d%0aX", "/staff/%0d%0aX", "//evil.example", "\u2028", "\ufeff",
    "9" * 30, "-1", "1e309", "NaN", "[]", "{}", "../..", "%", "%zz", "\udcff".encode(
        "utf-8", "surrogatepass").decode("latin-1"), "x" * 3000, "٣", "３",
])
VALUE = st.one_of(TEXT, NASTY, st.integers().map(str))
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(FIELD_NAMES) | TEXT, inner, max_size=5),
    max_leaves=12,
)


@st.composite
def bodies(draw) -> dict:
    """Keyword arguments for the test client's ``open``: a body and its headers."""
    kind = draw(st.sampled_from(["json", "broken-json", "urlencoded", "multipart", "garbage"]))
    fields = draw(st.lists(st.tuples(st.sampled_from(FIELD_NAMES) | TEXT, VALUE), max_size=8))
    if kind == "json":
        return {"data": json.dumps(draw(JSON)), "content_type": "application/json"}
    if kind == "broken-json":
        text = json.dumps(draw(JSON))
        cut = draw(st.integers(0, max(len(text) - 1, 0)))
        return {"data": text[:cut] + draw(st.sampled_from(["", ",", "[", "{\"a\":", "\\"])),
                "content_type": "application/json"}
    if kind == "urlencoded":
        body = urlencode(fields)
        return {"data": body, "content_type": draw(st.sampled_from(CONTENT_TYPES[2:4]))}
    if kind == "multipart":
        data: dict = {}
        for name, value in fields:
            data.setdefault(name, []).append(value)
        if draw(st.booleans()):
            name = draw(st.sampled_from(FIELD_NAMES))
            data.setdefault(name, []).append(
                (io.BytesIO(draw(st.binary(max_size=200))), draw(TEXT) or "f.csv")
            )
        return {"data": data}  # the client writes a proper multipart body
    return {"data": draw(st.binary(max_size=400)),
            "content_type": draw(st.sampled_from(CONTENT_TYPES))}


QUERY = st.lists(st.tuples(st.sampled_from(FIELD_NAMES) | TEXT, VALUE), max_size=4).map(
    lambda pairs: "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)
)


def _routes(app: Flask) -> list[tuple[str, str, dict[str, str]]]:
    """(endpoint, method, {argument: converter kind}) for every rule and method."""
    found = []
    for rule in app.url_map.iter_rules():
        kinds = {name: type(conv).__name__ for name, conv in rule._converters.items()}
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, kinds))
    return sorted(found)


def _build(app: Flask, endpoint: str, kinds: dict[str, str], draw_value=None) -> str:
    values = {}
    for name, kind in kinds.items():
        if "Integer" in kind:
            values[name] = draw_value("int") if draw_value else 1
        else:
            values[name] = draw_value("str") if draw_value else "x.y-z"
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **values)


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory) -> Iterator[Flask]:
    app = make_app(tmp_path_factory.mktemp("fuzz"), None,
                   # Throttling would soon answer 429 to everything: the point is the paths
                   # behind the limits.
                   LOGIN_LIMIT_PER_PAIR="100000 per minute", LOGIN_LIMIT_PER_ADDRESS=
                   "100000 per minute", LOGIN_LIMIT_PER_ACCOUNT="100000 per minute",
                   MFA_LIMIT_PER_ACCOUNT="100000 per minute",
                   MFA_LIMIT_PER_ADDRESS="100000 per minute", LINK_OPEN_LIMIT="100000 per minute")
    yield from with_fresh_stores(app)


@pytest.fixture(scope="module")
def audiences(fuzz_app: Flask) -> dict[str, object]:
    """A client per audience: nobody, a signed-in admin, a parent half-way through."""
    _, email = make_staff(fuzz_app, "admin")
    admin = Staff(fuzz_app.test_client())
    assert admin.login(email).status_code == 303
    _, token = create_link(fuzz_app)
    parent = Parent(fuzz_app.test_client())
    parent.start(token)
    parent.answer(1, EIGHTEEN_MONTHS[0])
    return {"anonymous": fuzz_app.test_client(), "admin": admin.client, "parent": parent.client}


def _check(client, method: str, url: str, query: str, body: dict, where: str) -> None:
    target = f"{url}?{query}" if query else url
    response = client.open(target, method=method, **body)
    assert response.status_code < 500, f"{where}: {method} {target} -> {response.status_code}"


@pytest.mark.parametrize("who", ["anonymous", "admin", "parent"])
def test_every_route_once_with_each_kind_of_body(fuzz_app, audiences, who):
    """The sweep: each route and method, with a broken JSON body, a JSON list, a multipart
    file, a url-encoded form of nonsense and raw bytes under a lying header."""
    client = audiences[who]
    def fixed() -> list[dict]:
        return [
        {"data": '{"a": [1,', "content_type": "application/json"},
        {"data": "[1, 2, {\"x\": null}]", "content_type": "application/json"},
        {"data": {"file": (io.BytesIO(b"\x00\xff"), "a.csv"), "email": "x"}},
        {"data": "email=%00&password=%ff&next=/staff/%0d%0aX&code=\u0663",
         "content_type": "application/x-www-form-urlencoded"},
        {"data": b"\xff\xfe\x00garbage", "content_type": "multipart/form-data; boundary=zz"},
        # A part whose name Werkzeug reads as None, and the CSRF token as a file (a 500 once).
        {"data": {"\\": [""], "csrf_token": [(io.BytesIO(b""), "f.csv")]}},
        ]
    routes = [r for r in _routes(fuzz_app) if not (who == "admin" and r[0] in SESSION_ENDING)]
    assert len(routes) > 30
    for endpoint, method, kinds in routes:
        url = _build(fuzz_app, endpoint, kinds)
        for body in fixed() if method != "GET" else fixed()[:1]:
            _check(client, method, url, "next=/staff/%0d%0aX&t=%ff", body, f"{who} {endpoint}")


@pytest.mark.parametrize("who", ["anonymous", "admin", "parent"])
def test_every_route_takes_any_body(fuzz_app, audiences, who):
    routes = [r for r in _routes(fuzz_app) if not (who == "admin" and r[0] in SESSION_ENDING)]
    client = audiences[who]

    @SETTINGS
    @given(route=st.sampled_from(routes), body=bodies(), query=QUERY, data=st.data())
    def run(route, body, query, data):
        endpoint, method, kinds = route

        def value(kind: str):
            if kind == "int":
                return data.draw(st.integers(0, 2**31 - 1))
            return data.draw(st.text(st.characters(exclude_categories=["Cs"],
                                                   exclude_characters="/"), min_size=1,
                                     max_size=80))

        url = _build(fuzz_app, endpoint, kinds, value)
        _check(client, method, url, query, body if method != "GET" else {}, f"{who} {endpoint}")

    run()
