"""Public pages for parents, under /s/: open a link, choose a language, consent, answer."""

from flask import Blueprint

bp = Blueprint("parent", __name__, url_prefix="/s")

from . import notices, routes, short_code  # noqa: E402,F401
