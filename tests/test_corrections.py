"""The VCS correction sheet: download, correct, upload, see the changes, apply."""

import io
from pathlib import Path

import pandas as pd
import pytest

from socialrx.data import corrections
from socialrx.data.files import SourceFile
from socialrx.data.loader import load_files, load_folder
from socialrx.disclosure import Level
from socialrx.views import directory

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo"
ORG = "ORG004"


@pytest.fixture(scope="module")
def demo():
    dataset, _ = load_folder(DEMO)
    return dataset


def _sheet(demo) -> str:
    return corrections.correction_sheet(demo, ORG).decode("utf-8-sig")


def _upload(demo, text: str, org: str = ORG) -> corrections.CheckedSheet:
    return corrections.check_sheet(SourceFile("my_sheet.csv", text.encode("utf-8")), demo, org)


def test_the_sheet_holds_only_our_assets_with_notes_on_allowed_values(demo):
    text = _sheet(demo)
    lines = text.splitlines()
    notes = [line for line in lines if line.lstrip('"').startswith("#")]
    assert len(notes) == 1 + len(corrections.SHEET_COLUMNS)  # the intro, one per column
    assert any("category (required): one of: physical activity | arts" in n for n in notes)
    header = lines[len(notes)]
    assert header.split(",") == corrections.SHEET_COLUMNS
    body = pd.read_csv(io.StringIO(text), skiprows=len(notes))
    ours = demo.table("assets")[demo.table("assets")["organisation_id"] == ORG]
    assert sorted(body["asset_id"]) == sorted(ours["asset_id"])
    assert set(body["wheelchair_accessible"].dropna()) <= {"yes", "no"}


def test_an_unchanged_sheet_changes_nothing(demo):
    checked = _upload(demo, _sheet(demo))
    assert not checked.refused
    assert checked.changes.empty
    assert checked.report.errors == []


def test_a_corrected_sheet_lists_its_changes_and_applies_them(demo):
    text = _sheet(demo).replace("Brackenby Housing Help Desk", "Brackenby Housing Help Point")
    text = text.replace("Fri 14:00-16:00", "Fri 14:00-17:00")
    text += "A9999,New Walking Group,ORG004,physical activity,in person,53.43,-1.35,,,,,,,,,,,,\n"
    checked = _upload(demo, text)
    assert not checked.refused
    changes = checked.changes.set_index(["asset_id", "field"])
    assert changes.loc[("A0003", "name"), "old_value"] == "Brackenby Housing Help Desk"
    assert changes.loc[("A0003", "name"), "new_value"] == "Brackenby Housing Help Point"
    assert changes.loc[("A0003", "schedule"), "new_value"] == "Fri 14:00-17:00"
    assert changes.loc[("A9999", corrections.NEW_ASSET), "new_value"] == "New Walking Group"
    assert len(changes) == 3
    corrected = corrections.corrected_csv(demo, checked)
    again, report = load_files([SourceFile("assets.csv", corrected)])
    assert report.errors == []
    assets = again.table("assets").set_index("asset_id")
    assert assets.loc["A0003", "name"] == "Brackenby Housing Help Point"
    assert assets.loc["A9999", "organisation_id"] == ORG
    assert len(assets) == len(demo.table("assets")) + 1
    other = demo.table("assets").set_index("asset_id").loc["A0001"]  # another group's: as was
    assert assets.loc["A0001", "name"] == other["name"]
    assert assets.loc["A0001", "last_verified"] == other["last_verified"]


def test_a_sheet_with_another_organisations_asset_is_refused(demo):
    text = _sheet(demo) + "A0001,Pellow Drama Group,ORG004,arts and creativity,,,,,,,,,,,,,,,\n"
    checked = _upload(demo, text)
    assert checked.refused.startswith("This sheet holds assets of another organisation (row ")
    assert "A0001 belongs to ORG048 (Pellow Neighbours)" in checked.refused
    assert checked.changes.empty
    with pytest.raises(ValueError):
        corrections.apply_sheet(demo, checked)
    whole = corrections.correction_sheet(demo, "ORG048").decode("utf-8-sig")
    refused = _upload(demo, whole)  # another group's own sheet, uploaded as ours
    assert "belongs to ORG048" in refused.refused


def test_bad_values_are_reported_with_the_sheets_row_and_the_asset_left_as_it_was(demo):
    sheet = _sheet(demo)
    row = sheet.index("A0003,")  # below the notes, which name every category
    text = sheet[:row] + sheet[row:].replace("housing advice", "housing help", 1)
    checked = _upload(demo, text)
    problem = checked.report.errors[0]
    lines = text.splitlines()
    assert lines[problem.row - 1].startswith("A0003,")  # the row the spreadsheet shows
    assert problem.column == "category" and problem.value == "housing help"
    assert "allowed: physical activity" in problem.message
    assert "A0003" not in set(checked.changes["asset_id"])
    out = corrections.apply_sheet(demo, checked).set_index("asset_id")
    assert out.loc["A0003", "category"] == "housing advice"  # kept: nothing valid lost


def test_missing_fields_and_the_directory_tables(demo):
    frame = pd.DataFrame(
        {
            "schedule": ["Tue 10:00-12:00", None],
            "wheelchair_accessible": pd.array([True, None], dtype="boolean"),
            "capacity_per_month": pd.array([None, 3], dtype="Int64"),
        }
    )
    assert corrections.missing_fields(frame).tolist() == [
        "no capacity",
        "no schedule; no accessibility",
    ]
    table = directory.own_table(demo, ORG)
    assert len(table) == (demo.table("assets")["organisation_id"] == ORG).sum()
    assert set(table["stale"]) <= {"yes", "no"}
    everyone = directory.organisations_panel(demo, Level.ROUND).table
    assert everyone["assets"].sum() == len(demo.table("assets"))
