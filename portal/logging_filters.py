"""Keep link tokens out of every log line: the dev server's, gunicorn's and our own."""

from __future__ import annotations

import logging
import re

# Anything under /s/ that is not one of the token-free parent pages may be (part of) a token,
# even a mangled one: a truncated link still carries the secret.
_TOKEN_PATH = re.compile(
    r"/s/(?!(?:language|consent\.txt|consent|declined|page/\d+|thanks|accessibility)"
    r"(?=[/?\s\"']|$))[^/?\s\"']+"
)
MASK = "/s/<token>"
_PASSWORD_LINK = re.compile(r"/staff/set-password/[A-Za-z0-9_\-.]+")
PASSWORD_LINK_MASK = "/staff/set-password/<token>"  # noqa: S105  (a placeholder)


def mask_tokens(text: str) -> str:
    return _PASSWORD_LINK.sub(PASSWORD_LINK_MASK, _TOKEN_PATH.sub(MASK, text))


class TokenMaskingFilter(logging.Filter):
    """Rewrites a record's message so that a ``/s/<token>`` path never reaches a handler."""

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
