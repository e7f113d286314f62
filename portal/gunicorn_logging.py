"""Gunicorn logger that masks ``/s/<token>`` in access-log lines (see gunicorn.conf.py)."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from .logging_filters import mask_tokens


class TokenMaskingLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "q", "f"):
            if isinstance(atoms.get(key), str):
                atoms[key] = mask_tokens(atoms[key])
        return atoms
