"""Security headers on every response, and security events in the log.

Security events (``portal.security`` logger, WARNING): every 403 and 429 answer, lockouts and
second-factor locks. They carry the endpoint, the masked path and the staff id if any; never a
password, token or contact detail. Operations ship this logger to the municipality's SIEM.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Request, Response, has_request_context, request

CSP = (
    "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'; img-src 'self' data:"
)

security_log = logging.getLogger("portal.security")

#: Answers worth a security event: refused access and throttling.
_EVENT_STATUSES = {403: "access.denied", 429: "access.throttled"}


def _staff_id() -> int | None:
    from flask_login import current_user

    try:
        return current_user.id if current_user.is_authenticated else None
    except Exception:  # noqa: BLE001  (a broken session must not break the log line)
        return None


def log_event(event: str, **fields: Any) -> None:
    """One security event as ``event key=value ...`` (masked like every other log line)."""
    if has_request_context():
        from .logging_filters import mask_tokens

        fields.setdefault("method", request.method)
        fields.setdefault("path", mask_tokens(request.path)[:200])
        fields.setdefault("endpoint", request.endpoint)
        fields.setdefault("staff", _staff_id())
    text = " ".join(f"{key}={value}" for key, value in sorted(fields.items()))
    security_log.warning("security %s %s", event, text)


class FormRequest(Request):
    """The portal's request: every page takes HTML forms, and none takes JSON.

    Flask-WTF would otherwise build a form from a JSON body, and a body that does not parse
    (or parses to a list or a string) raised inside the CSRF error handler: a 500. Here such a
    body is simply no form data, and the page answers as for an empty form.
    """

    @property
    def is_json(self) -> bool:
        return False

    def _load_form_data(self) -> None:
        # A multipart part whose name Werkzeug cannot read (``name="\\"``) arrives with the
        # name None, and Flask-WTF's CSRF check calls ``.endswith`` on every name: a 500.
        # Such a part is no field of any form, so it is dropped.
        super()._load_form_data()
        for name in ("form", "files"):
            data = self.__dict__.get(name)
            if data is not None and None in data:
                self.__dict__[name] = type(data)(
                    (key, value) for key, value in data.items(multi=True) if key is not None
                )


def init_app(app: Flask) -> None:
    app.request_class = FormRequest
    production = app.config["ENV"] not in ("development", "testing")

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if production:
            headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
        if request.endpoint != "static":
            # Pages may show personal data (staff) or a parent's answers: never cache them.
            headers["Cache-Control"] = "no-store"
        event = _EVENT_STATUSES.get(response.status_code)
        if event:
            log_event(event, status=response.status_code)
        return response
