"""The First 1000 Days questionnaire and consent portal."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, render_template
from flask_babel import get_locale, get_translations
from flask_wtf.csrf import CSRFError

from . import config, i18n, logging_filters, security, sessions, stores
from .extensions import babel, csrf, db, migrate
from .questionnaires import load_all

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_overrides: dict[str, Any] | None = None) -> Flask:
    """Build the portal. ``config_overrides`` wins over defaults and ``PORTAL_*`` variables."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(
            Path((config_overrides or {}).get("INSTANCE_PATH") or ROOT / "instance").resolve()
        ),
        instance_relative_config=True,
    )
    config.load_config(app, config_overrides)
    warning = config.rate_limit_warning(app.config, os.environ)
    if warning:
        app.logger.warning(warning)
    trusted_proxies = int(app.config["PROXY_FIX_X_FOR"] or 0)
    if trusted_proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # The client address per-address limits count is the one the trusted proxies saw;
        # without this every request seems to come from the proxy itself.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted_proxies)  # type: ignore[method-assign]

    db.init_app(app)
    stores.configure_engines(app)
    from . import models  # noqa: F401  (registers both stores' tables)

    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        default_translation_directories=str(ROOT / "translations"),
    )
    csrf.init_app(app)
    sessions.init_app(app)
    security.init_app(app)
    logging_filters.install()
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.add_extension("jinja2.ext.i18n")

    # Invalid definitions or consent text stop start-up here, naming the file and field.
    app.extensions["questionnaires"] = load_all()
    from .parent import consent

    consent.init_app(app)

    from .parent import bp as parent_bp

    app.register_blueprint(parent_bp)

    from .staff import auth as staff_auth
    from .staff import bp as staff_bp

    staff_auth.init_app(app)
    app.register_blueprint(staff_bp)

    from . import evaluation

    evaluation.register(app)

    from . import cli

    cli.init_app(app)

    @app.context_processor
    def _layout() -> dict[str, Any]:
        locale = str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"])
        return {
            "lang": locale,
            "text_dir": i18n.text_direction(locale),
            **i18n.bound_gettext(get_translations()),
        }

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):
        return render_template("errors/csrf.html"), 400

    @app.errorhandler(403)
    def _forbidden(error: Exception):
        return render_template("staff/forbidden.html"), 403

    @app.errorhandler(404)
    def _not_found(error: Exception):
        return render_template("errors/not_found.html"), 404

    @app.errorhandler(405)
    def _not_allowed(error: Exception):
        return render_template("errors/not_found.html"), 405

    @app.errorhandler(413)
    def _too_large(error: Exception):
        return render_template("errors/too_large.html"), 413

    @app.errorhandler(500)
    def _server_error(error: Exception):
        return render_template("errors/server_error.html"), 500

    @app.get("/")
    def index():
        return render_template("index.html")

    @app.get("/favicon.ico")
    def favicon():
        # Browsers ask for it on every page whatever the page links to: no 404 in every log.
        return app.send_static_file("favicon.ico")

    return app
