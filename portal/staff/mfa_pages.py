"""The second step of a staff login, its pages: enrol an authenticator app, or give its code.
The rules behind them (TOTP, recovery codes, limits) are ``mfa.py``'s.

Reachable only between a correct password and the second factor (``auth.pending_user``);
nothing else on the staff side counts the user as logged in until ``auth.start_session``.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..delivery import qr
from ..extensions import db
from ..stores import writes_on_get
from . import auth, bp, mfa
from .forms import CodeForm
from .routes import _csrf_failed_here, _csrf_message


def _address() -> str:
    return request.remote_addr or "unknown"


def _back_to_login() -> Any:
    return redirect(url_for(".login"), 303 if request.method == "POST" else 302)


def _message(check: mfa.Check) -> tuple[str, int]:
    if check.outcome == "throttled":
        return _("Too many wrong codes. Wait 15 minutes and try again."), 429
    if check.outcome == "locked":
        return _(
            "Too many wrong codes from the app were typed for your account, so codes from the "
            "app are not accepted now. Log in with one of your recovery codes, or ask your "
            "coordinator or administrator to reset the app. We have sent you an e-mail."
        ), 403
    if check.outcome == "blocked":
        return _(
            "Too many wrong codes were typed for your account. Ask your coordinator or "
            "administrator to reset your authenticator app."
        ), 403
    if check.outcome == "reused":
        return _("This code has just been used. Wait for the next code in the app."), 400
    return _("The code is not right. Check the app and try again."), 400


@bp.route("/mfa", methods=["GET", "POST"], endpoint="mfa")
def mfa_check() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for(".home"))
    user = auth.pending_user()
    if user is None:
        return _back_to_login()
    if not mfa.is_enrolled(user):
        return redirect(url_for(".mfa_enrol"), 303)
    form = CodeForm()
    error, status = None, 200
    if _csrf_failed_here():
        error, status = _csrf_message(), 400
    elif form.validate_on_submit():
        check = mfa.verify(user, form.code.data, _address())
        if check.ok:
            target = auth.pending_next() or url_for(".home")
            auth.start_session(user)
            if check.outcome == "recovery":
                flash(
                    _("You used a recovery code. Recovery codes left: %(n)s.",
                  n=check.recovery_codes_left)
                )
            return redirect(target, 303)
        error, status = _message(check)
        form.code.data = ""
    elif request.method == "POST":
        status = 400
    return render_template("staff/mfa.html", form=form, error=error), status


@bp.route("/mfa/enrol", methods=["GET", "POST"])
@writes_on_get
def mfa_enrol() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for(".home"))
    user = auth.pending_user()
    if user is None:
        return _back_to_login()
    if mfa.is_enrolled(user):
        return redirect(url_for(".mfa"), 303)
    secret = mfa.pending_secret(user)
    db.session.commit()
    form = CodeForm()
    error, status = None, 200
    if _csrf_failed_here():
        error, status = _csrf_message(), 400
    elif form.validate_on_submit():
        check, codes = mfa.confirm_enrolment(user, form.code.data, _address())
        if check.ok:
            target = auth.pending_next() or url_for(".home")
            auth.start_session(user)
            # Shown once, in this response only: nothing but their hashes is kept.
            return render_template("staff/recovery_codes.html", codes=codes, target=target)
        error, status = _message(check)
        form.code.data = ""
    elif request.method == "POST":
        status = 400
    return render_template(
        "staff/mfa_enrol.html", form=form, error=error, secret=mfa.grouped(secret)
    ), status


@bp.get("/mfa/enrol/qr.svg")
def mfa_enrol_qr() -> Any:
    user = auth.pending_user()
    if user is None or mfa.is_enrolled(user) or not user.totp_secret:
        abort(404)
    return Response(qr.svg(mfa.provisioning_uri(user)), mimetype="image/svg+xml")
