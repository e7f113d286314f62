"""Exports as an evaluator gets them: files that R, Stata, SPSS, pandas and Danish Excel read."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from portal.evaluation.columns import export_columns
from portal.evaluation.csv_export import neutralise
from portal.extensions import db
from portal.models.personal import AuditEvent

from .evaluation_data import ANSWERS_18, add_responses

COMMENT = "Tak for besøget, æøå ÆØÅ — شكرا جزيلا"


def export(runner, tmp_path: Path, *args: str, fmt: str = "csv") -> tuple[object, Path]:
    output = tmp_path / f"out.{fmt}"
    result = runner.invoke(
        args=["export", "--questionnaire", "18-months", "--version", "1", "--format", fmt,
              "--output", str(output), *args]
    )
    return result, output


def read_csv(path: Path, delimiter: str = ",", encoding: str = "utf-8") -> list[list[str]]:
    with path.open(encoding=encoding, newline="") as handle:
        return list(csv.reader(handle, delimiter=delimiter))


def test_csv_reads_back_the_same_with_csv_and_pandas(app, runner, tmp_path):
    ids = add_responses(app, 6, answers={**ANSWERS_18, "comments": COMMENT})
    result, path = export(runner, tmp_path)
    assert result.exit_code == 0, result.output
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in raw

    rows = read_csv(path)
    header, body = rows[0], rows[1:]
    with app.app_context():
        definition = app.extensions["questionnaires"].get("18-months", 1)
        assert header == [c.name for c in export_columns(definition)]
    assert header[:6] == [
        "response_id", "questionnaire", "version", "language", "municipality", "period"
    ]
    assert sorted(row[0] for row in body) == sorted(ids)
    first = dict(zip(header, body[0], strict=True))
    assert first["questionnaire"] == "18-months"
    assert first["version"] == "1"
    assert (first["language"], first["municipality"], first["period"]) == (
        "da", "0240", "2026-03"
    )
    assert first["visit_useful"] == "4"
    assert (first["changes_1"], first["changes_2"], first["changes_3"]) == ("1", "0", "1")
    assert first["adv_food"] == ""  # not answered: empty, not 0
    assert first["interp_avail"] == ""  # hidden by show-if
    assert first["comments"] == COMMENT

    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    assert list(frame.columns) == header
    assert frame.values.tolist() == body
    numeric = pd.read_csv(path)
    assert numeric["visit_useful"].tolist() == [4] * 6
    assert numeric["adv_food"].isna().all()


def test_danish_excel_has_a_bom_semicolons_and_the_same_values(app, runner, tmp_path):
    add_responses(app, 5, answers={**ANSWERS_18, "comments": COMMENT})
    _, csv_path = export(runner, tmp_path)
    result, path = export(runner, tmp_path, fmt="excel")
    assert result.exit_code == 0, result.output
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    first_line = raw[3:].split(b"\r\n", 1)[0].decode()
    assert first_line.startswith("response_id;questionnaire;version;")
    assert "," not in first_line
    assert COMMENT.encode() in raw
    excel_rows = read_csv(path, delimiter=";", encoding="utf-8-sig")
    assert excel_rows == read_csv(csv_path)
    frame = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert frame["comments"].tolist() == [COMMENT] * 5


@pytest.mark.parametrize(
    "text", ["=HYPERLINK(\"http://x\")", "+45 kr", "-1+2", "@SUM(A1)", "\tcmd", "\rcmd"]
)
def test_formula_text_is_neutralised_in_both_dialects(app, runner, tmp_path, text):
    add_responses(app, 5, answers={**ANSWERS_18, "comments": text})
    for fmt, delimiter, encoding in (("csv", ",", "utf-8"), ("excel", ";", "utf-8-sig")):
        result, path = export(runner, tmp_path, fmt=fmt)
        assert result.exit_code == 0, result.output
        rows = read_csv(path, delimiter, encoding)
        column = rows[0].index("comments")
        cells = {row[column] for row in rows[1:]}
        assert len(cells) == 1
        (cell,) = cells
        assert cell.startswith("'"), (fmt, cell)
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_a_formula_in_a_released_group_value_is_neutralised_too(app, runner, tmp_path):
    # The quasi-identifiers come from the store as written; the export must not trust them.
    add_responses(app, 5, municipality="=1+1", language="-da")
    _, path = export(runner, tmp_path)
    header, first = read_csv(path)[:2]
    row = dict(zip(header, first, strict=True))
    assert (row["municipality"], row["language"]) == ("'=1+1", "'-da")


def test_values_that_do_not_fit_the_definition_are_left_empty(app, runner, tmp_path):
    misfits = add_responses(app, 5, answers={
        "visit_useful": True,  # JSON true is not the code 1
        "listened": 9,  # not a code of the scale
        "respected": [4],  # a list where one code belongs
        "adv_sleep": "1",  # a string, not the code
        "adv_food": 2.5,
        "adv_language": 3,  # the one value that fits
        "changes": 3,  # multiple choice needs a list
        "comments": 42,  # free text needs a string
    })
    odd_lists = add_responses(app, 5, answers={**ANSWERS_18, "changes": [2, "3", [4]]})
    nothing = add_responses(app, 5, answers={})
    _, path = export(runner, tmp_path)
    header, *body = read_csv(path)
    rows = {row[0]: dict(zip(header, row, strict=True)) for row in body}
    questions = [name for name in header[6:] if not name.endswith("_status")]
    changes = [name for name in questions if name.startswith("changes_")]

    misfit = rows[misfits[0]]
    assert misfit["adv_language"] == "3"
    assert {misfit[name] for name in questions if name != "adv_language"} == {""}

    odd = rows[odd_lists[0]]
    assert [odd[name] for name in changes] == ["1" if name == "changes_2" else "0"
                                               for name in changes]
    assert {rows[nothing[0]][name] for name in questions} == {""}
    # A value that does not fit counts as no answer in the status column too.
    assert misfit["adv_language_status"] == "1"
    assert misfit["listened_status"] == "-8"
    assert misfit["changes_status"] == "-9"
    assert misfit["interp_avail_status"] == "-7"  # interp_needed has no answer: not shown


def test_numbers_and_ordinary_text_are_not_touched():
    assert neutralise(-3) == -3
    assert neutralise("Tak") == "Tak"
    assert neutralise("2026-Q1") == "2026-Q1"
    assert neutralise(None) is None


def test_free_text_is_masked_in_the_export(app, runner, tmp_path):
    add_responses(
        app, 5, answers={**ANSWERS_18, "comments": "Ring 12 34 56 78, CPR 010190-1234, a@b.dk"}
    )
    _, path = export(runner, tmp_path)
    rows = read_csv(path)
    comment = rows[1][rows[0].index("comments")]
    assert comment == "Ring [phone], CPR [cpr], [email]"
    assert b"010190" not in path.read_bytes()


def test_export_generalises_and_says_so(app, runner, tmp_path):
    add_responses(app, 20, period="2026-01")
    add_responses(app, 3, period="2026-01", language="ti")
    add_responses(app, 4, period="2026-01", language="en")
    result, path = export(runner, tmp_path, fmt="zip")
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(path) as archive:
        assert set(archive.namelist()) == {
            "responses.csv", "responses_excel_da.csv", "codebook.csv", "datapackage.json",
            "NOTES.txt", "responses_da.sav", "responses_en.sav", "responses_da.dta",
            "responses_en.dta", "responses.R",
        }
        rows = list(csv.reader(io.StringIO(archive.read("responses.csv").decode())))
        notes = archive.read("NOTES.txt").decode()
        codebook = list(csv.DictReader(io.StringIO(archive.read("codebook.csv").decode())))
    header, body = rows[0], rows[1:]
    released = {(r[header.index("language")], r[header.index("period")]) for r in body}
    assert "ti" not in {language for language, _ in released}
    assert all(
        sum(1 for r in body if (r[3], r[5]) == group) >= 5 for group in released
    )
    assert released == {("da", "2026-01"), ("other", "2026-01")}
    assert len(body) == 27
    assert "en, ti" in notes  # the note names what was generalised
    language_row = next(row for row in codebook if row["variable"] == "language")
    assert "ti" in language_row["notes_en"] and "ti" in language_row["notes_da"]


def test_too_few_responses_release_nothing(app, runner, tmp_path):
    add_responses(app, 4)
    result, path = export(runner, tmp_path)
    assert result.exit_code == 0, result.output
    assert read_csv(path)[1:] == []


def test_codebook_has_danish_and_english_texts_and_codes(app, runner, tmp_path):
    result, path = export(runner, tmp_path, fmt="codebook")
    assert result.exit_code == 0, result.output
    rows = {row["variable"]: row for row in csv.DictReader(path.open(encoding="utf-8"))}
    useful = rows["visit_useful"]
    assert useful["text_en"] == "How useful was the visit for you?"
    assert useful["text_da"] == "Hvor nyttigt var besøget for dig?"
    assert useful["type"] == "scale"
    assert useful["values_en"].startswith("1 = Not useful at all; 2 = ")
    assert useful["values_da"] != useful["values_en"]
    assert useful["version"] == "1"
    assert rows["changes_9"]["type"] == "multiple_option"
    assert "0 = " in rows["changes_9"]["values_en"]
    assert rows["response_id"]["type"] == "meta"
    _, data = export(runner, tmp_path, fmt="csv")
    assert list(rows) == read_csv(data)[0]


# --- datapackage.json, checked against the Table Schema rules it uses ---------------------

_NAME = re.compile(r"^[a-z0-9._-]+$")
_TYPES = {"string", "integer", "number", "boolean", "date", "datetime", "year", "yearmonth"}
_CONSTRAINTS = {"required", "unique", "enum", "minimum", "maximum"}


def check_datapackage(package: dict, files: dict[str, list[list[str]]]) -> None:
    assert package["profile"] == "tabular-data-package"
    assert _NAME.match(package["name"])
    assert package["resources"]
    for resource in package["resources"]:
        assert set(resource) >= {"name", "path", "schema", "profile"}
        assert _NAME.match(resource["name"])
        assert resource["profile"] == "tabular-data-resource"
        assert resource["encoding"] == "utf-8"
        dialect = resource["dialect"]
        assert dialect["delimiter"] == "," and dialect["header"] is True
        schema = resource["schema"]
        fields = schema["fields"]
        names = [field["name"] for field in fields]
        assert len(set(names)) == len(names)
        for key in schema.get("primaryKey", []):
            assert key in names
        rows = files[resource["path"]]
        assert rows[0] == names, "the schema describes the file's columns in order"
        missing = set(schema.get("missingValues", [""]))
        for field in fields:
            assert field["type"] in _TYPES
            assert set(field.get("constraints", {})) <= _CONSTRAINTS
        for row in rows[1:]:
            for field, cell in zip(fields, row, strict=True):
                constraints = field.get("constraints", {})
                if cell in missing:
                    assert not constraints.get("required"), field["name"]
                    continue
                value = int(cell) if field["type"] == "integer" else cell
                if "enum" in constraints:
                    assert value in constraints["enum"], (field["name"], value)
                if "minimum" in constraints:
                    assert constraints["minimum"] <= value <= constraints["maximum"]
        for field in fields:
            if field.get("constraints", {}).get("unique"):
                column = [row[names.index(field["name"])] for row in rows[1:]]
                assert len(set(column)) == len(column)


@pytest.mark.parametrize("questionnaire", ["18-months", "3-years", "cos-p"])
def test_datapackage_describes_the_files(app, runner, tmp_path, questionnaire):
    from portal.demo import load_demo_responses

    with app.app_context():
        load_demo_responses()
    output = tmp_path / "bundle.zip"
    result = runner.invoke(
        args=["export", "--questionnaire", questionnaire, "--format", "zip", "--output",
              str(output)]
    )
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(output) as archive:
        package = json.loads(archive.read("datapackage.json"))
        files = {
            name: list(csv.reader(io.StringIO(archive.read(name).decode("utf-8"))))
            for name in ("responses.csv", "codebook.csv")
        }
    assert len(files["responses.csv"]) > 50
    check_datapackage(package, files)


def test_datapackage_check_catches_a_wrong_code(app, runner, tmp_path):
    add_responses(app, 5)
    result = runner.invoke(
        args=["export", "--questionnaire", "18-months", "--version", "1", "--format", "zip",
              "--output",
              str(tmp_path / "b.zip")]
    )
    assert result.exit_code == 0
    with zipfile.ZipFile(tmp_path / "b.zip") as archive:
        package = json.loads(archive.read("datapackage.json"))
        files = {
            name: list(csv.reader(io.StringIO(archive.read(name).decode("utf-8"))))
            for name in ("responses.csv", "codebook.csv")
        }
    column = files["responses.csv"][0].index("visit_useful")
    files["responses.csv"][1][column] = "9"
    with pytest.raises(AssertionError):
        check_datapackage(package, files)


# --- filters and the audit log -------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "hint", "mentions"),
    [
        (["--questionnaire", "12-months"], "--questionnaire", "12-months"),
        (["--questionnaire", "18-months", "--version", "7"], "--version", "7"),
        (["--questionnaire", "18-months", "--from", "2026-05", "--to", "2026-01"], "--to",
         "2026-01"),
        (["--questionnaire", "18-months", "--from", "2026-13"], "--from", "2026-03"),
        (["--questionnaire", "18-months", "--to", "March"], "--to", "2026-03"),
        (["--questionnaire", "18-months", "--municipality", "9999"], "--municipality", "9999"),
    ],
)
def test_bad_filters_get_a_clear_error(app, runner, tmp_path, args, hint, mentions):
    output = tmp_path / "never.csv"
    result = runner.invoke(args=["export", *args, "--output", str(output)])
    assert result.exit_code == 2
    assert hint in result.output
    assert mentions in result.output
    assert "Traceback" not in result.output
    assert not output.exists()
    with app.app_context():
        assert db.session.execute(db.select(AuditEvent)).first() is None


def test_output_into_a_missing_folder_is_refused(app, runner, tmp_path):
    target = tmp_path / "no-such-folder" / "out.csv"
    result = runner.invoke(
        args=["export", "--questionnaire", "18-months", "--version", "1", "--output", str(target)]
    )
    assert result.exit_code == 2
    assert "--output" in result.output and "Traceback" not in result.output
    with app.app_context():
        assert db.session.execute(db.select(AuditEvent)).first() is None


def test_filter_messages_are_translated(app):
    from flask_babel import force_locale

    from portal.evaluation.filters import validate_filters

    with app.app_context():
        registry = app.extensions["questionnaires"]
        messages = {}
        for locale in ("da", "en"):
            with force_locale(locale):
                filters, errors = validate_filters(
                    registry, ["0240"], questionnaire="18-months", period_from="2026-05",
                    period_to="2026-01"
                )
                assert filters is None
                messages[locale] = errors["period_to"]
    assert "2026-01" in messages["da"] and "2026-05" in messages["da"]
    assert messages["da"] != messages["en"]


def test_filters_select_rows(app, runner, tmp_path):
    add_responses(app, 5, period="2026-01")
    add_responses(app, 6, period="2026-03")
    add_responses(app, 7, period="2026-03", municipality="0101")
    result, path = export(runner, tmp_path, "--from", "2026-02", "--to", "2026-03")
    assert result.exit_code == 0, result.output
    assert len(read_csv(path)) - 1 == 13
    result, path = export(runner, tmp_path, "--municipality", "0101")
    assert len(read_csv(path)) - 1 == 7


def test_every_export_is_an_audit_event_without_data(app, runner, tmp_path):
    ids = add_responses(app, 5, answers={**ANSWERS_18, "comments": "Hemmelig kommentar"})
    result, _ = export(runner, tmp_path, "--from", "2026-01", fmt="excel")
    assert result.exit_code == 0, result.output
    with app.app_context():
        events = db.session.execute(db.select(AuditEvent)).scalars().all()
        assert len(events) == 1
        event = events[0]
        assert event.actor == "cli"
        assert event.action == "export.downloaded"
        assert event.at is not None
        assert event.details["format"] == "excel"
        assert event.details["rows"] == 5
        assert event.details["filters"] == {
            "questionnaire": "18-months", "version": 1, "period_from": "2026-01",
            "period_to": None, "municipality": None,
        }
        logged = json.dumps(event.details) + (event.subject or "") + (event.note or "")
    assert "Hemmelig" not in logged
    assert not any(response_id in logged for response_id in ids)


def test_export_to_standard_output(app, runner):
    add_responses(app, 5)
    result = runner.invoke(
        args=["export", "--questionnaire", "18-months", "--version", "1", "--format", "csv",
              "--output", "-"]
    )
    assert result.exit_code == 0
    assert result.stdout.startswith("response_id,questionnaire,")


def test_every_format_streams_outside_a_request(app):
    """Jobs and benchmarks call the export API with no request (and so no user locale)."""
    from portal.evaluation.dataset import plan_export
    from portal.evaluation.export import stream_export
    from portal.evaluation.filters import FORMATS, ExportFilters

    add_responses(app, 5)
    with app.app_context():
        plan = plan_export(ExportFilters("18-months", 1))
        sizes = {fmt: sum(len(chunk) for chunk in stream_export(plan, fmt)) for fmt in FORMATS}
        notes = b"".join(stream_export(plan, "zip"))
    assert all(size > 0 for size in sizes.values())
    with zipfile.ZipFile(io.BytesIO(notes)) as archive:
        assert "De første 1000 dage" in archive.read("NOTES.txt").decode()
    with pytest.raises(ValueError):
        stream_export(plan, "xlsx")
