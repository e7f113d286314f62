"""Complementary suppression for a table of counts with a total line.

A table: one line per released group value (a municipality, a language, a period), one column
per cell (an answer, "not answered"; a stage of the rates), and a total line under it. Each
line adds up to its group's size, which pages show; each column adds up to the total line.

Rules, applied until nothing changes:
1. Every count below k is hidden, 0 included, so a hidden cell looks the same whether it is
   0 or 3.
2. In a line whose hidden cells add up to less than k, the smallest shown cell is hidden too
   (the group size minus the shown cells would give the hidden ones away). A line with
   ``partition=False`` (rates stages, which are nested, not parts) skips this rule.
3. In a column, the hidden cells of the body must be none, or at least two adding up to k or
   more while the total is shown; otherwise the smallest shown body cell is hidden, and when
   the body has none left, the total's cell is hidden too. A hidden total whose body cells
   are all shown would be their sum, so one body cell is hidden with it.
"""

from __future__ import annotations


def suppress(
    body: list[list[int]],
    k: int,
    *,
    enabled: bool = True,
    partition: bool = True,
    width: int | None = None,
) -> list[list[bool]]:
    """Hidden flags for every body line and, last, the total line."""
    if width is None:
        width = len(body[0]) if body else 0
    total = [sum(line[c] for line in body) for c in range(width)]
    table = [*body, total]
    if not enabled:
        return [[False] * width for _line in table]
    hidden = [[n < k for n in line] for line in table]
    changed = True
    while changed:
        changed = False
        if partition:
            for r, line in enumerate(table):
                changed |= _fix_line(line, hidden[r], k)
        for c in range(width):
            changed |= _fix_column(table, hidden, c, k)
    return hidden


def _fix_line(line: list[int], hidden: list[bool], k: int) -> bool:
    changed = False
    while any(hidden) and sum(n for n, h in zip(line, hidden, strict=True) if h) < k:
        shown = [(n, i) for i, (n, h) in enumerate(zip(line, hidden, strict=True)) if not h]
        if not shown:
            break
        hidden[min(shown)[1]] = True
        changed = True
    return changed


def _fix_column(table: list[list[int]], hidden: list[list[bool]], c: int, k: int) -> bool:
    body = len(table) - 1
    changed = False
    while True:
        hidden_body = [r for r in range(body) if hidden[r][c]]
        total_hidden = hidden[body][c]
        if total_hidden:
            ok = bool(hidden_body) or body == 0
        else:
            ok = not hidden_body or (
                len(hidden_body) >= 2 and sum(table[r][c] for r in hidden_body) >= k
            )
        if ok:
            return changed
        shown = [(table[r][c], r) for r in range(body) if not hidden[r][c]]
        if shown:
            hidden[min(shown)[1]][c] = True
        elif not total_hidden:
            hidden[body][c] = True
        else:
            return changed
        changed = True
