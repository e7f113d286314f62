"""The evaluation pages at ``/evaluation/``: export form, response rates, answers at a glance.

Views are thin: they read the request, call the plain functions in this package and render.
Mounted by ``portal.evaluation.register(app)`` once the staff package (login, roles) is in.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    render_template,
    request,
    stream_with_context,
)
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import Forbidden

from ..extensions import db, login_manager
from ..models.personal import Municipality
from ..staff.auth import protect, roles_required
from . import pages
from .dataset import plan_export
from .disclosure import min_group_size
from .export import file_name, media_type, record_export, stream_export
from .filters import FORMATS, ExportFilters, validate_filters, validate_scope
from .rates import response_rates

bp = Blueprint("evaluation", __name__, url_prefix="/evaluation")
protect(bp)


def _municipalities() -> list[tuple[str, str]]:
    """(code, name) of the municipalities the current user may see."""
    allowed = pages.scope(current_user)
    query = db.select(Municipality.code, Municipality.name).order_by(Municipality.code)
    if allowed is not None:
        query = query.where(Municipality.code.in_(allowed))
    return [(code, name) for code, name in db.session.execute(query)]


def _read_filters(values: Any) -> tuple[ExportFilters | None, dict[str, str]]:
    """Validate filters from a form or query string, within the user's municipalities."""
    municipalities = _municipalities()
    key, version = pages.split_choice(values.get("questionnaire"))
    municipality = values.get("municipality") or None
    if pages.scope(current_user) is not None and municipality is None and municipalities:
        # A coordinator's "all" means their own municipality.
        municipality = municipalities[0][0]
    return validate_filters(
        current_app.extensions["questionnaires"],
        [code for code, _name in municipalities],
        questionnaire=key,
        version=version,
        period_from=values.get("period_from"),
        period_to=values.get("period_to"),
        municipality=municipality,
    )


def _form_page(values: Any, errors: dict[str, str], status: int = 200) -> Any:
    return (
        render_template(
            "evaluation/export.html",
            values=values,
            errors=errors,
            questionnaires=pages.questionnaire_choices(current_app.extensions["questionnaires"]),
            municipalities=_municipalities(),
            all_municipalities=pages.scope(current_user) is None,
            formats=FORMATS,
            format_labels=pages.format_labels,
            k=min_group_size(),
        ),
        status,
    )


@bp.errorhandler(CSRFError)
def _csrf_failed(error: CSRFError) -> Any:
    # CSRFProtect runs before the blueprint's login and role checks, so they are repeated here.
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role not in pages.EVALUATION_ROLES:
        # Raising here would skip the error pages: hand the 403 to the app's handler instead.
        return current_app.handle_http_exception(Forbidden())
    # The form comes back as it was sent, with a fresh token and a note.
    return _form_page(request.form, {"form": pages.csrf_message()}, 400)


@bp.get("/")
@roles_required(*pages.EVALUATION_ROLES)
def index() -> Any:
    return _form_page({"format": "zip"}, {})


@bp.post("/export")
@roles_required(*pages.EVALUATION_ROLES)
def export() -> Any:
    fmt = request.form.get("format", "")
    filters, errors = _read_filters(request.form)
    if fmt not in FORMATS:
        errors["format"] = pages.format_error()
    if filters is None or errors:
        # Everything entered comes back with the messages; nothing is lost.
        return _form_page(request.form, errors, 400)
    plan = plan_export(filters)
    record_export(plan, fmt, actor=f"staff:{current_user.id}")
    # content_type, not mimetype: Werkzeug adds "; charset=utf-8" to a text mimetype again.
    response = Response(
        stream_with_context(stream_export(plan, fmt)), content_type=media_type(fmt)
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{file_name(plan, fmt)}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/rates")
@roles_required(*pages.EVALUATION_ROLES)
def rates() -> Any:
    values = request.args
    municipalities = _municipalities()
    codes = [code for code, _name in municipalities]
    questionnaire = values.get("questionnaire") or None
    municipality = values.get("municipality") or None
    if pages.scope(current_user) is not None and municipality is None:
        municipality = codes[0] if codes else "-"
    scope, errors = validate_scope(
        codes,
        period_from=values.get("period_from"),
        period_to=values.get("period_to"),
        municipality=municipality,
    )
    registry = current_app.extensions["questionnaires"]
    if questionnaire is not None and questionnaire not in registry.keys():  # noqa: SIM118
        errors["questionnaire"] = pages.questionnaire_error(questionnaire, registry.keys())
    view = None
    if not errors:
        rows = response_rates(
            questionnaire=questionnaire,
            municipality=scope["municipality"],
            period_from=scope["period_from"],
            period_to=scope["period_to"],
        )
        view = pages.rates_view(rows, min_group_size())
    return render_template(
        "evaluation/rates.html",
        values=values,
        errors=errors,
        view=view,
        questionnaire_keys=registry.keys(),  # noqa: SIM118
        municipalities=municipalities,
        all_municipalities=pages.scope(current_user) is None,
        k=min_group_size(),
    ), (400 if errors else 200)


@bp.get("/answers")
@roles_required(*pages.EVALUATION_ROLES)
def answers() -> Any:
    values = request.args
    registry = current_app.extensions["questionnaires"]
    if not values.get("questionnaire"):
        first = pages.questionnaire_choices(registry)[0][0]
        values = {**values, "questionnaire": first}
    filters, errors = _read_filters(values)
    views = None
    if filters is not None:
        definition = registry.get(filters.questionnaire, filters.version)
        views = pages.answers_view(filters, definition, min_group_size())
    return render_template(
        "evaluation/answers.html",
        values=values,
        errors=errors,
        views=views,
        questionnaires=pages.questionnaire_choices(registry),
        municipalities=_municipalities(),
        all_municipalities=pages.scope(current_user) is None,
        k=min_group_size(),
    ), (400 if errors else 200)
