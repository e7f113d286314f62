"""Releases: frozen, non-overlapping, one generalisation, and the attacks from issue 12.

Every attack test runs twice (``naive`` parametrisation): against a deliberately naive release
(``build_release(..., naive=True)``: response ids, raw municipality/language/month, no
suppression, overlapping periods allowed: what the old per-filter exports amounted to) the
attack SUCCEEDS, and against a real release it FAILS. A test that passed in both modes would
prove nothing, so each asserts both outcomes.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from datetime import datetime

import pytest

from bench.national import generate
from portal.evaluation import releases
from portal.evaluation.suppression import suppress
from portal.extensions import db
from portal.models.personal import AuditEvent

from .evaluation_data import ANSWERS_18, S, add_responses, invite

K = 5


def build(app, start="2026-01", length="quarter", naive=False, key="18-months"):
    with app.app_context():
        release = releases.build_release(key, 1, start, length, actor="cli", naive=naive)
        return release.id


def rows_of(app, release_id, name="responses.csv"):
    with app.app_context():
        release = releases.get_release(release_id)
        data = releases.get_file(release, name).content.decode()
    return list(csv.DictReader(io.StringIO(data)))


def views_of(app, release_id):
    with app.app_context():
        return releases.load_json(releases.get_release(release_id), releases.VIEWS_FILE)


def small_store(app):
    """One municipality with many responses, and a lone family: Tigrinya, July, Fanø."""
    add_responses(app, 40, municipality="0240", period="2026-07")
    add_responses(app, 20, municipality="0240", period="2026-08")
    add_responses(app, 1, municipality="0563", language="ti", period="2026-07",
                  answers={**ANSWERS_18, "visit_useful": 1})


def singled_out(files: list[list[dict[str, str]]]) -> int:
    """The attacker: join every downloaded file by row id, keep each row's most specific
    municipality, language and period, and count rows left in groups below k."""
    known: dict[str, dict[str, str]] = {}
    for rows in files:
        for row in rows:
            seen = known.setdefault(row["response_id"], {})
            for column in ("municipality", "language", "period"):
                value = row[column]
                if value in ("other", "all"):
                    continue
                if column not in seen or len(value) > len(seen[column]) or "Q" in seen[column]:
                    seen[column] = value
    groups = Counter(tuple(sorted(v.items())) for v in known.values())
    return sum(n for n in groups.values() if n < K)


@pytest.mark.parametrize("naive", [True, False])
def test_joining_downloads_singles_out_a_family_only_in_a_naive_release(app, naive):
    small_store(app)
    files = [rows_of(app, build(app, "2026-07", "quarter", naive))]
    if naive:
        # Overlapping "releases" (as filtered exports were): a half-year and a quarter.
        files.append(rows_of(app, build(app, "2026-07", "half", naive)))
        assert singled_out(files) >= 1
    else:
        with app.app_context(), pytest.raises(releases.ReleaseError):
            releases.build_release("18-months", 1, "2026-07", "half", actor="cli")
        assert singled_out(files) == 0


@pytest.mark.parametrize("naive", [True, False])
def test_subtracting_two_periods_gives_a_family_only_in_a_naive_release(app, naive):
    small_store(app)

    def patterns(rows):
        return Counter(tuple(v for k, v in row.items() if k not in ("response_id",))[4:]
                       for row in rows)

    july_on = rows_of(app, build(app, "2026-07", "half", naive))
    if naive:
        august_on = rows_of(app, build(app, "2026-08", "half", naive))
        left = patterns(july_on) - patterns(august_on)
        # The difference is July alone: 41 rows, and among them the lone Tigrinya family.
        lone = [row for row in july_on if row["language"] == "ti"]
        assert lone and lone[0]["period"] == "2026-07"
        assert sum(left.values()) == 41
    else:
        with app.app_context(), pytest.raises(releases.ReleaseError, match="overlap"):
            releases.build_release("18-months", 1, "2026-08", "half", actor="cli")
        assert all(row["language"] != "ti" for row in july_on)
        assert {row["period"] for row in july_on} <= {"2026-07", "2026-08", "2026-Q3", "2026-H2"}


def derivable_small(views: dict, k: int) -> list[str]:
    """Every way a page's numbers give a count from 1 to k-1, or tell 0 from a hidden cell."""
    found = []
    for dimension, sizes in views["sizes"].items():
        found += [f"group {dimension}={v}: {n}" for v, n in sizes.items() if n < k]
    for part_id, part in views["parts"].items():
        for dimension, table in part.items():
            national = table["total"]
            for value, line in table["rows"].items():
                size = views["sizes"][dimension][value]
                shown = [n for n in line if n is not None]
                found += [f"{part_id} {value}: shown {n}" for n in shown if n < k]
                rest = size - sum(shown)
                if 0 < rest < k:
                    found.append(f"{part_id} {value}: size minus shown = {rest}")
            for c, total in enumerate(national):
                if total is None:
                    continue
                body = [line[c] for line in table["rows"].values()]
                if any(n is None for n in body):
                    rest = total - sum(n for n in body if n is not None)
                    if 0 < rest < k or rest == 0:
                        found.append(f"{part_id} {dimension} column {c}: {rest}")
    return found


@pytest.mark.parametrize("naive", [True, False])
def test_answers_page_numbers_never_subtract_to_a_small_count(app, naive):
    small_store(app)
    add_responses(app, 3, municipality="0240", period="2026-07",
                  answers={**ANSWERS_18, "visit_useful": 2})
    views = views_of(app, build(app, "2026-07", "quarter", naive))
    found = derivable_small(views, K)
    assert bool(found) is naive, found


@pytest.mark.parametrize("naive", [True, False])
def test_a_hidden_cell_looks_the_same_for_zero_and_three(app, naive):
    add_responses(app, 20, municipality="0240", period="2026-01")
    add_responses(app, 3, municipality="0240", period="2026-01",
                  answers={**ANSWERS_18, "visit_useful": 2})
    line = views_of(app, build(app, naive=naive))["parts"]["visit_useful"]["municipality"][
        "rows"]["0240"]
    cells = dict(zip(["1", "2", "3", "4", "5", ""], line, strict=True))
    if naive:
        assert cells["1"] == 0 and cells["2"] == 3  # a zero and a three, told apart
    else:
        assert cells["1"] is None and cells["2"] is None


@pytest.mark.parametrize("naive", [True, False])
def test_rates_total_minus_shown_cells_never_gives_a_small_count(app, naive):
    add_responses(app, 10, municipality="0240", period="2026-03")
    add_responses(app, 10, municipality="0101", period="2026-03")
    invite(app, "0240", S.COMPLETED, 8)
    invite(app, "0101", S.COMPLETED, 9)
    invite(app, "0101", S.DECLINED, 2)
    with app.app_context():
        rates = releases.load_json(releases.get_release(build(app, naive=naive)),
                                   releases.RATES_FILE)
    found = []
    for c, total in enumerate(rates["total"]):
        body = [line[c] for line in rates["rows"].values()]
        found += [f"cell {n}" for n in body if n is not None and 0 < n < K]
        if total is not None and any(n is None for n in body):
            rest = total - sum(n for n in body if n is not None)
            if 0 <= rest < K:
                found.append(f"column {c}: {rest}")
    assert bool(found) is naive, (found, rates)


def test_rates_count_every_stage_and_only_the_release_s_invitations(app):
    """Stages are cumulative (a completed invitation was also sent, opened and consented to);
    an opened link counts as sent whatever became of it; other months and questionnaires stay
    out. Every count is at least k, so nothing is hidden and the figures show the rules."""
    add_responses(app, 12, municipality="0240", period="2026-03")
    for status in (S.COMPLETED, S.DECLINED, S.CONSENTED, S.OPENED, S.SENT, S.CREATED):
        invite(app, "0240", status, 5)
    invite(app, "0240", S.COMPLETED, 1)
    invite(app, "0240", S.EXPIRED, 5, opened=True)
    invite(app, "0240", S.COMPLETED, 5, when=datetime(2026, 4, 2))  # the next quarter
    invite(app, "0240", S.COMPLETED, 5, questionnaire="cos-p")
    with app.app_context():
        rates = releases.load_json(releases.get_release(build(app)), releases.RATES_FILE)
    assert rates["stages"] == ["invited", "sent", "opened", "consented", "completed",
                               "declined"]
    assert rates["rows"] == {"0240": [36, 31, 26, 11, 6, 5]}
    assert rates["total"] == [36, 31, 26, 11, 6, 5]
    # Only counts are frozen with the release: nothing of an invitation itself.
    assert set(rates) == {"stages", "rows", "total"}


def test_a_release_is_frozen_with_ids_of_its_own(app):
    ids = set(add_responses(app, 12, period="2026-02"))
    release_id = build(app)
    rows = rows_of(app, release_id)
    assert len(rows) == 12 and not ids & {row["response_id"] for row in rows}
    assert [row["response_id"] for row in rows] == sorted(row["response_id"] for row in rows)
    with app.app_context():
        release = releases.get_release(release_id)
        before = {f.path: f.content for f in releases.downloadable(release)}
        names = zipfile.ZipFile(io.BytesIO(before[releases.ZIP_FILE])).namelist()
        assert {"responses.csv", "codebook.csv", "REPORT.txt", "NOTES.txt"} <= set(names)
        assert not any(name.startswith("_") for name in names)
    add_responses(app, 30, period="2026-03")  # a late arrival changes nothing
    with app.app_context():
        after = {f.path: f.content for f in releases.downloadable(releases.get_release(
            release_id))}
    assert before == after


def test_small_municipalities_get_a_longer_period_instead_of_being_dropped(app):
    # Fanø has 2 responses a quarter: a quarter would merge it, a year keeps it.
    for month in ("2026-01", "2026-04", "2026-07", "2026-10"):
        add_responses(app, 20, municipality="0240", period=month)
        add_responses(app, 2, municipality="0563", period=month)
    with app.app_context():
        due = releases.due_releases(until="2026-12")
        chosen = {key: option for key, _version, option in due}["18-months"]
        assert chosen.length == "year"
        assert chosen.generalisation.municipalities.get("0563", "0563") == "0563"


def test_the_report_says_what_was_merged_and_left_out(app):
    add_responses(app, 30, municipality="0240", period="2026-01")
    add_responses(app, 2, municipality="0563", period="2026-01")
    add_responses(app, 3, municipality="0400", period="2026-02")
    with app.app_context():
        release = releases.get_release(build(app))
        report = release.report
        text = releases.get_file(release, releases.REPORT_FILE).content.decode()
    assert report["smallest_group"] >= K
    assert "0563" in report["merged_municipalities"] and "0400" in report["merged_municipalities"]
    assert "0563" in text and "unique" in text.lower() or "entydig" in text.lower()
    assert 0 <= report["unique_patterns_share"] <= 1


def test_national_scale_keeps_every_group_at_least_k_in_every_view(app):
    generate(app, total=6000)
    with app.app_context():
        built = releases.build_due(actor="cli", until="2026-12")
        assert built
        for release in built:
            views = releases.load_json(release, releases.VIEWS_FILE)
            assert derivable_small(views, K) == [], release.label
            rows = list(csv.DictReader(io.StringIO(
                releases.get_file(release, "responses.csv").content.decode())))
            groups = Counter((r["municipality"], r["language"], r["period"]) for r in rows)
            assert min(groups.values()) >= K
        periods = [(r.period_start, r.period_end) for r in built]
        for (_s, a_end), (b_start, _e) in zip(sorted(periods), sorted(periods)[1:], strict=False):
            assert a_end < b_start


def test_suppression_rules_on_a_small_table():
    hidden = suppress([[10, 3, 0], [8, 7, 6]], K)
    # The 3 and the 0 are hidden; the line's hidden sum must reach k, so the 10 goes too;
    # column 2 (0 and 6) then needs a second hidden cell, and the 6 goes.
    assert hidden[0] == [True, True, True]
    assert hidden[1][2] is True


def test_building_is_audited_and_the_cli_builds_due_releases(app, runner):
    add_responses(app, 12, period="2026-01")
    result = runner.invoke(args=["releases", "build", "--until", "2026-06"])
    assert result.exit_code == 0, result.output
    assert "2026-Q1" in result.output
    again = runner.invoke(args=["releases", "build", "--until", "2026-06"])
    assert "No release was due" in again.output
    with app.app_context():
        events = db.session.execute(
            db.select(AuditEvent).filter_by(action="release.built")).scalars().all()
    assert len(events) == 1 and events[0].actor == "cli"


def test_an_empty_quarter_does_not_block_the_next_release(app):
    add_responses(app, 12, period="2026-01")
    add_responses(app, 12, period="2026-08")
    with app.app_context():
        built = releases.build_due(actor="cli", until="2026-12", length="quarter")
        assert [r.label for r in built] == ["2026-Q1", "2026-Q3"]
