"""axe-core in the browser: WCAG 2.1 A and AA checks of the page on screen.

axe-core comes from the npm registry at the exact version in ``tools/package.json``;
``make test`` installs it into ``tools/node_modules`` (nothing from there is committed). The
portal's Content-Security-Policy forbids injected scripts, so scans run in a browser context
made with ``bypass_csp=True``: the CSP itself is tested separately, on every response.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

AXE_JS = Path(__file__).resolve().parents[2] / "tools" / "node_modules" / "axe-core" / "axe.min.js"
#: WCAG 2.0 and 2.1, levels A and AA: what the Danish web accessibility act refers to (EN 301 549).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

_RUN = """async tags => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
  });
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " :: " + n.failureSummary),
  }));
}"""


def require_axe() -> Path:
    """The path of axe.min.js, or skip with the reason and the command that installs it."""
    if not AXE_JS.is_file():
        pytest.skip(
            f"axe-core is not installed at {AXE_JS.relative_to(AXE_JS.parents[3])} "
            "(make test installs it with npm; npm was missing or offline)"
        )
    return AXE_JS


def violations(page: Any) -> list[dict[str, Any]]:
    """The WCAG 2.1 A/AA violations axe finds on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(require_axe()))
    return page.evaluate(_RUN, WCAG_TAGS)


class Scan:
    """Collects violations page by page so one failing test lists every page at once."""

    def __init__(self) -> None:
        self.pages: list[str] = []
        self.found: dict[str, list[dict[str, Any]]] = {}

    def check(self, page: Any, label: str) -> None:
        self.pages.append(label)
        found = violations(page)
        if found:
            self.found[f"{label} ({page.url})"] = found

    def report(self) -> str:
        lines = []
        for label, found in self.found.items():
            lines.append(label)
            for v in found:
                lines.append(f"  [{v['impact']}] {v['id']}: {v['help']}")
                lines.extend(f"      {node}" for node in v["nodes"])
        return "\n".join(lines)

    def assert_clean(self) -> None:
        assert self.pages, "no page was scanned"
        assert not self.found, "WCAG 2.1 A/AA violations:\n" + self.report()
