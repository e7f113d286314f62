"""Issue 18, finding 4: no secret-bearing URL in any log: ours, gunicorn's, the documented nginx.

The portal's masking is one list (``SECRET_PATHS``, ``SECRET_QUERY_NAMES`` in
portal/logging_filters.py); the nginx ``map`` in docs/deployment.md is checked here against the
same samples, by reading the documented configuration and playing nginx's first-match rules.

Weakened: with the old masking (``/s/<token>`` only, case-sensitive, no query strings) the
``/S/``, ``?t=`` and percent-encoded samples fail; with the old nginx map (``$request_uri``,
``/s/`` only) the set-password sample fails.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import unquote

import pytest

from portal.logging_filters import SECRET_PATHS, mask_tokens
from portal.staff import password_links

from .conftest import Staff, make_staff

SECRET = "Zq8pW3xK9vR2mT7nB4cY6hJ1.aAbB.cC-dD_eE"
#: (a URL as a client may send it, the secret in it)
LEAKS = [
    (f"/s/{SECRET}", SECRET),
    (f"/S/{SECRET}", SECRET),
    (f"/s/?t={SECRET}", SECRET),
    (f"/s?T={SECRET}&lang=da", SECRET),
    (f"/s/language?next=/s/{SECRET}", SECRET),
    (f"/%73/{SECRET}", SECRET),
    (f"//s/{SECRET}", SECRET),
    (f"/staff/set-password/{SECRET}", SECRET),
    (f"/STAFF/Set-Password/{SECRET}", SECRET),
    (f"/staff/set-password/{SECRET}?x=1", SECRET),
    ("/c/K7M3Q9", "K7M3Q9"),
    ("/k/K7M3Q9", "K7M3Q9"),
    (f"/staff/sso/callback/entra?code={SECRET}&state=abcdef123456", SECRET),
]
SAFE = ["/s/page/2", "/s/consent.txt", "/s/language", "/staff/login?next=/staff/invitations",
        "/staff/invitations?status=sent", "/evaluation/", "/static/css/staff.css"]


@pytest.mark.parametrize(("url", "secret"), LEAKS)
def test_the_portal_masks_every_secret_bearing_url(url, secret):
    for line in (f'127.0.0.1 - - "GET {url} HTTP/1.1" 303 -', f"https://portal.example{url}"):
        assert secret not in mask_tokens(line), line
        assert "<token>" in mask_tokens(line)


@pytest.mark.parametrize("url", SAFE)
def test_token_free_urls_stay_readable(url):
    assert mask_tokens(f"GET {url} HTTP/1.1") == f"GET {url} HTTP/1.1"


def test_every_secret_path_is_in_the_one_list():
    prefixes = [prefix for prefix, _free in SECRET_PATHS]
    assert {"/s/", "/staff/set-password/", "/c/", "/k/"} <= set(prefixes)


def _gunicorn_atoms(raw_uri: str, referer: str = "") -> dict:
    from gunicorn.config import Config

    from portal.gunicorn_logging import TokenMaskingLogger

    path, _, query = raw_uri.partition("?")
    request = SimpleNamespace(method="GET", path=path, query=query, uri=raw_uri,
                              version=(1, 1), headers=[("REFERER", referer)])
    response = SimpleNamespace(status="303 See Other", sent=0, headers=[], response_length=0)
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": raw_uri, "PATH_INFO": unquote(path),
               "QUERY_STRING": query, "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
               "HTTP_REFERER": referer}
    return TokenMaskingLogger(Config()).atoms(response, request, environ, timedelta(seconds=0))


@pytest.mark.parametrize(("url", "secret"), LEAKS)
def test_gunicorns_access_log_masks_every_atom(url, secret):
    atoms = _gunicorn_atoms(url, referer=f"https://portal.example{url}")
    leaking = {key: value for key, value in atoms.items()
               if isinstance(value, str) and secret in value}
    assert not leaking


def test_a_set_password_link_opened_leaves_no_token_in_the_werkzeug_log(app, caplog):
    caplog.set_level(logging.DEBUG)
    _, email = make_staff(app, password=None)
    with app.app_context():
        from portal.extensions import db
        from portal.models.personal import StaffUser

        token = password_links.password_link_token(
            db.session.execute(db.select(StaffUser).filter_by(email=email)).scalar_one())
    for name in ("werkzeug", "gunicorn.access", "portal"):
        logging.getLogger(name).info('"GET /STAFF/set-password/%s HTTP/1.1" 200', token)
    Staff(app.test_client()).get(f"/staff/set-password/{token}")
    assert token not in caplog.text
    assert "/staff/set-password/<token>" in caplog.text


# --- the documented nginx configuration ---------------------------------------------------------


def _nginx_block() -> str:
    doc = Path("docs/deployment.md").read_text(encoding="utf-8")
    match = re.search(r"```nginx\n(.*?)```", doc, re.S)
    assert match, "docs/deployment.md has no nginx block"
    return match.group(1)


def _nginx_map() -> tuple[str, list[tuple[re.Pattern[str], str]], str]:
    block = _nginx_block()
    match = re.search(r"map \$(\w+) \$loggable_uri \{\n(.*?)\n\s*\}", block, re.S)
    assert match, "the nginx map for $loggable_uri is gone"
    source, body = match.groups()
    rules, default = [], None
    for line in body.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        entry = re.fullmatch(r'"?(.+?)"?\s+("[^"]*"|\$\w+);', line)
        assert entry, line
        key, value = entry.groups()
        if key == "default":
            default = value
            continue
        assert key.startswith("~*"), "every rule must ignore case (~*)"
        rules.append((re.compile(key[2:], re.IGNORECASE), value))
    assert default is not None
    return source, rules, default


def _nginx_uri(url: str) -> str:
    """What nginx puts in $uri: the path, percent-decoded, slashes merged, no query string."""
    return re.sub("/{2,}", "/", unquote(url.partition("?")[0]))


def _logged(url: str) -> str:
    source, rules, default = _nginx_map()
    assert source == "uri", "map $uri: $request_uri keeps the query string and the encoding"
    uri = _nginx_uri(url)
    for pattern, value in rules:
        if pattern.search(uri):
            return uri if value == "$uri" else value.strip('"')
    return uri if default == "$uri" else default


@pytest.mark.parametrize(("url", "secret"), LEAKS)
def test_the_documented_nginx_log_masks_every_secret_bearing_url(url, secret):
    assert secret not in _logged(url)


@pytest.mark.parametrize("url", SAFE)
def test_the_documented_nginx_log_keeps_token_free_paths(url):
    assert _logged(url) == _nginx_uri(url)


def test_the_documented_nginx_log_format_names_nothing_that_carries_a_token():
    block = _nginx_block()
    formats = re.findall(r"log_format \w+ '([^']*)'", block)
    assert formats
    for variable in ("$request ", "$request\"", "$request_uri", "$args", "$query_string",
                     "$http_referer", "$uri"):
        assert all(variable not in fmt for fmt in formats), variable
    # Every server block that logs uses that format, the plain-HTTP redirect too.
    for server in re.split(r"(?:^|\n)server \{", block)[1:]:
        assert re.search(r"access_log \S+ portal;|access_log off;", server), server[:60]
