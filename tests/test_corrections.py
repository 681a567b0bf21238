"""The VCS correction sheet: download, correct, upload, see the changes, apply."""

import io

import pandas as pd
import pytest

from socialrx.data import corrections
from socialrx.data.files import SourceFile
from socialrx.data.loader import load_files
from socialrx.disclosure import Level
from socialrx.views import directory

ORG = "ORG004"


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


# Corrections made in the app: edited in a table, queued, approved, applied on every page.
MINE = "ORG001"  # Ashcombe Collective: A0016 (capacity 2), A0085 (verified 2025-06-11), ...


def _edit(demo, cells: dict) -> pd.DataFrame:
    table = corrections.editable_records(demo, MINE).set_index("asset_id", drop=False)
    for (asset, column), value in cells.items():
        table.loc[asset, column] = value
    return table.reset_index(drop=True)


def test_an_edited_table_gives_one_change_a_cell(demo):
    records = corrections.editable_records(demo, MINE)
    assert records["asset_id"].tolist() == ["A0016", "A0085", "A0099", "A0102"]
    assert "organisation_id" not in records  # not offered: it cannot change here
    assert corrections.check_edits(demo, MINE, records).changes.empty
    checked = corrections.check_edits(
        demo,
        MINE,
        _edit(
            demo,
            {("A0016", "capacity_per_month"): "12", ("A0099", "schedule"): "Wed 10:00-11:00"},
        ),
    )
    assert not checked.refused
    assert checked.changes[["asset_id", "field", "old_value", "new_value"]].values.tolist() == [
        ["A0016", "capacity_per_month", "2", "12"],
        ["A0099", "schedule", "Mon 18:00-20:00", "Wed 10:00-11:00"],
    ]


def test_edits_are_checked_as_assets_csv_is_with_a_message_a_field(demo):
    checked = corrections.check_edits(
        demo,
        MINE,
        _edit(
            demo,
            {
                ("A0016", "category"): "knitting",
                ("A0085", "capacity_per_month"): "lots",
                ("A0099", "url"): "ftp://example.org",
                ("A0102", "latitude"): "-1.3",
            },
        ),
    )
    assert checked.refused.startswith("Nothing was sent") and checked.changes.empty
    said = {(p.row, p.column): p.message for p in checked.report.problems}
    # rows are the table's own: the first record is row 1
    assert "not understood (allowed: physical activity" in said[(1, "category")]
    assert (2, "capacity_per_month") in said
    assert "only http:// or https://" in said[(3, "url")]  # a warning, on a changed record
    assert "outside the UK" in said[(4, "latitude, longitude")]


def test_an_asset_id_cannot_be_changed_in_the_table(demo):
    checked = corrections.check_edits(demo, MINE, _edit(demo, {("A0016", "asset_id"): "Z9"}))
    assert "asset_id cannot be changed" in checked.refused and checked.changes.empty


def test_approved_changes_apply_in_order_on_top_of_the_loaded_data(demo):
    confirmed = corrections.confirmation(demo, "A0085", pd.Timestamp("2026-09-01"))
    assert confirmed.values.tolist() == [
        ["A0085", "Ashcombe Carers' Café", "last_verified", "2025-06-11", "2026-09-01"]
    ]
    approved = pd.concat(
        [
            pd.DataFrame(
                [
                    ("A0016", "Ashcombe Wellbeing Group", "capacity_per_month", "2", "12"),
                    ("A0016", "Ashcombe Wellbeing Group", "capacity_per_month", "12", "15"),
                    ("A0099", "x", "name", "Not its name", "Other"),
                    ("A9999", "x", "name", "", "Ghost"),
                ],
                columns=corrections.CHANGE_COLUMNS,
            ),
            confirmed,
        ],
        ignore_index=True,
    )
    approved["id"] = [1, 2, 3, 4, 5]
    shown, outcome = corrections.apply_approved(demo, approved)
    assert outcome.tolist() == [
        "applied",
        "applied",  # the second made against what the first left
        "not applied: the record has changed since (now “Ashcombe Peer Support Circle”)",
        "not applied: no such asset or field in this directory",
        "applied",
    ]
    assets = shown.table("assets").set_index("asset_id")
    assert assets.loc["A0016", "capacity_per_month"] == 15
    # verified 1 Sep 2026, within 12 months of the extract (30 Sep 2026): no longer stale
    assert assets.loc["A0085", "last_verified"] == pd.Timestamp("2026-09-01")
    assert (
        not assets.loc["A0085", "stale"]
        and demo.table("assets").set_index("asset_id").loc["A0085", "stale"]
    )
    # every other cell, the types and the areas as loaded; a new hash, so caches follow it
    before = demo.table("assets").set_index("asset_id")
    pd.testing.assert_frame_equal(
        assets.drop(columns=["capacity_per_month", "last_verified", "stale"]),
        before.drop(columns=["capacity_per_month", "last_verified", "stale"]),
    )
    assert (
        shown.content_hash != demo.content_hash
        and shown.tables["referrals"] is (demo.tables["referrals"])
    )
    # once the corrected assets.csv is the data folder's, nothing is left to do
    again, outcome = corrections.apply_approved(shown, approved.iloc[[1, 4]])
    assert outcome.tolist() == ["already in the loaded data"] * 2 and again is shown


def test_organisation_names_are_each_id_s_first_named_row():
    from socialrx.data.dataset import Dataset

    ids = ["ORG1", "ORG2", "ORG1", "ORG3", None]
    names = ["Ashcombe", None, "Later name", "Birch Lane", "Nobody"]
    table = pd.DataFrame({"organisation_id": ids, "name": names})
    dataset = Dataset(tables={"organisations": table})
    assert corrections.organisation_names(dataset) == {"ORG1": "Ashcombe", "ORG3": "Birch Lane"}
    assert corrections.organisation_name(dataset, "ORG2") == "ORG2"  # no name: its id
    assert corrections.organisation_name(dataset, "ORG9") == "ORG9"
    assert corrections.organisation_names(Dataset()) == {}
