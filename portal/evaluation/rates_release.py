"""A release's response rates: invitation counts over the release's period, with the release's
municipality generalisation and complementary suppression, frozen with the release."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from .disclosure import ALL, OTHER, Generalisation
from .suppression import suppress
from .tallies import STAGE_OUTCOMES, STAGES, outcome_counts


def build_rates(
    key: str, version: int, start: str, end: str, g: Generalisation, k: int, naive: bool
) -> dict[str, Any]:
    """Lines per released municipality (as the release shows it) and a total line.

    A municipality merged in the responses is merged here too; one with fewer than k
    invitations joins "other" as well (and "other" below k joins the total only).
    """
    outcomes = outcome_counts(key, version, start, end)
    per: dict[str, Counter[str]] = defaultdict(Counter)
    for (code, result), n in outcomes.items():
        shown = code if naive else g.municipalities.get(code, code)
        per[shown][result] += n
    if not naive:
        for code in [c for c in per if c not in (OTHER, ALL)]:
            if sum(per[code].values()) < k:
                per[OTHER].update(per.pop(code))
    values = sorted(per)
    body = [[sum(per[v][o] for o in STAGE_OUTCOMES[s]) for s in STAGES] for v in values]
    hidden = suppress(body, k, enabled=not naive, partition=False, width=len(STAGES))
    totals = [sum(line[i] for line in body) for i in range(len(STAGES))]
    invited_total = totals[0]
    return {
        "stages": list(STAGES),
        "rows": {
            v: [None if h else n for n, h in zip(line, flags, strict=True)]
            for v, line, flags in zip(values, body, hidden[:-1], strict=True)
        },
        "total": (
            [None if h else n for n, h in zip(totals, hidden[-1], strict=True)]
            if naive or invited_total >= k else [None] * len(STAGES)
        ),
    }
