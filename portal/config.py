"""Configuration: defaults, then ``PORTAL_*`` environment variables, then the caller's dict."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from babel import Locale
from flask import Flask

#: Languages a parent can choose, in the order the picker lists them. Danish is the default and,
#: with English, the reference; portal.i18n.LANGUAGE_STATUS says which are reviewed.
PARENT_LANGUAGES = ("da", "en", "ar", "fa", "ur", "so", "tr", "pl", "uk", "ti")
#: Right-to-left languages, as Babel's locale data says (``Locale.text_direction``): not kept
#: by hand, so a new parent language gets its direction with it.
RTL_LANGUAGES = frozenset(
    code for code in PARENT_LANGUAGES if Locale.parse(code).text_direction == "rtl"
)

DEFAULTS: dict[str, Any] = {
    # "production" unless told otherwise: a forgotten setting must fail loudly, not fall back
    # to a development secret.
    "ENV": "production",
    "SECRET_KEY": None,
    "SECRET_KEY_FALLBACKS": [],
    "PERSONAL_DATABASE_URL": None,
    "RESPONSES_DATABASE_URL": None,
    "BASE_URL": "http://127.0.0.1:5000",
    "LINK_LIFETIME_DAYS": 30,
    "SQLITE_BUSY_TIMEOUT_SECONDS": 30,
    "LANGUAGES": list(PARENT_LANGUAGES),
    "BABEL_DEFAULT_LOCALE": "da",
    "BABEL_DEFAULT_TIMEZONE": "Europe/Copenhagen",
    "CONSENT_FILE": None,
    # The Danish web accessibility act's enforcement procedure: complaints about accessibility
    # go to the Agency for Digital Government (Digitaliseringsstyrelsen).
    "ACCESSIBILITY_COMPLAINT_URL": "https://www.was.digst.dk/",
    "SQLALCHEMY_TRACK_MODIFICATIONS": False,
    "SESSION_COOKIE_HTTPONLY": True,
    # None: Secure everywhere but development (plain-HTTP loopback).
    "SESSION_COOKIE_SECURE": None,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": 60 * 60 * 24 * 7,
    "WTF_CSRF_TIME_LIMIT": 3600,
    "MAX_CONTENT_LENGTH": 256 * 1024,
    # k: the smallest group of responses an export or an evaluation page may show.
    "EXPORT_MIN_GROUP": 5,
    # Staff accounts (issue 3).
    "RATELIMIT_STORAGE_URI": "memory://",
    # Failed passwords (issue 18, see portal/staff/login_limits.py): per account and
    # address (or device) with growing waits; per address across accounts; per account across
    # addresses, which then admits only devices and addresses that signed in before.
    "LOGIN_LIMIT_PER_PAIR": "5 per 5 minutes; 10 per hour; 20 per day",
    "LOGIN_LIMIT_PER_ACCOUNT": "20 per 15 minutes; 100 per day",
    "LOGIN_LIMIT_PER_ADDRESS": "30 per 15 minutes",
    #: How long a device cookie, and an address that completed a login, count as known.
    "LOGIN_KNOWN_DAYS": 90,
    "SET_PASSWORD_LINK_HOURS": 72,
    # Second factor (TOTP) for every staff role, and how long a staff session lasts.
    "MFA_ISSUER": "Første 1000 dage",
    "MFA_LIMIT_PER_ACCOUNT": "5 per 15 minutes",
    "MFA_LIMIT_PER_ADDRESS": "30 per 15 minutes",
    #: Wrong authenticator codes in a row before only a recovery code (or an admin) helps, and
    #: wrong recovery codes in a row before only an admin does. The user is told by e-mail.
    "MFA_MAX_FAILURES": 10,
    "RECOVERY_MAX_FAILURES": 10,
    #: Minutes between the password and the second factor before the password is asked again.
    "MFA_PENDING_MINUTES": 10,
    "STAFF_IDLE_MINUTES": 30,
    "STAFF_MAX_HOURS": 10,
    # Flask-Login's "remember me" is never offered; should it ever be, its cookie is safe too.
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_SECURE": None,
    # Parents: link openings per client address (token guessing is hopeless, but cheap to stop).
    "LINK_OPEN_LIMIT": "30 per minute",
    #: Number of reverse proxies in front of the app whose X-Forwarded-For is trusted (0: none).
    "PROXY_FIX_X_FOR": 0,
    "PASSWORD_MIN_LENGTH": 12,
    # Delivery: None means the console outbox in development, switched off in production.
    "SMS_BACKEND": None,
    "SMS_URL": None,
    "SMS_TOKEN": None,
    "SMS_SENDER": "Sundhed",
    "SMS_TIMEOUT_SECONDS": 10,
    "EMAIL_BACKEND": None,
    "SMTP_HOST": "localhost",
    "SMTP_PORT": 587,
    "SMTP_SECURITY": "starttls",
    "SMTP_USERNAME": None,
    "SMTP_PASSWORD": None,
    "SMTP_TIMEOUT_SECONDS": 15,
    "MAIL_FROM": None,
    "PHONE_REGION": "DK",
    # Follow-up jobs.
    "REMINDER_MAX": 2,
    "REMINDER_INTERVAL_DAYS": 7,
    "RETENTION_DAYS": 30,
    # Mixed batches (portal/mixing.py): a batch of responses is released once this many
    # submissions wait across the deployment ...
    "MIX_MIN_BATCH": 10,
    # ... or once one has waited this many scheduled runs of `flask responses flush` (with the
    # timer every 15 minutes, 96 runs are a day). Such a batch may be smaller: docs/privacy.md.
    "MIX_MAX_ROUNDS": 96,
    # Tests only (refused elsewhere): False writes responses at once, the unprotected build the
    # attacker tests first succeed against.
    "MIX_RESPONSES": True,
    # Retention (portal/retention.py, `flask purge`), in days.
    "DRAFT_GRACE_DAYS": 14,
    "CONSENT_RETENTION_DAYS": 90,
    "INVITATION_RETENTION_DAYS": 180,
}

REQUIRED_OUTSIDE_DEVELOPMENT = ("SECRET_KEY", "PERSONAL_DATABASE_URL", "RESPONSES_DATABASE_URL")


class ConfigError(RuntimeError):
    """Start-up stops: a required setting is missing or wrong."""


def load_config(app: Flask, overrides: dict[str, Any] | None) -> None:
    """Fill ``app.config`` and derive the two database binds."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("PORTAL")
    if overrides:
        app.config.from_mapping(overrides)

    development = app.config["ENV"] in ("development", "testing")
    if not development:
        for name in REQUIRED_OUTSIDE_DEVELOPMENT:
            if not app.config.get(name):
                raise ConfigError(
                    f"PORTAL_{name} is not set. The portal refuses to start outside development "
                    f"without it (PORTAL_ENV={app.config['ENV']})."
                )
        _check_production(app.config)
    else:
        instance = Path(app.instance_path)
        instance.mkdir(parents=True, exist_ok=True)
        if not app.config.get("SECRET_KEY"):
            app.config["SECRET_KEY"] = _development_secret(instance)
        for name, store in (("PERSONAL", "personal"), ("RESPONSES", "responses")):
            key = f"{name}_DATABASE_URL"
            if not app.config.get(key):
                app.config[key] = f"sqlite:///{instance / (store + '.sqlite3')}"

    app.config["SQLALCHEMY_BINDS"] = {
        "personal": _driver_url(app.config["PERSONAL_DATABASE_URL"]),
        "responses": _driver_url(app.config["RESPONSES_DATABASE_URL"]),
    }
    if app.config["SESSION_COOKIE_SECURE"] is None:
        app.config["SESSION_COOKIE_SECURE"] = not development
    if app.config["REMEMBER_COOKIE_SECURE"] is None:
        app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    if not app.config["MIX_RESPONSES"] and app.config["ENV"] != "testing":
        raise ConfigError("PORTAL_MIX_RESPONSES=false is for tests only: responses would be "
                          "stored in an order that links them to their invitations.")
    for lang in app.config["LANGUAGES"]:
        if lang not in PARENT_LANGUAGES:
            raise ConfigError(f"PORTAL_LANGUAGES names an unknown language: {lang!r}")


def _check_production(config: Any) -> None:
    """What would start but cannot work: links to a loopback address, or over plain HTTP."""
    base_url = str(config.get("BASE_URL") or "")
    why = (
        "every SMS, e-mail, QR code and set-password link is built from it "
        f"(PORTAL_ENV={config['ENV']})."
    )
    if not base_url or base_url == DEFAULTS["BASE_URL"]:
        raise ConfigError(
            f"PORTAL_BASE_URL is not set. Set it to the portal's public https:// address: {why}"
        )
    if urlsplit(base_url).scheme != "https" or not urlsplit(base_url).hostname:
        raise ConfigError(
            f"PORTAL_BASE_URL must be the portal's public https:// address, not {base_url!r}: "
            f"{why}"
        )


def rate_limit_warning(config: Any, environ: Any) -> str | None:
    """A warning when limits are counted per process but several processes serve: each worker
    then allows the full limit, so a client gets N times as many tries."""
    if config["ENV"] in ("development", "testing"):
        return None
    if not str(config.get("RATELIMIT_STORAGE_URI") or "memory://").startswith("memory://"):
        return None
    try:
        # gunicorn.conf.py's rule: WEB_CONCURRENCY, else 2 x cores + 1.
        workers = int(environ.get("WEB_CONCURRENCY") or (os.cpu_count() or 1) * 2 + 1)
    except ValueError:
        workers = 2
    if workers <= 1:
        return None
    return (
        f"PORTAL_RATELIMIT_STORAGE_URI is memory:// with {workers} workers: every worker counts "
        "login, code and link-opening limits on its own, so a client gets up to "
        f"{workers} times the limit. Set it to a shared Redis (redis://host:6379/0)."
    )


def _driver_url(url: str) -> str:
    """Plain PostgreSQL URLs use psycopg 3, the driver we install."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def _development_secret(instance: Path) -> str:
    """A per-checkout key kept in the instance folder, so links survive a restart."""
    path = instance / "development-secret-key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()
