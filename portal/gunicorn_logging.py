"""Gunicorn logger that masks secret-bearing URLs in access-log lines (see gunicorn.conf.py)."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from .logging_filters import mask_tokens


class TokenMaskingLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        # Every atom, not only the request line: the path (U), the query (q), the Referer (f),
        # and any header or environ value a custom access_log_format may name.
        for key, value in atoms.items():
            if not isinstance(value, str):
                continue
            if key == "q" and value:
                atoms[key] = mask_tokens("?" + value)[1:]
            else:
                atoms[key] = mask_tokens(value)
        return atoms
