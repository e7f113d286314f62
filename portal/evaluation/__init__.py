"""Evaluators: anonymised exports with a codebook, disclosure control, response rates, charts.

The logic lives in plain modules (columns, disclosure, csv_export, dataset, codebook, bundle,
export, rates, charts, filters); ``routes.py`` only parses requests and renders.
"""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Mount ``/evaluation/``. Needs ``portal.staff`` (login and roles)."""
    from .routes import bp

    app.register_blueprint(bp)
