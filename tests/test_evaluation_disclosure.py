"""Disclosure control: k-anonymity over municipality, language and period, and masking."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from portal.evaluation.disclosure import (
    ALL,
    OTHER,
    mask_text,
    period_at,
    plan_generalisation,
)

K = 5


def released_groups(counts, plan):
    grouped = Counter()
    for raw, n in counts.items():
        key = plan.apply(*raw)
        if key is not None:
            grouped[key] += n
    return grouped


@pytest.mark.parametrize("n", [K - 1, K, K + 1])
def test_one_group_at_the_k_edge(n):
    counts = {("0240", "da", "2026-03"): n}
    plan = plan_generalisation(counts, K)
    if n < K:
        # Nothing can hide fewer than k responses: none are released.
        assert plan.released_rows == 0
        assert plan.suppressed == n
        assert plan.apply("0240", "da", "2026-03") is None
    else:
        assert plan.released_rows == n
        assert plan.suppressed == 0
        assert plan.period_level == "month"
        assert plan.apply("0240", "da", "2026-03") == ("0240", "da", "2026-03")


@pytest.mark.parametrize("n", [K - 1, K, K + 1])
def test_a_second_month_at_the_k_edge_keeps_or_loses_months(n):
    counts = {("0240", "da", "2026-01"): 20, ("0240", "da", "2026-02"): n}
    plan = plan_generalisation(counts, K)
    if n < K:
        assert plan.period_level == "quarter"
        assert plan.apply("0240", "da", "2026-02") == ("0240", "da", "2026-Q1")
    else:
        assert plan.period_level == "month"
        assert plan.apply("0240", "da", "2026-02") == ("0240", "da", "2026-02")
    assert plan.suppressed == 0


@pytest.mark.parametrize("n", [K - 1, K, K + 1])
def test_a_rare_language_at_the_k_edge(n):
    counts = {
        ("0240", "da", "2026-03"): 30,
        ("0240", "ti", "2026-03"): n,
        ("0240", "so", "2026-03"): 3,
        ("0240", "ar", "2026-03"): 2,
    }
    plan = plan_generalisation(counts, K)
    groups = released_groups(counts, plan)
    assert all(size >= K for size in groups.values())
    assert plan.apply("0240", "so", "2026-03")[1] == OTHER
    if n < K:
        assert plan.apply("0240", "ti", "2026-03")[1] == OTHER
    else:
        assert plan.apply("0240", "ti", "2026-03")[1] == "ti"
    assert plan.apply("0240", "da", "2026-03") == ("0240", "da", "2026-03")


def test_a_small_municipality_merges_into_other():
    counts = {
        ("0101", "da", "2026-03"): 40,
        ("0240", "da", "2026-03"): 2,
        ("0751", "da", "2026-03"): 3,
    }
    plan = plan_generalisation(counts, K)
    assert plan.municipalities == {"0240": OTHER, "0751": OTHER}
    assert plan.apply("0240", "da", "2026-03") == (OTHER, "da", "2026-03")
    assert plan.suppressed == 0


def test_everything_generalised_when_needed():
    counts = {("0240", "da", "2025-12"): 3, ("0101", "en", "2026-05"): 3}
    plan = plan_generalisation(counts, K)
    assert plan.apply("0240", "da", "2025-12") == (ALL, ALL, ALL)
    assert plan.released_rows == 6


def test_random_stores_never_release_a_small_group():
    rng = random.Random(4)
    for _ in range(200):
        counts = {}
        for _ in range(rng.randint(1, 30)):
            key = (
                rng.choice(["0240", "0101", "0751", "0147"]),
                rng.choice(["da", "da", "da", "en", "ar", "so", "ti"]),
                f"202{rng.randint(5, 6)}-{rng.randint(1, 12):02d}",
            )
            counts[key] = counts.get(key, 0) + rng.randint(1, 8)
        k = rng.randint(2, 10)
        plan = plan_generalisation(counts, k)
        groups = released_groups(counts, plan)
        assert all(size >= k for size in groups.values())
        assert sum(groups.values()) == plan.released_rows
        total = sum(counts.values())
        if total >= k:
            assert plan.suppressed <= max(int(total * 0.05), 0)


def test_periods_coarsen():
    assert period_at("2026-03", "quarter") == "2026-Q1"
    assert period_at("2026-12", "quarter") == "2026-Q4"
    assert period_at("2026-03", "year") == "2026"
    assert period_at("2026-03", "all") == ALL


@pytest.mark.parametrize(
    "text",
    [
        "CPR 010190-1234 her",
        "cpr: 0101901234.",
        "Ring 12345678",
        "Ring 12 34 56 78 i morgen",
        "Ring 1234 5678",
        "Mit nummer er +45 12 34 56 78",
        "Mit nummer er +4512345678",
        "Mit nummer er 0045 12345678",
        "UK: +44 20 7946 0958",
        "Somalia: 00252 61 234 5678",
        "Skriv til anna.jensen@example.dk tak",
        "شكرا mail: أحمد@example.com",
    ],
)
def test_masks_cpr_phone_and_email(text):
    masked = mask_text(text)
    digits = [ch for ch in masked if ch.isdigit()]
    assert len(digits) < 4, masked
    assert "@" not in masked
    assert any(token in masked for token in ("[cpr]", "[phone]", "[email]"))


@pytest.mark.parametrize(
    "text",
    [
        "Min søn er 18 måneder",
        "Vi var der 2 gange i 2026",
        "Besøget varede 45 minutter, kl. 10.30",
        "Hun sover 11 timer",
    ],
)
def test_leaves_ordinary_numbers_alone(text):
    assert mask_text(text) == text


def test_mask_keeps_the_rest_of_the_text():
    assert (
        mask_text("Tak! Ring 12 34 56 78 eller skriv a@b.dk. CPR 311299-1234.")
        == "Tak! Ring [phone] eller skriv [email]. CPR [cpr]."
    )
