"""The evaluation pages' content as plain functions: scope by role, the chart legend's order.

Rewritten for issue 12: pages are now computed from releases (tests/test_evaluation_web.py
renders them logged in); what stays here needs no request.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

from portal.evaluation import charts, pages


def test_scope_by_role():
    municipality = SimpleNamespace(code="0240")
    assert pages.scope(SimpleNamespace(role="evaluator")) is None
    assert pages.scope(SimpleNamespace(role="admin")) is None
    assert pages.scope(SimpleNamespace(role="coordinator", municipality=municipality)) == ["0240"]
    assert pages.scope(SimpleNamespace(role="health_visitor", municipality=municipality)) == []
    assert pages.scope(SimpleNamespace(role="reviewer", municipality=municipality)) == []
    assert pages.scope(None) == []


def test_the_legend_reads_down_the_first_column_then_the_second():
    legend = ["one", "two", "three", "four", "five"]
    svg = str(charts.stacked_bars("t", [("n", [])], legend))
    positions = {
        name: (float(x), float(y))
        for x, y, name in re.findall(r'<text x="([\d.]+)" y="([\d.]+)">(\w+)</text>', svg)
    }
    # Reading order: down the first column (one, two, three), then down the second.
    assert positions["one"][0] == positions["two"][0] == positions["three"][0]
    assert positions["one"][1] < positions["two"][1] < positions["three"][1]
    assert positions["four"][0] > positions["one"][0]
    assert positions["four"][1] == positions["one"][1]
