"""Who may use the evaluation pages, and the messages their views share.

The pages' tables and charts come from releases (``release_views``); what is left here needs
neither a release nor a request.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from ..models.personal import Role

#: Roles that may use the evaluation pages; a coordinator only for their own municipality.
EVALUATION_ROLES = (Role.EVALUATOR, Role.COORDINATOR, Role.ADMIN)


def scope(user: Any) -> list[str] | None:
    """Municipality codes the user may see: None for all, [] for none."""
    role = getattr(user, "role", None)
    if role in (Role.EVALUATOR, Role.ADMIN):
        return None
    if role == Role.COORDINATOR:
        return [user.municipality.code]
    return []


def csrf_message() -> str:
    return _("The page had been open for a long time. Check the form and send it again.")


def built_message(n: int) -> str:
    if n == 0:
        return _("No release was due: every period that has ended is released already.")
    return _("Releases built: %(n)s.", n=n)
