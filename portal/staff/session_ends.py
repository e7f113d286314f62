"""Session ends: every staff session can be ended on the server, and ends by itself when idle
for ``STAFF_IDLE_MINUTES`` or open for ``STAFF_MAX_HOURS``. Imports nothing else of the staff
side, so the second factor, accounts and sign-in can all use it without an import circle."""

from __future__ import annotations

import secrets
import time

from flask import current_app, flash, g, session
from flask_babel import gettext as _

from ..models.personal import StaffUser


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def end_all_sessions(user: StaffUser) -> None:
    """Every session cookie of this user stops working at the next request. Caller commits."""
    user.session_token = new_session_token()


def session_is_fresh(now: float | None = None) -> bool:
    """False, and the session emptied with a note for the login page, once the session has
    been idle for ``STAFF_IDLE_MINUTES`` or open for ``STAFF_MAX_HOURS``."""
    now = time.time() if now is None else now
    auth_at, seen_at = session.get("auth_at"), session.get("seen_at")
    if not isinstance(auth_at, int) or not isinstance(seen_at, int):
        return False
    config = current_app.config
    idle = float(config["STAFF_IDLE_MINUTES"]) * 60
    longest = float(config["STAFF_MAX_HOURS"]) * 3600
    if now - auth_at > longest:
        message = _("You have been logged in for a long time, so you were logged out. "
                    "Log in again.")
    elif now - seen_at > idle:
        message = _("You were logged out because the page was not used for a while. "
                    "Log in again.")
    else:
        return True
    session.clear()
    g.staff_session_expired = True
    flash(message)
    return False
