"""Access control for every staff and evaluation view: the one home of role checks.

``roles_required`` is the one role check; ``protect`` installs default deny on a blueprint: a
view without ``roles_required`` answers 403 to everyone. Login itself is ``portal.staff.auth``;
an anonymous visitor is sent there by Flask-Login's ``unauthorized`` handler.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, abort, current_app, request
from flask_login import current_user

from .extensions import login_manager
from .models.personal import Role

F = TypeVar("F", bound=Callable[..., Any])

ALL_ROLES = tuple(Role)


def roles_required(*roles: Role | str) -> Callable[[F], F]:
    """Allow a view to the named roles only (403 for other roles; login is checked before)."""
    unknown = set(roles) - set(ALL_ROLES)
    if unknown or not roles:
        raise ValueError(f"unknown roles: {sorted(unknown)}")

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapper.allowed_roles = frozenset(roles)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def protect(bp: Blueprint, public_endpoints: Iterable[str] = ()) -> None:
    """Default deny for a blueprint: login first, then the view must declare its roles."""
    public = frozenset(public_endpoints)

    @bp.before_request
    def _default_deny() -> Any:
        if request.endpoint in public:
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        view = current_app.view_functions.get(request.endpoint or "")
        if not getattr(view, "allowed_roles", None):
            abort(403)
        return None
