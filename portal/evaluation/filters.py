"""Export filters: questionnaire and version, period from/to, municipality, format.

One validation function for the command line and the web form; it returns translated
messages by field instead of raising, so a form can show them all next to the fields.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from ..questionnaires import Registry

FORMATS = ("csv", "excel", "codebook", "datapackage", "zip")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class ExportFilters:
    questionnaire: str
    version: int
    period_from: str | None = None
    period_to: str | None = None
    municipality: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """For the audit log: the filters, never any data."""
        return {
            "questionnaire": self.questionnaire,
            "version": self.version,
            "period_from": self.period_from,
            "period_to": self.period_to,
            "municipality": self.municipality,
        }

    def file_stem(self) -> str:
        parts = [f"first1000_{self.questionnaire}_v{self.version}"]
        if self.municipality:
            parts.append(self.municipality)
        if self.period_from or self.period_to:
            parts.append(f"{self.period_from or 'start'}_{self.period_to or 'now'}")
        return "_".join(parts)


def validate_filters(
    registry: Registry,
    municipalities: Iterable[str],
    *,
    questionnaire: str | None,
    version: str | int | None = None,
    period_from: str | None = None,
    period_to: str | None = None,
    municipality: str | None = None,
) -> tuple[ExportFilters | None, dict[str, str]]:
    """Check raw filter values. Returns (filters, {}) or (None, {field: translated message})."""
    errors: dict[str, str] = {}
    questionnaire = (questionnaire or "").strip()
    keys = registry.keys()
    chosen_version: int | None = None
    if not questionnaire:
        errors["questionnaire"] = _("Choose a questionnaire.")
    elif questionnaire not in keys:
        errors["questionnaire"] = _(
            "Unknown questionnaire %(key)s. Choose one of: %(keys)s.",
            key=questionnaire,
            keys=", ".join(keys),
        )
    else:
        versions = sorted(d.version for d in registry if d.key == questionnaire)
        if version in (None, ""):
            chosen_version = registry.current(questionnaire).version
        else:
            try:
                chosen_version = int(str(version).strip())
            except ValueError:
                chosen_version = None
            if chosen_version not in versions:
                errors["version"] = _(
                    "Questionnaire %(key)s has no version %(version)s. Versions: %(versions)s.",
                    key=questionnaire,
                    version=version,
                    versions=", ".join(str(v) for v in versions),
                )
    scope, scope_errors = validate_scope(
        municipalities, period_from=period_from, period_to=period_to, municipality=municipality
    )
    errors.update(scope_errors)
    if errors or chosen_version is None:
        return None, errors
    return (
        ExportFilters(
            questionnaire=questionnaire,
            version=chosen_version,
            period_from=scope["period_from"],
            period_to=scope["period_to"],
            municipality=scope["municipality"],
        ),
        {},
    )


def validate_scope(
    municipalities: Iterable[str],
    *,
    period_from: str | None = None,
    period_to: str | None = None,
    municipality: str | None = None,
) -> tuple[dict[str, str | None], dict[str, str]]:
    """Check the period and municipality alone (the rates page needs no questionnaire)."""
    errors: dict[str, str] = {}
    months: dict[str, str | None] = {}
    for name, value in (("period_from", period_from), ("period_to", period_to)):
        value = (value or "").strip() or None
        if value is not None and not _MONTH.match(value):
            errors[name] = _("Write the month as YYYY-MM, for example 2026-03.")
            value = None
        months[name] = value
    start, end = months["period_from"], months["period_to"]
    if start and end and start > end:
        errors["period_to"] = _(
            "The period ends (%(end)s) before it starts (%(start)s).", start=start, end=end
        )
    municipality = (municipality or "").strip() or None
    known = sorted(set(municipalities))
    if municipality is not None and municipality not in known:
        errors["municipality"] = _(
            "Unknown municipality code %(code)s. Known codes: %(codes)s.",
            code=municipality,
            codes=", ".join(known) or "-",
        )
    return {**months, "municipality": municipality}, errors
