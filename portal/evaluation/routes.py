"""The evaluation pages at ``/evaluation/``: releases to download, response rates, answers.

Every page reads a release (never the live stores), and every view and download is written to
the audit log with the user, the release and the filters. Views are thin: they read the
request, call the plain functions in this package and render.
"""

from __future__ import annotations

import io
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import Forbidden

from .. import audit
from ..extensions import db, login_manager
from ..models.personal import Municipality
from ..staff.auth import protect, roles_required
from . import pages, release_views, releases, review
from .disclosure import min_group_size

bp = Blueprint("evaluation", __name__, url_prefix="/evaluation")
protect(bp)

PUBLISH_ROLES = ("admin",)


def _names() -> dict[str, str]:
    return dict(db.session.execute(db.select(Municipality.code, Municipality.name)).all())


def _own_code() -> str | None:
    """A coordinator's municipality code; None for roles that see every municipality."""
    allowed = pages.scope(current_user)
    return allowed[0] if allowed else None


def _audit_view(action: str, release: releases.Release | None, **filters: Any) -> None:
    audit.record(
        audit.staff_actor(current_user.id), action,
        f"release:{release.id}" if release else None,
        questionnaire=release.questionnaire_key if release else None,
        kind=release.label if release else None,
        reason=" ".join(f"{k}={v}" for k, v in sorted(filters.items()) if v) or None,
    )
    db.session.commit()


def _release_choices() -> list[tuple[str, str]]:
    registry = current_app.extensions["questionnaires"]
    return [(r.id, release_views.release_title(r, registry)) for r in releases.all_releases()]


def _chosen_release(values: Any) -> releases.Release | None:
    chosen = releases.get_release(values.get("release"))
    if chosen is None:
        every = releases.all_releases()
        chosen = every[-1] if every else None
    return chosen


@bp.errorhandler(CSRFError)
def _csrf_failed(error: CSRFError) -> Any:
    # CSRFProtect runs before the blueprint's login and role checks, so they are repeated here.
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role not in (*pages.EVALUATION_ROLES, "reviewer"):
        return current_app.handle_http_exception(Forbidden())
    return _index_page({"form": pages.csrf_message()}, 400)


def _index_page(errors: dict[str, str], status: int = 200) -> Any:
    registry = current_app.extensions["questionnaires"]
    own = _own_code()
    listing = []
    for release in reversed(releases.all_releases()):
        try:
            definition = registry.get(release.questionnaire_key, release.questionnaire_version)
        except KeyError:
            continue
        files = releases.downloadable(release) if own is None else []
        own_file = None
        if own is not None:
            own_file = releases.get_file(release, releases.municipality_zip(own))
        listing.append({
            "release": release,
            "title": release_views.release_title(release, registry),
            "report": releases.report_lines(release.report, definition),
            "files": sorted(files, key=lambda f: (f.path != releases.ZIP_FILE, f.path)),
            "own_file": own_file,
        })
    return render_template(
        "evaluation/releases.html",
        listing=listing,
        coordinator=own is not None,
        may_publish=current_user.role in PUBLISH_ROLES,
        errors=errors,
        k=min_group_size(),
    ), status


@bp.get("/")
@roles_required(*pages.EVALUATION_ROLES)
def index() -> Any:
    _audit_view("evaluation.releases_viewed", None)
    return _index_page({})


@bp.post("/releases/build")
@roles_required(*PUBLISH_ROLES)
def build() -> Any:
    try:
        built = releases.build_due(actor=audit.staff_actor(current_user.id))
    except releases.ReleaseError as error:
        return _index_page({"build": str(error)}, 400)
    from flask import flash

    flash(pages.built_message(len(built)))
    return redirect(url_for(".index"), 303)


@bp.get("/releases/<release_id>/<path:name>")
@roles_required(*pages.EVALUATION_ROLES)
def download(release_id: str, name: str) -> Any:
    release = releases.get_release(release_id)
    if release is None:
        abort(404)
    own = _own_code()
    if own is not None:
        # A coordinator gets their municipality's file only.
        if name != releases.municipality_zip(own):
            abort(404)
    elif name.startswith(("_", "release_")):
        abort(404)
    file = releases.get_file(release, name)
    if file is None:
        abort(404)
    _audit_view("release.downloaded", release, file=name)
    stem = f"first1000_{release.questionnaire_key}_v{release.questionnaire_version}_" \
           f"{release.label.replace('..', '_')}"
    response = send_file(
        io.BytesIO(file.content), mimetype=file.media_type, as_attachment=True,
        download_name=f"{stem}_{name}", etag=file.sha256, conditional=True, max_age=0,
    )
    # The stored type as it is: Werkzeug appends "; charset=utf-8" to a text mimetype again.
    response.headers["Content-Type"] = file.media_type
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _filter_context(release: releases.Release | None, values: Any) -> dict[str, Any]:
    names = _names()
    views = releases.load_json(release, releases.VIEWS_FILE) if release else {}
    choices = {
        d: [(v, release_views.value_name(d, v, names)) for v in views.get("values", {}).get(d, [])]
        for d in releases.DIMENSIONS
    }
    return {"names": names, "views": views, "choices": choices,
            "release_choices": _release_choices(), "release": release,
            "dimension_labels": release_views.dimension_labels(),
            "coordinator": _own_code() is not None, "values": values}


@bp.get("/answers")
@roles_required(*pages.EVALUATION_ROLES)
def answers() -> Any:
    values = request.args
    release = _chosen_release(values)
    context = _filter_context(release, values)
    errors: dict[str, str] = {}
    note = None
    n, views = 0, None
    if release is not None:
        selection, errors, note = release_views.read_selection(
            values, context["views"], _own_code(), context["names"]
        )
        if selection is not None:
            definition = current_app.extensions["questionnaires"].get(
                release.questionnaire_key, release.questionnaire_version
            )
            n, views = release_views.answers_view(release, definition, selection)
        _audit_view("evaluation.answers_viewed", release,
                    **{d: values.get(d) for d in releases.DIMENSIONS})
    return render_template(
        "evaluation/answers.html", errors=errors, note=note, n=n, answer_views=views,
        k=min_group_size(), **context,
    ), (400 if errors else 200)


@bp.get("/rates")
@roles_required(*pages.EVALUATION_ROLES)
def rates() -> Any:
    values = request.args
    release = _chosen_release(values)
    context = _filter_context(release, values)
    view, note = None, None
    if release is not None:
        view, note = release_views.rates_view(release, context["names"], _own_code())
        _audit_view("evaluation.rates_viewed", release)
    return render_template(
        "evaluation/rates.html", view=view, note=note, errors={},
        definition_text=release_views.rate_definition(), k=min_group_size(), **context,
    )


review.register_routes(bp)
