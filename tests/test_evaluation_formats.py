"""Every file of an export read back with the evaluator's own tools: pandas, pyreadstat
(SPSS and Stata), frictionless, R and PSPP (where the machine has them; CI installs both).

The data set mixes the three reasons for a missing answer on one question (3-years
``daycare_coop``, shown only if ``daycare_contact`` = 1, optional): 6 rows not shown, 5 skipped,
and 10 answered (5 × 4, 5 × 5). Its share of "4" is 5 / 15 in every format: "not shown" is out
of the denominator, "skipped" is in. Counting the not-shown rows would give 5 / 21.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest

from portal.extensions import db
from portal.models.personal import Municipality

from .evaluation_data import add_responses
from .translation_helpers import catalogue

EXPECTED_SHARE = 5 / 15
MUNICIPALITY = "0101"
BASE = {
    "visit_useful": 4, "listened": 5, "respected": 5, "interp_needed": 0, "visit_again": 1,
}


@pytest.fixture
def release(app, runner, tmp_path) -> Path:
    """The zip of a 3-years export, unpacked; returns the folder."""
    with app.app_context():
        # Names come from the municipalities set up in the portal (the demo has 0101).
        assert db.session.get(Municipality, 2) or True

    def add(n: int, **answers) -> None:
        add_responses(app, n, questionnaire="3-years", municipality=MUNICIPALITY,
                      answers={**BASE, **answers})

    add(6, daycare_contact=2)  # daycare_coop not shown
    add(5, daycare_contact=1, daycare_coop=4)
    add(5, daycare_contact=1, daycare_coop=5)
    add(5, daycare_contact=1, comments="Tak æøå")  # daycare_coop shown, skipped
    output = tmp_path / "release.zip"
    result = runner.invoke(args=["export", "--questionnaire", "3-years", "--format", "zip",
                                 "--output", str(output)])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "unpacked"
    with zipfile.ZipFile(output) as archive:
        archive.extractall(folder)
    return folder


def share_from_csv(path: Path, **options) -> float:
    frame = pd.read_csv(path, **options)
    shown = frame["daycare_coop_status"] != -7
    return (frame.loc[shown, "daycare_coop"] == 4).sum() / shown.sum()


def test_csv_status_columns_and_shares_in_pandas(release):
    frame = pd.read_csv(release / "responses.csv", dtype={"municipality": str})
    assert set(frame["municipality"]) == {MUNICIPALITY}  # the notes' snippet keeps the zero
    counts = frame["daycare_coop_status"].value_counts().to_dict()
    assert counts == {1: 10, -7: 6, -8: 5}
    assert frame["daycare_coop"].isna().sum() == 11  # empty cells stay empty: means are right
    assert frame["daycare_coop"].mean() == 4.5
    assert share_from_csv(release / "responses.csv") == pytest.approx(EXPECTED_SHARE)
    assert share_from_csv(
        release / "responses_excel_da.csv", sep=";", encoding="utf-8-sig"
    ) == pytest.approx(EXPECTED_SHARE)
    # Multiple choice that nobody ticked is "left blank", not "not chosen".
    assert set(frame["changes_status"]) == {-9}
    assert frame.filter(like="changes_").drop(columns="changes_status").isna().all().all()


def test_sav_has_labels_measures_and_user_missing_codes(release):
    frame, meta = pyreadstat.read_sav(release / "responses_da.sav", user_missing=True)
    assert frame["municipality"].tolist() == [MUNICIPALITY] * 21
    assert frame["daycare_coop"].value_counts().to_dict() == {4: 5, 5: 5, -7: 6, -8: 5}
    assert meta.missing_ranges["daycare_coop"] == [
        {"lo": code, "hi": code} for code in (-7.0, -8.0, -9.0)
    ]
    labels = meta.variable_value_labels["daycare_coop"]
    assert labels[-7] == "ikke vist (vis-hvis-betingelsen var ikke opfyldt)"
    assert labels[-8] == "sprunget over (vist, ikke besvaret)"
    assert labels[4] == "Lidt enig"
    assert meta.variable_measure["daycare_coop"] == "ordinal"
    assert meta.variable_measure["daycare_contact"] == "nominal"
    assert meta.variable_measure["municipality"] == "nominal"
    assert meta.variable_value_labels["municipality"] == {MUNICIPALITY: "Københavns Kommune"}
    assert meta.variable_value_labels["language"] == {"da": "dansk"}
    assert meta.column_names_to_labels["daycare_coop"].startswith("Samarbejdet")
    shown = frame["daycare_coop"] != -7
    assert (frame.loc[shown, "daycare_coop"] == 4).sum() / shown.sum() == pytest.approx(
        EXPECTED_SHARE
    )
    # Without user_missing the reasons read as system missing, as SPSS treats them.
    plain, _ = pyreadstat.read_sav(release / "responses_da.sav")
    assert plain["daycare_coop"].isna().sum() == 11

    english, meta_en = pyreadstat.read_sav(release / "responses_en.sav", user_missing=True)
    assert meta_en.variable_value_labels["daycare_coop"][-7].startswith("not shown")
    assert meta_en.variable_value_labels["daycare_coop"][4] == "Agree a little"
    assert english.equals(frame)


def test_dta_has_labels_and_extended_missing_values(release):
    frame, meta = pyreadstat.read_dta(release / "responses_en.dta", user_missing=True)
    assert frame["municipality"].tolist() == [MUNICIPALITY] * 21
    assert frame["daycare_coop"].value_counts().to_dict() == {4: 5, 5: 5, "a": 6, "b": 5}
    assert set(meta.missing_user_values["daycare_coop"]) == {"a", "b"}
    labels = meta.variable_value_labels["daycare_coop"]
    assert labels["a"].startswith("not shown") and labels["b"].startswith("skipped")
    assert labels[4] == "Agree a little"
    assert all(len(label) <= 80 for label in meta.column_names_to_labels.values() if label)
    shown = frame["daycare_coop"] != "a"
    assert (frame.loc[shown, "daycare_coop"] == 4).sum() / shown.sum() == pytest.approx(
        EXPECTED_SHARE
    )
    danish, meta_da = pyreadstat.read_dta(release / "responses_da.dta")
    assert meta_da.variable_value_labels["daycare_coop"][4] == "Lidt enig"
    assert danish["daycare_coop"].isna().sum() == 11


def test_codebook_states_show_if_required_missing_codes_and_names(release):
    rows = {row["variable"]: row for row in csv.DictReader(
        (release / "codebook.csv").open(encoding="utf-8", newline="")
    )}
    coop = rows["daycare_coop"]
    assert coop["show_if"] == "daycare_contact = 1"
    assert coop["required"] == "no" and rows["daycare_contact"]["required"] == "yes"
    assert coop["measurement"] == "ordinal"
    assert coop["missing_codes"] == "SPSS -7, -8; Stata .a, .b"
    assert "daycare_coop_status" in coop["notes_en"] and ".a, .b" in coop["notes_en"]
    status = rows["daycare_coop_status"]
    assert status["type"] == "status"
    assert status["values_en"].startswith("1 = answered; -7 = not shown")
    assert "-7 = ikke vist" in status["values_da"]
    assert rows["municipality"]["values_da"] == "0101 = Københavns Kommune"
    assert "text" in rows["municipality"]["notes_en"]
    assert rows["language"]["values_en"] == "da = Danish"
    assert rows["language"]["values_da"] == "da = dansk"
    assert "month the invitation was created" in rows["period"]["text_en"]
    notes = (release / "NOTES.txt").read_text(encoding="utf-8")
    assert 'dtype={"municipality": str}' in notes and "-7" in notes


def test_frictionless_validates_the_zip_and_the_standalone_files(app, runner, release, tmp_path):
    frictionless = pytest.importorskip("frictionless")
    report = frictionless.validate(str(release / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    with zipfile.ZipFile(tmp_path / "release.zip") as archive:
        assert "datapackage.json" in archive.namelist()
    report = frictionless.validate(str(tmp_path / "release.zip"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])

    # Standalone: the package and the two files as they are downloaded, side by side.
    standalone = tmp_path / "standalone"
    standalone.mkdir()
    names = {}
    for fmt in ("csv", "codebook", "datapackage"):
        target = standalone / f"download.{fmt}"
        result = runner.invoke(args=["export", "--questionnaire", "3-years", "--format", fmt,
                                     "--output", str(target)])
        assert result.exit_code == 0, result.output
        names[fmt] = target
    package = json.loads(names["datapackage"].read_text(encoding="utf-8"))
    paths = [resource["path"] for resource in package["resources"]]
    assert all(path.startswith("first1000_") for path in paths), paths
    for fmt, path in zip(("csv", "codebook"), paths, strict=True):
        names[fmt].rename(standalone / path)
    names["datapackage"].rename(standalone / "first1000_datapackage.json")
    report = frictionless.validate(str(standalone / "first1000_datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    # And the command an evaluator types.
    command = Path(sys.executable).with_name("frictionless")
    if command.exists():
        for target in (standalone / "first1000_datapackage.json", tmp_path / "release.zip"):
            result = subprocess.run([str(command), "validate", str(target)],
                                    capture_output=True, text=True, timeout=300)
            assert result.returncode == 0, result.stdout + result.stderr

    # And the share, read through frictionless's typed rows.
    resource = frictionless.Package(str(release / "datapackage.json")).get_resource("responses")
    rows = resource.read_rows()
    shown = [row for row in rows if row["daycare_coop_status"] != -7]
    assert sum(row["daycare_coop"] == 4 for row in shown) / len(shown) == pytest.approx(
        EXPECTED_SHARE
    )
    assert {row["municipality"] for row in rows} == {MUNICIPALITY}


R_CHECK = """
source("responses.R")
stopifnot(is.character(d$municipality), all(d$municipality == "0101"))
stopifnot(is.ordered(d$daycare_coop), is.integer(d$daycare_coop_status))
stopifnot(identical(attr(d$daycare_coop, "label"), "{label}"))
shown <- d$daycare_coop_status != -7
cat(sprintf("%.6f\\n", sum(d$daycare_coop[shown] == "{level}", na.rm = TRUE) / sum(shown)))
"""


@pytest.mark.skipif(shutil.which("Rscript") is None,
                    reason="R is not installed (CI installs r-base-core)")
def test_r_script_reads_the_csv_with_types_labels_and_the_same_share(release):
    question = ("The cooperation between the health visitor and the daycare was good for my "
                "child.")
    for lang, level in (("da", "Lidt enig"), ("en", "Agree a little")):
        # The label the catalogue gives today, so a reviewed wording does not break the test.
        label = catalogue(lang)[question].string
        script = f'lang <- "{lang}"\n' + R_CHECK.format(label=label, level=level)
        result = subprocess.run(["Rscript", "-e", script], cwd=release, capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        assert float(result.stdout.strip()) == pytest.approx(EXPECTED_SHARE, abs=1e-6)


PSPP_SYNTAX = """
GET FILE='responses_da.sav'.
DISPLAY DICTIONARY /VARIABLES=daycare_coop municipality.
* The reasons are user-missing: clear them so -8 counts as "not 4" and stays in.
MISSING VALUES daycare_coop ().
SELECT IF (daycare_coop_status <> -7).
COMPUTE is_four = (daycare_coop = 4).
DESCRIPTIVES is_four /STATISTICS=SUM.
"""


@pytest.mark.skipif(shutil.which("pspp") is None,
                    reason="PSPP is not installed (CI installs pspp)")
def test_pspp_reads_labels_missing_codes_and_the_same_share(release):
    (release / "check.sps").write_text(PSPP_SYNTAX, encoding="utf-8")
    result = subprocess.run(["pspp", "-O", "format=csv", "-o", "out.csv", "check.sps"],
                            cwd=release, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    output = (release / "out.csv").read_text(encoding="utf-8")
    assert "-7" in output and "ikke vist" in output  # the missing code and its label
    assert "Lidt enig" in output
    assert "0101" in output or "A4" in output  # municipality is a string variable
    # ",N,Sum" then "is_four,15,5.00": ticked among the shown.
    row = next(row for row in csv.reader(io.StringIO(output)) if row and row[0] == "is_four")
    assert float(row[2]) / float(row[1]) == pytest.approx(EXPECTED_SHARE)
