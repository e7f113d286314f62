"""The evaluation pages' content as plain functions: scope by role, the charts' markup and
legend order.

Rewritten for issue 12: pages are now computed from releases (tests/test_evaluation_web.py
renders them logged in); what stays here needs no request.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from types import SimpleNamespace

from portal.evaluation import charts, pages
from portal.evaluation.charts import Bar, Segment, bar_chart, stacked_bars


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


def test_charts_are_accessible_svg_without_scripts():
    svg = bar_chart(
        "Response rate <b>", [Bar("Egedal <script>", 0.42, "42 %"), Bar("Aarhus", None, "<5")]
    )
    root = ET.fromstring(str(svg))  # noqa: S314  (our own output)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg"
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{ns}title").get("id") == title_id
    assert root.find(f"{ns}title").text == "Response rate <b>"
    assert "Egedal <script>: 42 %" in root.find(f"{ns}desc").text
    assert "Aarhus: <5" in root.find(f"{ns}desc").text
    assert "<script" not in str(svg)
    assert root.find(f".//{ns}script") is None

    stacked = stacked_bars(
        "Visit useful",
        [("All", [Segment("Very useful", 0.7, "70 %"), Segment("Few answers", 0.3, "30 %", index=1,
                                                                 hidden=True)])],
        ["Very useful"],
        hidden_label="Few answers",
    )
    root = ET.fromstring(str(stacked))  # noqa: S314  (our own output)
    assert len(root.findall(f".//{ns}rect")) >= 2
    assert "Very useful 70 %" in root.find(f"{ns}desc").text
