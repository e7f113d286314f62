"""The short address on a printed card: a parent types the card's code instead of scanning.

``/k`` (short to type) leads to ``/s/k``, a form for the code. A code that a card carries
sends the parent on to the link it stands for (``/s/<token>``, which opens it as any link is
opened); anything else is answered on the form, in the parent's language. Posting a code is
rate-limited per address like opening a link, so codes cannot be tried one after another
(portal/short_codes.py, docs/security.md).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField

from .. import links, short_codes
from ..extensions import limiter
from . import bp

SHORT_PATH = "/k"


class CodeForm(FlaskForm):
    code = StringField(_l("The code from the card"))


def _limit() -> str:
    return current_app.config["LINK_OPEN_LIMIT"]


@bp.route("/k", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"])  # per client address, like opening a link
def short_code() -> Any:
    form = CodeForm()
    error = None
    if request.method == "POST" and form.validate_on_submit():
        outcome = open_code(form.code.data)
        if isinstance(outcome, str):
            return redirect(url_for("parent.open_link", token=outcome), code=303)
        error = outcome
    status = 400 if error else 200
    return render_template("parent/short_code.html", form=form, error=error), status


def open_code(typed: str | None) -> str | Any:
    """The token of the link a typed code stands for, or the (lazy) message saying why not.

    A code whose invitation is answered, revoked or expired still leads to its link: the link's
    own page then says which, kindly, in the invitation's language.
    """
    if short_codes.normalise(typed) is None:
        return _l(
            "A code has 12 letters and digits, like 4K7Q-9XMB-2T0R. Check that you typed "
            "all of it."
        )
    found = short_codes.find(typed)
    if found is None:
        return _l(
            "We do not know this code. Check it against the card, or scan the QR code on the "
            "card instead."
        )
    _invitation, secret = found
    return links.token_for(secret)


def _to_form() -> Any:
    return redirect(url_for("parent.short_code"))


@bp.record_once
def _register_short_path(state: Any) -> None:
    # The address on the card sits at the top of the site, where it is shortest to type.
    app: Flask = state.app
    app.add_url_rule(SHORT_PATH, "short_code_entry", _to_form)
