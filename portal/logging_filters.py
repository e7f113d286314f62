"""Keep link tokens out of every log line: the dev server's, gunicorn's and our own.

One list says which URLs carry a secret: ``SECRET_PATHS`` (a path prefix whose next segment is
a secret) and ``SECRET_QUERY_NAMES`` (query parameters whose value is one). A helper adding a
new token-bearing route adds one entry here and ``tests/test_log_masking.py`` covers it.
Matching ignores case (``/S/<token>`` is a 404, but the token is still in the line) and sees
through percent-encoding of the prefix (``/%73/<token>``, ``%2Fs%2F``).
"""

from __future__ import annotations

import logging
import re

#: (prefix, segments after it that are token-free pages and stay readable). Anything else
#: after the prefix may be (part of) a token, even a mangled one: a truncated link still
#: carries the secret.
SECRET_PATHS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # The parent's link (``/s/<token>``) and, beside it, the parent's token-free pages.
    ("/s/", ("language", r"consent\.txt", "consent", "declined", r"page/\d+", "thanks",
             "accessibility", "privacy", "device", "code", "static")),
    # Staff set-password links (72 hours: an account takeover if leaked).
    ("/staff/set-password/", ()),
    # Short codes typed from a printed card, and single sign-on callbacks with one-time codes.
    ("/c/", ()),
    ("/k/", ()),
    ("/staff/sso/callback/", ()),
)
#: Query parameters that may hold a link token, a short code or an IdP's one-time code.
SECRET_QUERY_NAMES = ("t", "token", "code", "k", "key", "secret", "state", "samlresponse",
                      "ticket")

MASK = "/s/<token>"
PASSWORD_LINK_MASK = "/staff/set-password/<token>"  # noqa: S105  (a placeholder)
TOKEN = "<token>"  # noqa: S105  (a placeholder)
_END = r"""[/?#\s"'&;]"""


def _literal(text: str) -> str:
    """A regex for ``text`` that also matches it percent-encoded, character by character."""
    parts = []
    for char in text:
        encoded = f"%{ord(char):02x}"
        parts.append(f"(?:{re.escape(char)}|{encoded})")
    return "".join(parts)


def _path_pattern(prefix: str, token_free: tuple[str, ...]) -> re.Pattern[str]:
    free = ""
    if token_free:
        free = f"(?!(?:{'|'.join(token_free)})(?={_END}|$))"
    return re.compile(f"{_literal(prefix)}{free}[^/?#\\s\"'&;]+", re.IGNORECASE)


_PATHS = [(_path_pattern(prefix, free), prefix + TOKEN) for prefix, free in SECRET_PATHS]
_QUERY = re.compile(
    r"((?:^|[?&;]|%3f|%26)(?:" + "|".join(SECRET_QUERY_NAMES) + r")(?:=|%3d))[^&#\s\"';]*",
    re.IGNORECASE,
)


def mask_tokens(text: str) -> str:
    """``text`` with every secret in a URL path or query replaced by ``<token>``."""
    for pattern, replacement in _PATHS:
        text = pattern.sub(replacement, text)
    return _QUERY.sub(lambda match: match.group(1) + TOKEN, text)


class TokenMaskingFilter(logging.Filter):
    """Rewrites a record's message so that a secret-bearing URL never reaches a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_tokens(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class NoResultRowsFilter(logging.Filter):
    """Drops SQLAlchemy's DEBUG lines that print result rows: rows hold contact details and
    answers. (Statement parameters are hidden by ``hide_parameters``; see config.)"""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.startswith("Row "))


def install() -> None:
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error", "portal"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, TokenMaskingFilter) for f in logger.filters):
            logger.addFilter(TokenMaskingFilter())
    engine_logger = logging.getLogger("sqlalchemy.engine.Engine")
    if not any(isinstance(f, NoResultRowsFilter) for f in engine_logger.filters):
        engine_logger.addFilter(NoResultRowsFilter())
