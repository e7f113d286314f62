"""Parents and staff get different session cookies, so neither can ride on the other's."""

from __future__ import annotations

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface


def is_parent_path(path: str) -> bool:
    return path == "/s" or path.startswith("/s/")


class AudienceSessionInterface(SecureCookieSessionInterface):
    def get_cookie_name(self, app: Flask) -> str:
        if has_request_context() and is_parent_path(request.path):
            return app.config["PARENT_SESSION_COOKIE_NAME"]
        return app.config["SESSION_COOKIE_NAME"]


def init_app(app: Flask) -> None:
    secure = app.config["SESSION_COOKIE_SECURE"]
    # The __Host- prefix makes browsers refuse the cookie unless it is Secure, host-only and
    # for path /; only possible where the portal runs on HTTPS.
    prefix = "__Host-" if secure else ""
    app.config.setdefault("PARENT_SESSION_COOKIE_NAME", prefix + "portal_parent")
    if app.config.get("SESSION_COOKIE_NAME") in (None, "session"):
        app.config["SESSION_COOKIE_NAME"] = prefix + "portal_staff"
    app.session_interface = AudienceSessionInterface()
