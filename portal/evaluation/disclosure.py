"""Disclosure control: generalise quasi-identifiers until every group has k rows; mask free text.

The quasi-identifiers are municipality, language and period: together they can single out a
family (the one Tigrinya-speaking parent in a small municipality in March). Before release they
are coarsened, mildest step first, until every combination in the export holds at least k
responses. Rows that no step can hide are left out, and the notes say how many.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _

#: (municipality, language, period)
Key = tuple[str, str, str]

OTHER = "other"
ALL = "all"
PERIOD_LEVELS = ("month", "quarter", "year", "all")
DEFAULT_K = 5


def min_group_size() -> int:
    """k: the smallest group an export or a page may show (``PORTAL_EXPORT_MIN_GROUP``)."""
    return max(1, int(current_app.config.get("EXPORT_MIN_GROUP", DEFAULT_K)))


def period_at(period: str, level: str) -> str:
    """``2026-03`` as a month, quarter (``2026-Q1``), year (``2026``) or ``all``."""
    if level == "month":
        return period
    if level == "quarter":
        year, month = period.split("-")
        return f"{year}-Q{(int(month) - 1) // 3 + 1}"
    if level == "year":
        return period[:4]
    return ALL


@dataclass
class Generalisation:
    """What an export releases: how each quasi-identifier is coarsened and which groups remain."""

    k: int
    period_level: str = "month"
    languages: dict[str, str] = field(default_factory=dict)
    municipalities: dict[str, str] = field(default_factory=dict)
    #: Generalised combinations with at least k rows; rows outside them are not released.
    released: frozenset[Key] = frozenset()
    suppressed: int = 0
    total: int = 0

    def map(self, municipality: str, language: str, period: str) -> Key:
        return (
            self.municipalities.get(municipality, municipality),
            self.languages.get(language, language),
            period_at(period, self.period_level),
        )

    def apply(self, municipality: str, language: str, period: str) -> Key | None:
        """The released quasi-identifiers of a row, or None if the row must be left out."""
        key = self.map(municipality, language, period)
        return key if key in self.released else None

    @property
    def released_rows(self) -> int:
        return self.total - self.suppressed


#: Share of rows that may be left out instead of coarsening every row further. A few rows in
#: odd groups should not cost every other row its month or municipality.
MAX_SUPPRESSED_SHARE = 0.05

# Information lost at each level, per quasi-identifier. Municipality weighs most: the
# programme is evaluated municipality by municipality; the month matters least.
# Language: as is, fewer than k -> other, fewer than 4k -> other, all but the most common ->
# other, all. Municipality: as is, fewer than k -> other, fewer than 4k, fewer than 10k, all.
_LANGUAGE_LOSS = (0, 1, 1.5, 2, 4)
_PERIOD_LOSS = {"month": 0, "quarter": 1, "year": 2, "all": 4}
_MUNICIPALITY_LOSS = (0, 2, 2.5, 3, 6)


def plan_generalisation(
    counts: Mapping[Key, int], k: int, max_suppressed_share: float = MAX_SUPPRESSED_SHARE
) -> Generalisation:
    """Choose the mildest coarsening under which every released combination has ``k`` rows.

    ``counts`` are row counts per raw (municipality, language, period), from an aggregate
    query. Every combination of levels is tried (there are 48); the one that loses least
    information wins, among those that leave out at most ``MAX_SUPPRESSED_SHARE`` of the rows.
    Full generalisation always qualifies unless the export has fewer than k rows in all.
    """
    total = sum(counts.values())
    languages = Counter[str]()
    municipalities = Counter[str]()
    for (municipality, language, _period), n in counts.items():
        languages[language] += n
        municipalities[municipality] += n
    most_common = languages.most_common(1)[0][0] if languages else None
    language_levels = (
        {},
        {lang: OTHER for lang, n in languages.items() if n < k},
        {lang: OTHER for lang, n in languages.items() if n < 4 * k and lang != most_common},
        {lang: OTHER for lang in languages if lang != most_common},
        {lang: ALL for lang in languages},
    )
    municipality_levels = (
        {},
        {code: OTHER for code, n in municipalities.items() if n < k},
        {code: OTHER for code, n in municipalities.items() if n < 4 * k},
        {code: OTHER for code, n in municipalities.items() if n < 10 * k},
        {code: ALL for code in municipalities},
    )
    budget = int(total * max_suppressed_share)
    best: tuple[tuple[float, int], Generalisation] | None = None
    # Counts with the period already coarsened, once per level: the inner loops then map
    # far fewer keys (a release has hundreds of raw groups and tries 100 combinations).
    by_period = {}
    for level in _PERIOD_LOSS:
        coarse = Counter[Key]()
        for (municipality, language, period), n in counts.items():
            coarse[(municipality, language, period_at(period, level))] += n
        by_period[level] = coarse
    for lang_level, language_map in enumerate(language_levels):
        for period_level, period_loss in _PERIOD_LOSS.items():
            for muni_level, municipality_map in enumerate(municipality_levels):
                plan = Generalisation(
                    k=k,
                    period_level=period_level,
                    languages=dict(language_map),
                    municipalities=dict(municipality_map),
                    total=total,
                )
                grouped = Counter[Key]()
                for (municipality, language, period), n in by_period[period_level].items():
                    grouped[(municipality_map.get(municipality, municipality),
                             language_map.get(language, language), period)] += n
                suppressed = sum(n for n in grouped.values() if n < k)
                if suppressed > budget:
                    continue
                score = (
                    _LANGUAGE_LOSS[lang_level] + period_loss + _MUNICIPALITY_LOSS[muni_level],
                    suppressed,
                )
                if best is None or score < best[0]:
                    plan.released = frozenset(key for key, n in grouped.items() if n >= k)
                    plan.suppressed = suppressed
                    best = (score, plan)
    if best is None:
        # Fewer than k rows in all: nothing can be released.
        plan = Generalisation(k=k, period_level="all", total=total, suppressed=total)
        plan.languages = {lang: ALL for lang in languages}
        plan.municipalities = {code: ALL for code in municipalities}
        return plan
    plan = best[1]
    # "other" standing for every value is "all"; say so, and keep the groups consistent.
    if languages and all(plan.languages.get(lang) == OTHER for lang in languages):
        plan.languages = {lang: ALL for lang in languages}
    if municipalities and all(plan.municipalities.get(c) == OTHER for c in municipalities):
        plan.municipalities = {code: ALL for code in municipalities}
    plan.released = frozenset(
        key for key, n in _grouped(counts, plan).items() if n >= k
    )
    return plan


def _grouped(counts: Mapping[Key, int], plan: Generalisation) -> Counter[Key]:
    grouped = Counter[Key]()
    for raw, n in counts.items():
        grouped[plan.map(*raw)] += n
    return grouped


def describe(plan: Generalisation) -> list[str]:
    """The export's notes: what was generalised or left out, in the current locale."""
    notes = [
        _(
            "Every combination of municipality, language and period in this export has at "
            "least %(k)s responses.",
            k=plan.k,
        )
    ]
    merged = sorted(raw for raw, new in plan.languages.items() if new == OTHER)
    if merged:
        notes.append(
            _('Languages shown as "other": %(languages)s.', languages=", ".join(merged))
        )
    if any(new == ALL for new in plan.languages.values()):
        notes.append(_('Language is not released: every row shows "all".'))
    if plan.period_level == "quarter":
        notes.append(_("Periods are quarters (for example 2026-Q1) instead of months."))
    elif plan.period_level == "year":
        notes.append(_("Periods are years instead of months."))
    elif plan.period_level == "all":
        notes.append(_('Period is not released: every row shows "all".'))
    merged = sorted(raw for raw, new in plan.municipalities.items() if new == OTHER)
    if merged:
        notes.append(
            _('Municipalities shown as "other": %(codes)s.', codes=", ".join(merged))
        )
    if any(new == ALL for new in plan.municipalities.values()):
        notes.append(_('Municipality is not released: every row shows "all".'))
    if plan.suppressed:
        notes.append(
            _(
                "%(n)s responses are left out because no generalisation gave them a group of "
                "at least %(k)s.",
                n=plan.suppressed,
                k=plan.k,
            )
        )
    notes.append(
        _("CPR numbers, phone numbers and e-mail addresses in free text are replaced by "
          "[cpr], [phone] and [email].")
    )
    return notes


# --- Free text ---------------------------------------------------------------------------------


def mask_text(text: str) -> str:
    """Replace identifying spans in a free-text answer (see masking.py for the classes)."""
    from .masking import mask_text as mask

    return mask(text)
