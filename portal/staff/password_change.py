"""``/staff/account/password``: a member of staff changes their own password (ASVS 6.2.2)."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..models.personal import Role
from . import accounts, auth, bp, labels
from .auth import roles_required
from .forms import ChangePasswordForm
from .routes import _csrf_failed_here, _csrf_message


@bp.route("/account/password", methods=["GET", "POST"])
@roles_required(*(role.value for role in Role))
def change_password() -> Any:
    user = current_user._get_current_object()
    form = ChangePasswordForm()
    error, status = None, 200
    if _csrf_failed_here():
        error, status = _csrf_message(), 400
    elif form.validate_on_submit():
        problem = accounts.change_own_password(
            user, form.current.data, form.password.data, form.confirm.data,
            request.remote_addr or "unknown",
        )
        if problem is None:
            # The change ended every session of the user; this browser goes on in a new one.
            auth.start_session(user)
            flash(_("Your password is changed. You are logged out everywhere else."))
            return redirect(url_for(".home"), 303)
        if isinstance(problem, auth.Login):
            error, status = labels.login_wait_message(problem.outcome, problem.wait), 429
        else:
            minimum = int(current_app.config["PASSWORD_MIN_LENGTH"])
            error, status = str(labels.ERROR[problem]) % {"n": minimum}, 400
    elif request.method == "POST":
        status = 400
    return render_template("staff/change_password.html", form=form, error=error), status
