"""Loading a dataset: every problem of the contract's Validation section, reported by file, row,
column and value, with the good rows of the same file still loaded."""

import io
import time
from datetime import datetime

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import shapely
from conftest import DEMO, GOOD_ASSETS, load_texts

import socialrx.data.files
import socialrx.data.loader
from socialrx import vocab
from socialrx.data.files import SourceFile
from socialrx.data.loader import content_hash, load_files, load_folder
from socialrx.data.schema import TABLES
from socialrx.data.tables import absent, parse_column

REFERRALS = "referral_id,referral_date\nR1,2024-01-10\nR2,2024-02-10\n"


def lines(report) -> list[str]:
    return report.lines()


def ids(dataset, table: str, column: str) -> list[str]:
    return dataset.table(table)[column].tolist()


# --- missing file, missing column -------------------------------------------------------


def test_missing_assets_file_is_an_error_and_other_tables_still_load(load):
    dataset, report = load({"referrals.csv": REFERRALS})
    assert lines(report) == ["assets.csv: missing: every dataset needs a table of community assets"]
    assert ids(dataset, "referrals", "referral_id") == ["R1", "R2"]


def test_missing_required_column_names_it_and_what_was_found(load):
    dataset, report = load({"assets.csv": "asset_id,name\nA1,Walk\n", "referrals.csv": REFERRALS})
    assert lines(report) == [
        "assets.csv: missing required column(s) category (found: asset_id, name)"
    ]
    assert not dataset.has("assets")
    assert ids(dataset, "referrals", "referral_id") == ["R1", "R2"]


def test_missing_required_column_in_an_optional_table(load):
    dataset, report = load(
        {"assets.csv": GOOD_ASSETS, "referrals.csv": "referral_id,sex\nR1,male\n"}
    )
    assert lines(report) == [
        "referrals.csv: missing required column(s) referral_date (found: referral_id, sex)"
    ]
    assert ids(dataset, "assets", "asset_id") == ["A1"]


def test_optional_tables_may_be_absent(load):
    dataset, report = load({"assets.csv": GOOD_ASSETS})
    assert lines(report) == []
    assert dataset.has("assets") and not dataset.has("referrals") and not dataset.has("areas")
    assert dataset.table("referrals").empty  # an empty table of the right shape
    assert "referral_date" in dataset.table("referrals").columns


@pytest.mark.parametrize("rows", [0, 1, 3])
def test_a_column_a_file_lacks_is_typed_as_an_empty_one_would_be(rows):
    """`absent` (worked out once a column) equals parsing a column of nothing, for every
    column of the contract: same values (all missing), dtype and index."""
    index = pd.RangeIndex(7, 7 + rows)
    for table in TABLES.values():
        for column in table.columns:
            nothing = pd.Series(pd.NA, index=index, dtype="string")
            expected = parse_column(nothing, column)[0]
            shown = absent(column, index)
            pd.testing.assert_series_equal(shown, expected, check_names=False)
            assert shown.isna().all() and len(shown) == rows


# --- duplicate ids ----------------------------------------------------------------------


def test_duplicate_ids_keep_the_first_row(load):
    assets = (
        "asset_id,name,category,latitude,longitude\n"
        "A1,First,other,53.43,-1.35\n"
        "A2,Second,other,53.43,-1.35\n"
        "A1,Again,other,53.43,-1.35\n"
    )
    dataset, report = load({"assets.csv": assets})
    assert lines(report) == [
        "assets.csv:4: asset_id: 'A1': duplicate id: ids must be unique; later row left out"
    ]
    assert ids(dataset, "assets", "name") == ["First", "Second"]


def test_duplicate_referral_and_organisation_ids(load):
    dataset, report = load(
        {
            "assets.csv": GOOD_ASSETS,
            "referrals.csv": REFERRALS + "R1,2024-03-10\n",
            "organisations.csv": "organisation_id,name\nO1,One\nO1,Two\nO2,Three\n",
        }
    )
    assert set(lines(report)) == {
        "referrals.csv:4: referral_id: 'R1': duplicate id: ids must be unique; later row left out",
        "organisations.csv:3: organisation_id: 'O1': duplicate id: ids must be unique; later row "
        "left out",
    }
    assert ids(dataset, "referrals", "referral_id") == ["R1", "R2"]
    assert ids(dataset, "organisations", "name") == ["One", "Three"]


def test_ids_differing_only_in_spaces_are_duplicates(load):
    """Duplicate ids are found by the numbers the ids were told apart by, after trimming."""
    assets = (
        "asset_id,name,category,latitude,longitude\n"
        " A1,First,other,53.43,-1.35\n"
        ",No id,other,53.43,-1.35\n"
        "A2,Second,other,53.43,-1.35\n"
        "A1 ,Again,other,53.43,-1.35\n"
        ",No id either,other,53.43,-1.35\n"
    )
    dataset, report = load({"assets.csv": assets})
    assert lines(report) == [
        "assets.csv:3: asset_id: (empty): required: every row needs a value; row left out",
        "assets.csv:6: asset_id: (empty): required: every row needs a value; row left out",
        "assets.csv:5: asset_id: 'A1': duplicate id: ids must be unique; later row left out",
    ]
    assert ids(dataset, "assets", "name") == ["First", "Second"]


def test_a_follow_up_before_its_baseline_is_found_after_rows_left_out_above_it(load):
    """The outcomes' referral numbers come from typing (the rows kept, in order): rows left
    out above a follow-up do not shift which referral it is matched to."""
    outcomes = (
        "referral_id,measure,timepoint,assessed_date,value\n"
        ",swemwbs,baseline,2024-01-15,20\n"
        "R1,swemwbs,baseline,2024-02-15,20\n"
        "R2,swemwbs,baseline,2024-03-20,21\n"
        ",swemwbs,baseline,2024-01-15,20\n"
        "R2,swemwbs,follow_up,2024-03-01,25\n"
        "R1,swemwbs,follow_up,2024-03-01,25\n"
    )
    dataset, report = load(
        {"assets.csv": GOOD_ASSETS, "referrals.csv": REFERRALS, "outcomes.csv": outcomes}
    )
    assert lines(report) == [
        "outcomes.csv:2: referral_id: (empty): required: every row needs a value; row left out",
        "outcomes.csv:5: referral_id: (empty): required: every row needs a value; row left out",
        "outcomes.csv:6: assessed_date: '2024-03-01': a follow-up dated before the baseline of "
        "the same measure for this referral: follow-ups must come after their baseline",
    ]
    kept = dataset.table("outcomes")
    assert kept["referral_id"].tolist() == ["R1", "R2", "R1"]
    assert kept["timepoint"].tolist() == ["baseline", "baseline", "follow_up"]


def test_problems_come_in_the_files_order_though_person_level_files_are_typed_as_read(load):
    """Referrals, connections and outcomes are typed beside the next file's reading; each
    file's problems are still listed in the order the files came, then those found across
    files, and a row left out of referrals.csv is named as such where another file needs it."""
    files = {
        "assets.csv": GOOD_ASSETS + "A2,Art,not a category,53.43,-1.35\n",
        "connections.csv": "referral_id,asset_id,referred_date\nR2,A1,2024-02-15\n"
        "R3,A1,2024-05-01\nR2,A1,someday\n",
        "outcomes.csv": "referral_id,measure,timepoint,assessed_date,value\n"
        "R1,swemwbs,baseline,2024-01-15,99\nR1,swemwbs,baseline,when,30\n",
        "referrals.csv": REFERRALS + "R3,soon\n",
        "link_workers.csv": "link_worker_id,start_date\nLW1,sometime\n",
    }
    dataset, report = load(files)
    assert [str(p).split(": '")[0] for p in report.problems] == [
        "assets.csv:3: category",
        "connections.csv:4: referred_date",
        "outcomes.csv:3: assessed_date",
        "referrals.csv:4: referral_date",
        "link_workers.csv:2: start_date",
        "connections.csv:3: referral_id",
        "outcomes.csv:2: value",
    ]
    assert "connections.csv:3: referral_id: 'R3 (row 4)': its row in referrals.csv was left out "\
        "for an error: fix that row; row left out" in lines(report)  # fmt: skip
    assert ids(dataset, "connections", "referral_id") == ["R2"]
    assert dataset.table("outcomes")["value"].tolist() == [30.0]  # 99: outside SWEMWBS's range


def test_the_largest_person_level_file_is_read_first(monkeypatch):
    """Its typing, the longest, starts while the others are read; the rest keep their order."""
    read = []
    reader = socialrx.data.loader.read_csv

    def recorded(file, *args, **kwargs):
        read.append(file.name)
        return reader(file, *args, **kwargs)

    monkeypatch.setattr(socialrx.data.loader, "read_csv", recorded)
    outcomes = "referral_id,measure,timepoint,assessed_date,value\n" + (
        "R1,swemwbs,baseline,2024-01-15,20\n" * 50
    )
    files = {
        "assets.csv": GOOD_ASSETS,
        "connections.csv": "referral_id,asset_id,referred_date\nR1,A1,2024-01-15\n",
        "outcomes.csv": outcomes,
        "practices.csv": "practice_code,name\nX1,One\n",
        "referrals.csv": REFERRALS,
    }
    load_files([SourceFile(n, t.encode()) for n, t in files.items()])
    assert read == ["outcomes.csv", "referrals.csv", "connections.csv", "assets.csv",
                    "practices.csv"]  # fmt: skip


class Stopped(BaseException):
    """As Streamlit stops a script run (a new click) from inside its progress bar."""


def test_a_load_stopped_midway_leaves_the_tables_not_yet_typed(monkeypatch):
    """Stopped at its first "Checking" step, a load waits only for the table being typed: the
    rest of the queue is dropped, not typed for nothing before the stop is passed on."""
    typed = []
    slow = socialrx.data.loader._typed

    def counted(name, label, handed):
        time.sleep(0.05)
        typed.append(name)
        return slow(name, label, handed)

    def progress(fraction, text):
        if text.startswith("Checking"):
            raise Stopped

    monkeypatch.setattr(socialrx.data.loader, "_typed", counted)
    files = {
        "assets.csv": GOOD_ASSETS,
        "referrals.csv": REFERRALS,
        "practices.csv": "practice_code,name\nX1,One\n",
        "link_workers.csv": "link_worker_id\nLW1\n",
        "organisations.csv": "organisation_id,name\nO1,One\n",
        "funding.csv": "organisation_id,financial_year,amount_gbp\nO1,2024-25,100\n",
    }
    with pytest.raises(Stopped):
        load_files([SourceFile(n, t.encode()) for n, t in files.items()], progress)
    time.sleep(0.2)  # nothing goes on being typed once the stop is passed on
    assert len(typed) <= 2, typed


def test_an_nhs_number_as_a_referral_id_leaves_its_row_out_without_referrals(load):
    """With no referrals.csv to match against, a connection whose referral_id passes the NHS
    number check is left out, as it says, not kept with the number in it."""
    connections = (
        "referral_id,asset_id,referred_date\n"
        "R1,A1,2024-01-15\n"
        "943 476 5919,A1,2024-01-16\n"
        "R2,A1,2024-01-17\n"
    )
    dataset, report = load({"assets.csv": GOOD_ASSETS, "connections.csv": connections})
    assert any("passes the NHS number check digit: row left out" in p.message
               for p in report.problems)  # fmt: skip
    assert ids(dataset, "connections", "referral_id") == ["R1", "R2"]


def test_a_person_level_files_problems_stay_counted_if_the_load_then_fails(monkeypatch):
    """A load that fails after reading referrals.csv still marks it as naming people's rows,
    so its problems are shown as counts below disclosure "off", never row by row."""
    typing = socialrx.data.loader.type_table

    def failing(raw, table, *args):
        if table.name == "assets":
            raise RuntimeError("a fault the checks did not catch")
        return typing(raw, table, *args)

    monkeypatch.setattr(socialrx.data.loader, "type_table", failing)
    files = {"assets.csv": GOOD_ASSETS, "referrals.csv": REFERRALS + "R3,2024-01-01,extra\n"}
    _, report = load_files([SourceFile(n, t.encode()) for n, t in files.items()])
    assert report.unreadable == ["dataset"]
    assert any(p.file == "referrals.csv" and p.row == 4 for p in report.problems)
    assert "referrals.csv" in report.person_files


# --- broken references ------------------------------------------------------------------


def test_connection_to_an_unknown_asset_or_referral_is_left_out(load):
    connections = (
        "referral_id,asset_id,referred_date,outcome\n"
        "R1,A1,2024-01-15,attending\n"
        "R1,A9,2024-01-15,attending\n"
        "R9,A1,2024-01-15,waiting list\n"
        "R2,A1,2024-02-15,\n"
    )
    dataset, report = load(
        {"assets.csv": GOOD_ASSETS, "referrals.csv": REFERRALS, "connections.csv": connections}
    )
    assert set(lines(report)) == {
        "connections.csv:3: asset_id: 'A9': no such id in assets.csv; row left out",
        "connections.csv:4: referral_id: 'R9': no such id in referrals.csv; row left out",
    }
    kept = dataset.table("connections")
    assert kept[["referral_id", "asset_id"]].values.tolist() == [["R1", "A1"], ["R2", "A1"]]


def test_outcome_for_an_unknown_referral_is_left_out(load):
    outcomes = (
        "referral_id,measure,timepoint,assessed_date,value\n"
        "R1,swemwbs,baseline,2024-01-15,20\n"
        "R7,swemwbs,baseline,2024-01-15,21\n"
        "R1,swemwbs,follow_up,2024-04-15,24\n"
    )
    dataset, report = load(
        {"assets.csv": GOOD_ASSETS, "referrals.csv": REFERRALS, "outcomes.csv": outcomes}
    )
    assert lines(report) == [
        "outcomes.csv:3: referral_id: 'R7': no such id in referrals.csv; row left out"
    ]
    assert dataset.table("outcomes")["value"].tolist() == [20.0, 24.0]


def test_connections_and_outcomes_find_their_referral_by_its_ids_as_typed(load, monkeypatch):
    """A duplicate referral's first row, a referral left out for an error, ids written with
    spaces, an unknown id: the same rows and problems whether or not the ids' numbering as
    typed is kept for the checks across tables (`loader.NUMBERED`)."""
    referrals = (
        "referral_id,referral_date\n"
        "R1,2024-01-10\nR2,2024-02-10\nR1 ,2024-03-10\nR3,2024-13-01\n R4,2024-04-10\n"
    )
    connections = (
        "referral_id,asset_id,referred_date\n"
        "R4,A1,2024-04-01\nR1,A1,2024-01-15\nR3,A1,2024-01-15\nR9,A1,2024-01-15\n"
        " R2 ,A1,2024-02-15\n"
    )
    outcomes = (
        "referral_id,measure,timepoint,assessed_date,value\n"
        "R3,swemwbs,baseline,2024-01-15,20\nR2,swemwbs,baseline,2024-02-01,21\n"
        "R4 ,swemwbs,baseline,2024-05-01,22\nR8,swemwbs,baseline,2024-05-01,22\n"
    )
    files = {
        "assets.csv": GOOD_ASSETS,
        "referrals.csv": referrals,
        "connections.csv": connections,
        "outcomes.csv": outcomes,
    }
    as_typed = load(files)
    monkeypatch.setattr(socialrx.data.loader, "NUMBERED", {})  # every id looked up afresh
    by_id = load(files)
    assert lines(as_typed[1]) == lines(by_id[1])
    assert lines(as_typed[1]) == [
        "referrals.csv:5: referral_date: '2024-13-01': not understood (not a real calendar "
        "date); row left out",
        "referrals.csv:4: referral_id: 'R1': duplicate id: ids must be unique; later row left out",
        "connections.csv:4: referral_id: 'R3 (row 5)': its row in referrals.csv was left out for "
        "an error: fix that row; row left out",
        "connections.csv:5: referral_id: 'R9': no such id in referrals.csv; row left out",
        "connections.csv:2: referred_date: '2024-04-01': before referral_date: dates cannot run "
        "backwards",
        "outcomes.csv:2: referral_id: 'R3 (row 5)': its row in referrals.csv was left out for an "
        "error: fix that row; row left out",
        "outcomes.csv:5: referral_id: 'R8': no such id in referrals.csv; row left out",
        "outcomes.csv:3: assessed_date: '2024-02-01': before referral_date: dates cannot run "
        "backwards (warning)",
    ]
    for name in ("connections", "outcomes"):
        pd.testing.assert_frame_equal(as_typed[0].table(name), by_id[0].table(name))
    assert as_typed[0].table("connections")["referral_id"].tolist() == ["R4", "R1", "R2"]
    assert as_typed[0].table("outcomes")["referral_id"].tolist() == ["R2", "R4"]


def test_connections_and_outcomes_hold_the_referrals_own_id_strings():
    """One string per referral id across the tables, as loaded: a connection's and an
    outcome's referral_id is the very string its referral holds (the same value, 80 MB less
    at a region's size)."""
    dataset, _ = load_folder(DEMO)
    ids = dataset.table("referrals").set_index("referral_id", drop=False)["referral_id"]
    for name in ("connections", "outcomes"):
        named = dataset.table(name)["referral_id"]
        assert len(named) > 1000
        assert all(value is ids[value] for value in named.iloc[::97])


def test_each_choice_is_one_string_however_it_is_spelled(load):
    referrals = (
        "referral_id,referral_date,sex,reasons\n"
        "R1,2024-01-10,2,Housing;money and debt\n"
        "R2,2024-01-11,female,money and debt; housing\n"
        "R3,2024-01-12,Female ,MONEY AND DEBT;housing\n"
    )
    dataset, report = load({"assets.csv": GOOD_ASSETS, "referrals.csv": referrals})
    assert lines(report) == []
    kept = dataset.table("referrals")
    assert kept["sex"].tolist() == ["female"] * 3
    assert kept["sex"][0] is kept["sex"][1] is kept["sex"][2]  # "2", "female", "Female "
    assert kept["reasons"].tolist() == ["money and debt;housing"] * 3
    assert kept["reasons"][0] is kept["reasons"][1] is kept["reasons"][2]


def test_unknown_organisation_practice_and_link_worker_are_warnings(load):
    dataset, report = load(
        {
            "assets.csv": "asset_id,name,category,latitude,longitude,organisation_id\n"
            "A1,Walk,other,53.43,-1.35,O1\nA2,Art,other,53.43,-1.35,O9\n",
            "organisations.csv": "organisation_id,name\nO1,One\n",
            "practices.csv": "practice_code,name,latitude,longitude\nC87001,Surgery,53.43,-1.35\n",
            "link_workers.csv": "link_worker_id,wte\nLW1,1\n",
            "referrals.csv": "referral_id,referral_date,practice_code,link_worker_id\n"
            "R1,2024-01-10,C87001,LW1\nR2,2024-01-11,C87999,LW9\n",
        }
    )
    assert report.errors == []
    assert set(lines(report)) == {
        "assets.csv:3: organisation_id: 'O9': no such id in organisations.csv (warning)",
        "referrals.csv:3: practice_code: 'C87999': no such id in practices.csv (warning)",
        "referrals.csv:3: link_worker_id: 'LW9': no such id in link_workers.csv (warning)",
    }
    assert len(dataset.table("assets")) == 2 and len(dataset.table("referrals")) == 2


# --- wrong types ------------------------------------------------------------------------


def test_wrong_types_are_reported_and_the_value_not_used(load):
    assets = (
        "asset_id,name,category,latitude,longitude,capacity_per_month,wheelchair_accessible,"
        "cost_per_person_gbp,min_age\n"
        "A1,Walk,other,53.43,-1.35,ten,maybe,£12.50,18\n"
        "A2,Art,other,53.43,-1.35,1.5,Y,-5,\n"
        'A3,Garden,other,53.43,-1.35,"1,200",no,,121\n'
    )
    dataset, report = load({"assets.csv": assets})
    assert set(lines(report)) == {
        "assets.csv:2: capacity_per_month: 'ten': not understood (allowed: a whole number from 0 "
        "to any); value not used (warning)",
        "assets.csv:3: capacity_per_month: '1.5': not understood (allowed: a whole number from 0 "
        "to any); value not used (warning)",
        "assets.csv:2: wheelchair_accessible: 'maybe': not understood (allowed: yes/no, y/n, "
        "true/false, 1/0); value not used (warning)",
        "assets.csv:3: cost_per_person_gbp: '-5': not understood (allowed: a number from 0 to "
        "any); value not used (warning)",
        "assets.csv:4: min_age: '121': not understood (allowed: a whole number from 0 to 120); "
        "value not used (warning)",
    }
    assets = dataset.table("assets")
    assert assets["asset_id"].tolist() == ["A1", "A2", "A3"]  # every row kept
    assert assets["capacity_per_month"].tolist() == [pd.NA, pd.NA, 1200]
    assert assets["wheelchair_accessible"].tolist() == [pd.NA, True, False]
    assert assets["cost_per_person_gbp"].iloc[0] == 12.5
    assert pd.isna(assets["cost_per_person_gbp"].iloc[1])
    assert assets["min_age"].tolist() == [18, pd.NA, pd.NA]


def test_a_missing_required_value_leaves_the_row_out(load):
    dataset, report = load(
        {"assets.csv": GOOD_ASSETS + ",No id,other,53.43,-1.35\nA3,,other,53.43,-1.35\n"}
    )
    assert set(lines(report)) == {
        "assets.csv:3: asset_id: (empty): required: every row needs a value; row left out",
        "assets.csv:4: name: (empty): required: every row needs a value; row left out",
    }
    assert ids(dataset, "assets", "asset_id") == ["A1"]


# --- dates ------------------------------------------------------------------------------


def test_dates_that_do_not_parse_say_why(load):
    referrals = (
        "referral_id,referral_date,first_contact_date\n"
        "R1,31/03/2024,\n"
        "R2,31/03/24,\n"
        "R3,03/31/2024,\n"
        "R4,31/02/2024,\n"
        "R5,31-Mar-2024,April\n"
        "R6,31MAR2024 10:15,\n"
    )
    dataset, report = load({"assets.csv": GOOD_ASSETS, "referrals.csv": referrals})
    assert lines(report) == [
        "referrals.csv:3: referral_date: '31/03/24': not understood (two-digit years are "
        "ambiguous: write the year in full, e.g. 31/03/2024); row left out",
        "referrals.csv:4: referral_date: '03/31/2024': not understood (31 is not a month: dates "
        "are day first (31/03/2024), never month first); row left out",
        "referrals.csv:5: referral_date: '31/02/2024': not understood (not a real calendar date); "
        "row left out",
        "referrals.csv:6: first_contact_date: 'April': not understood (dates are 2024-03-31, "
        "31/03/2024, 31-Mar-2024 or 31MAR2024 (day first)); value not used (warning)",
    ]
    referrals = dataset.table("referrals")
    assert referrals["referral_id"].tolist() == ["R1", "R5", "R6"]
    assert (referrals["referral_date"] == pd.Timestamp("2024-03-31")).all()


def test_dates_that_run_backwards(load):
    referrals = (
        "referral_id,referral_date,first_contact_date,first_appointment_date,closed_date,status\n"
        "R1,2024-03-01,2024-03-02,2024-03-05,2024-05-01,completed\n"
        "R2,2024-03-01,2024-02-28,,,contacted\n"
        "R3,2024-03-01,,,2024-01-01,closed\n"
        "R4,2024-03-01,,,,completed\n"
    )
    connections = (
        "referral_id,asset_id,referred_date,started_date\n"
        "R1,A1,2024-03-06,2024-03-10\n"
        "R1,A1,2024-03-06,2024-03-01\n"
    )
    dataset, report = load(
        {"assets.csv": GOOD_ASSETS, "referrals.csv": referrals, "connections.csv": connections}
    )
    assert set(lines(report)) == {
        "referrals.csv:3: first_contact_date: '2024-02-28': before referral_date: dates cannot "
        "run backwards",
        "referrals.csv:4: closed_date: '2024-01-01': before referral_date: dates cannot run "
        "backwards",
        "referrals.csv:5: closed_date: (empty): required when status is completed, declined, "
        "did not engage, closed",
        "connections.csv:3: started_date: '2024-03-01': before referred_date: dates cannot run "
        "backwards",
    }
    assert len(dataset.table("referrals")) == 4  # reported, not lost
    assert len(dataset.table("connections")) == 2


def test_dates_after_the_extract_date(load):
    dataset, report = load(
        {
            "dataset.csv": "extract_date,place_name\n30/06/2024,Rotherham\n",
            "assets.csv": GOOD_ASSETS,
            "referrals.csv": "referral_id,referral_date\nR1,2024-06-30\nR2,2025-01-02\n",
        }
    )
    assert lines(report) == [
        "referrals.csv:3: referral_date: '2025-01-02': after the extract date 2024-06-30: dates "
        "cannot be in the future of the extract"
    ]
    assert dataset.extract_date == pd.Timestamp("2024-06-30")
    assert dataset.place_name == "Rotherham"
    assert ids(dataset, "referrals", "referral_id") == ["R1", "R2"]


def test_a_record_confirmed_after_the_extract_is_not_a_date_in_its_future(load):
    # a provider confirms its directory record in the app after the extract (issue 24)
    assets = "asset_id,name,category,last_verified\nA1,Walk,physical_activity,2024-09-01\n"
    _, report = load(
        {
            "dataset.csv": "extract_date\n2024-06-30\n",
            "assets.csv": assets,
            "referrals.csv": "referral_id,referral_date\nR1,2024-07-02\n",
        }
    )
    assert [line for line in lines(report) if "extract" in line] == [
        "referrals.csv:2: referral_date: '2024-07-02': after the extract date 2024-06-30: dates "
        "cannot be in the future of the extract"
    ]


def test_date_problems_quote_the_date_as_the_file_wrote_it(load):
    """Found after the dates were read (after the extract, backwards, a follow-up before its
    baseline), a problem still quotes what the file says: `20/08/2024`, not `2024-08-20`."""
    _, report = load(
        {
            "dataset.csv": "extract_date\n31/08/2024\n",
            "assets.csv": GOOD_ASSETS,
            "referrals.csv": "referral_id,referral_date,first_contact_date\n"
            "R1,20/08/2024,19-Aug-2024\nR2,01SEP2024,\n",
            "outcomes.csv": "referral_id,measure,timepoint,assessed_date,value\n"
            "R1,swemwbs,baseline,22/08/2024,20\nR1,swemwbs,follow_up,21/08/2024,22\n",
        }
    )
    quoted = {(p.file, p.row, p.column): p.value for p in report.problems}
    assert quoted == {
        ("referrals.csv", 2, "first_contact_date"): "19-Aug-2024",  # before referral_date
        ("referrals.csv", 3, "referral_date"): "01SEP2024",  # after the extract date
        ("outcomes.csv", 3, "assessed_date"): "21/08/2024",  # before the baseline
    }


def test_extract_date_defaults_to_the_latest_date_in_the_data(load):
    dataset, report = load({"assets.csv": GOOD_ASSETS, "referrals.csv": REFERRALS})
    assert lines(report) == []
    assert dataset.extract_date == pd.Timestamp("2024-02-10")


def test_stale_asset_records(load):
    assets = (
        "asset_id,name,category,latitude,longitude,last_verified\n"
        "A1,Checked,other,53.43,-1.35,2024-01-01\n"
        "A2,Old,other,53.43,-1.35,2023-06-29\n"
        "A3,Never,other,53.43,-1.35,\n"
    )
    dataset, report = load({"dataset.csv": "extract_date\n2024-06-30\n", "assets.csv": assets})
    assert lines(report) == []
    assert dataset.table("assets")["stale"].tolist() == [False, True, False]


# --- coordinates ------------------------------------------------------------------------


def test_coordinates_outside_the_uk_and_swapped(load):
    assets = (
        "asset_id,name,category,latitude,longitude,postcode\n"
        "A1,Good,other,53.43,-1.35,\n"
        "A2,Swapped,other,-1.35,53.43,\n"
        "A3,Paris,other,48.85,2.35,\n"
        "A4,Swapped with postcode,other,-1.35,53.43,S60 1AA\n"
    )
    dataset, report = load({"assets.csv": assets})
    swapped = (
        "latitude and longitude look swapped (latitude 49.8 to 60.9, longitude -8.7 to "
        "1.8); coordinates not used"
    )
    outside = "outside the UK (latitude 49.8 to 60.9, longitude -8.7 to 1.8); coordinates not used"
    report_lines = lines(report)
    assert f"assets.csv:3: latitude, longitude: '-1.35, 53.43': {swapped}" in report_lines
    assert f"assets.csv:5: latitude, longitude: '-1.35, 53.43': {swapped}" in report_lines
    assert f"assets.csv:4: latitude, longitude: '48.85, 2.35': {outside}" in report_lines
    assert not any(line.startswith("assets.csv:2:") for line in report_lines)
    assets = dataset.table("assets")
    assert assets["asset_id"].tolist() == ["A1", "A2", "A3", "A4"]
    assert assets["latitude"].tolist()[0] == 53.43
    assert assets["latitude"].iloc[1:].isna().all()  # bad coordinates are not drawn


def test_in_person_and_hybrid_need_a_place_online_does_not(load):
    assets = (
        "asset_id,name,category,delivery,latitude,longitude,postcode\n"
        "A1,Walk,other,in person,53.43,-1.35,\n"
        "A2,Helpline,other,telephone,,,\n"
        "A3,Zoom club,other,online,,,\n"
        "A4,Hybrid choir,other,hybrid,,,\n"
        "A5,Nowhere,other,,,,\n"
    )
    dataset, report = load({"assets.csv": assets})
    message = (
        "in-person and hybrid assets need coordinates or a postcode that can be placed; "
        "not on the map"
    )
    # kept in the directory, off the map: warnings (an error means something was left out)
    assert lines(report) == [
        f"assets.csv:5: latitude, longitude: {message} (warning)",
        f"assets.csv:6: latitude, longitude: {message} (warning)",
    ]
    assert not report.errors
    assert dataset.table("assets")["delivery"].tolist() == [
        "in person",
        "telephone",
        "online",
        "hybrid",
        "in person",
    ]


def test_assets_with_only_a_postcode_are_placed_through_postcodes_csv(load):
    assets = (
        "asset_id,name,category,postcode\n"
        "A1,Walk,other,s601aa\n"
        "A2,Art,other,S60  2BB\n"
        "A3,Lost,other,S60 9ZZ\n"
        "A4,No grid reference,other,S60 3CC\n"
    )
    postcodes = (
        "pcds,lat,long,lsoa11\n"
        "S60 1AA,53.4301,-1.3561,E01007657\n"
        "S60 2BB,53.4202,-1.3402,E01007658\n"
        "S60 3CC,99.999999,0.000000,\n"
    )
    dataset, report = load({"assets.csv": assets, "postcodes.csv": postcodes})
    note = "postcode not in postcodes.csv (or it has no grid reference): not placed (warning)"
    assert report.errors == []
    assert lines(report) == [
        f"assets.csv:4: postcode: 'S60 9ZZ': {note}",
        f"assets.csv:5: postcode: 'S60 3CC': {note}",
    ]
    assets = dataset.table("assets")
    assert assets["postcode"].tolist() == ["S60 1AA", "S60 2BB", "S60 9ZZ", "S60 3CC"]
    assert assets["latitude"].tolist()[:2] == [53.4301, 53.4202]
    assert assets["longitude"].tolist()[:2] == [-1.3561, -1.3402]
    assert assets["latitude"].iloc[2:].isna().all()  # 99.999999 is not a place
    assert dataset.table("postcodes")["area_code"].tolist()[:2] == ["E01007657", "E01007658"]


def test_postcode_without_a_postcodes_file_is_a_warning(load):
    dataset, report = load(
        {"assets.csv": "asset_id,name,category,postcode\nA1,Walk,other,S60 1AA\n"}
    )
    assert lines(report) == [
        "assets.csv:2: postcode: 'S60 1AA': no coordinates, and no postcodes.csv to place the "
        "postcode: add one (warning)",
        "assets.csv: 1 asset has a postcode but no postcode file was loaded, so it is not on "
        "the map: add the ONS postcode directory for your place (NSPD, NSPL or ONSPD as "
        "downloaded, under any name) (warning)",
    ]
    assert ids(dataset, "assets", "postcode") == ["S60 1AA"]


# --- outcomes ---------------------------------------------------------------------------


def test_values_outside_a_measures_range(load):
    outcomes = (
        "referral_id,measure,timepoint,assessed_date,value\n"
        "R1,swemwbs,baseline,2024-01-15,20\n"
        "R1,swemwbs,follow up,2024-04-15,36\n"
        "R1,ucla3_loneliness,baseline,2024-01-15,2\n"
        "R1,ons4_anxiety,baseline,2024-01-15,7.5\n"
        "R1,swemwbs_metric,baseline,2024-01-15,17.43\n"
        "R1,gp_appointments_6m,baseline,2024-01-15,101\n"
        "R1,wemwbs,baseline,2024-01-15,14\n"
        "R1,close_connections,Follow-Up,2024-04-15,50\n"
    )
    dataset, report = load(
        {"assets.csv": GOOD_ASSETS, "referrals.csv": REFERRALS, "outcomes.csv": outcomes}
    )
    assert set(lines(report)) == {
        "outcomes.csv:3: value: '36': outside the range of swemwbs: whole numbers from 7 to 35; "
        "row left out",
        "outcomes.csv:4: value: '2': outside the range of ucla3_loneliness: whole numbers from 3 "
        "to 9; row left out",
        "outcomes.csv:5: value: '7.5': outside the range of ons4_anxiety: whole numbers from 0 to "
        "10; row left out",
        "outcomes.csv:7: value: '101': outside the range of gp_appointments_6m: whole numbers "
        "from 0 to 100; row left out",
    }
    kept = dataset.table("outcomes")
    assert kept["measure"].tolist() == ["swemwbs", "swemwbs_metric", "wemwbs", "close_connections"]
    assert kept["value"].tolist() == [20.0, 17.43, 14.0, 50.0]
    assert kept["timepoint"].tolist() == ["baseline", "baseline", "baseline", "follow_up"]


# --- vocabulary -------------------------------------------------------------------------


def test_unknown_category_lists_the_vocabulary_and_leaves_the_row_out(load):
    assets = GOOD_ASSETS + "A2,Knit,knitting,53.43,-1.35\nA3,Art,Arts And  Creativity,53.43,-1.35\n"
    dataset, report = load({"assets.csv": assets})
    [line] = lines(report)
    assert line.startswith("assets.csv:3: category: 'knitting': not understood (allowed: ")
    assert line.endswith("); row left out")
    for category in vocab.ASSET_CATEGORIES:
        assert category in line
    assert dataset.table("assets")["category"].tolist() == [
        "physical activity",
        "arts and creativity",
    ]


def test_unknown_optional_vocabulary_is_reported_and_the_row_kept(load):
    referrals = (
        "referral_id,referral_date,sex,ethnicity,reasons,referrer_type,status\n"
        "R1,2024-01-10,1,A,Housing; loneliness and isolation,GP,engaged\n"
        "R2,2024-01-11,X,99,cats,self-referral,engaged\n"
        "R3,2024-01-12,q,Z,,robot,engaged\n"
    )
    dataset, report = load({"assets.csv": GOOD_ASSETS, "referrals.csv": referrals})
    report_lines = lines(report)
    assert len(report_lines) == 3
    assert report_lines[0].startswith(
        "referrals.csv:4: referrer_type: 'robot': not understood "
        "(allowed: gp practice, hospital, other health, council, "
        "vcs, self); value not used (warning)"
    )
    assert report_lines[1] == (
        "referrals.csv:4: sex: 'q': not understood (allowed: female, male, "
        "other, not stated); value not used (warning)"
    )
    assert report_lines[2].startswith(
        "referrals.csv:3: reasons: 'cats': not understood (allowed, "
        "separated by ';': loneliness and isolation, "
    )
    referrals = dataset.table("referrals")
    assert referrals["referral_id"].tolist() == ["R1", "R2", "R3"]
    assert referrals["sex"].tolist() == ["male", "not stated", pd.NA]
    assert referrals["ethnicity"].tolist() == ["white", "not stated", "not stated"]
    # Reasons re-joined in the vocabulary's order, whatever order they came in.
    assert referrals["reasons"].tolist() == ["loneliness and isolation;housing", pd.NA, pd.NA]
    # a categorical of the vocabulary (`Column.compact`): a missing value is NaN, not NA
    assert referrals["referrer_type"].astype("string").tolist() == ["gp practice", "self", pd.NA]


def test_financial_years(load):
    funding = (
        "organisation_id,financial_year,amount_gbp,for_social_prescribing\n"
        'O1,2024/25,"1,000",yes\n'
        "O1,2024-25,500,no\n"
    )
    dataset, report = load({"assets.csv": GOOD_ASSETS, "funding.csv": funding})
    assert lines(report) == [
        "funding.csv:3: financial_year: '2024-25': write financial years as 2024/25 (April to "
        "March); row left out"
    ]
    assert dataset.table("funding")["amount_gbp"].tolist() == [1000.0]


def test_only_http_links_are_kept(load):
    assets = (
        "asset_id,name,category,latitude,longitude,url\n"
        "A1,Walk,other,53.43,-1.35,https://example.org/walk\n"
        "A2,Art,other,53.43,-1.35,javascript:alert(1)\n"
    )
    dataset, report = load({"assets.csv": assets})
    assert lines(report) == [
        "assets.csv:3: url: 'javascript:alert(1)': only http:// or https:// links are kept; link "
        "dropped (warning)"
    ]
    assert dataset.table("assets")["url"].tolist() == ["https://example.org/walk", pd.NA]


# --- NHS numbers ------------------------------------------------------------------------

NHS_NUMBERS = ("9434765919", "4010232137", "9434765870")


def test_nhs_numbers_in_person_id_are_refused_and_never_printed(load):
    referrals = (
        "referral_id,person_id,referral_date,age_band\n"
        f"R1,{NHS_NUMBERS[0]},2024-01-10,{NHS_NUMBERS[1]}\n"
        f"R2,{NHS_NUMBERS[1]},2024-01-11,25-34\n"
        f"R3,{NHS_NUMBERS[2]},31/01/24,25-34\n"
        "R4,P0000004,2024-01-12,25-34\n"
    )
    dataset, report = load({"assets.csv": GOOD_ASSETS, "referrals.csv": referrals})
    text = "\n".join(lines(report))
    for number in NHS_NUMBERS:
        assert number not in text
    assert (
        "referrals.csv: person_id: 'value withheld': * of * values pass the NHS number check "
        "digit: this column is refused and not used. Use a pseudonym, never the NHS number"
    ) in lines(report)
    assert "referrals.csv:2: age_band: 'value withheld': not understood" in text
    referrals = dataset.table("referrals")
    assert referrals["referral_id"].tolist() == ["R1", "R2", "R4"]  # the other data is kept
    assert referrals["person_id"].isna().all()  # the whole column is refused
    assert referrals["age_band"].tolist() == [pd.NA, "25-34", "25-34"]


def test_one_nhs_number_among_pseudonyms_is_withheld_and_the_rest_kept(load):
    rows = [f"R{i},P{i:05d},2024-01-10" for i in range(1, 40)]
    rows[4] = f"R5,{NHS_NUMBERS[0]},2024-01-10"  # row 6: a person_id that is an NHS number
    rows[7] = f"{NHS_NUMBERS[1]},P00008,2024-01-10"  # row 9: a referral_id that is one
    referrals = "referral_id,person_id,referral_date\n" + "\n".join(rows) + "\n"
    dataset, report = load({"assets.csv": GOOD_ASSETS, "referrals.csv": referrals})
    assert lines(report) == [
        "referrals.csv:9: referral_id: 'value withheld': passes the NHS number check digit: row "
        "left out. Use a pseudonym, never the NHS number (10-digit pseudonyms can pass by "
        "chance: add a letter)",
        "referrals.csv:6: person_id: 'value withheld': passes the NHS number check digit: "
        "blanked, the rest of the row kept. Use a pseudonym, never the NHS number (10-digit "
        "pseudonyms can pass by chance: add a letter)",
    ]
    referrals = dataset.table("referrals").set_index("referral_id")
    assert len(referrals) == 38 and "R8" not in referrals.index
    assert pd.isna(referrals.loc["R5", "person_id"])
    assert referrals["person_id"].notna().sum() == 37  # every other pseudonym kept


def test_nhs_numbers_in_person_id_are_found_by_the_numbering_as_typed(load):
    """With no row left out since typing, each distinct person_id is looked at once, as typed
    (`tables.numbered_ids`): the same person twice is withheld on both rows, spaced or not."""
    rows = [f"R{i},P{i:05d},2024-01-10" for i in range(1, 30)]
    rows[2] = f"R3, {NHS_NUMBERS[0]} ,2024-01-10"  # row 4
    rows[9] = f"R10,{NHS_NUMBERS[0]},2024-01-10"  # row 11: the same person
    rows[5] = "R6,,2024-01-10"  # row 7: no person_id
    referrals = "referral_id,person_id,referral_date\n" + "\n".join(rows) + "\n"
    dataset, report = load({"assets.csv": GOOD_ASSETS, "referrals.csv": referrals})
    assert [(p.row, p.column, p.value) for p in report.problems] == [
        (4, "person_id", "value withheld"),
        (11, "person_id", "value withheld"),
    ]
    kept = dataset.table("referrals").set_index("referral_id")["person_id"]
    assert kept[["R3", "R6", "R10"]].isna().all() and kept.notna().sum() == 26


def test_nhs_numbers_as_referral_ids_refuse_the_file_and_are_withheld(load):
    referrals = (
        f"referral_id,referral_date\n{NHS_NUMBERS[0]},2024-01-10\n{NHS_NUMBERS[0]},2024-01-11\n"
    )
    dataset, report = load({"assets.csv": GOOD_ASSETS, "referrals.csv": referrals})
    assert lines(report) == [
        "referrals.csv:3: referral_id: 'value withheld': duplicate id: ids must be unique; later "
        "row left out",
        "referrals.csv: referral_id: 'value withheld': * of * values pass the NHS number check "
        "digit: the whole file is refused. Use a pseudonym, never the NHS number",
    ]
    assert not dataset.has("referrals")


def test_nhs_numbers_in_headers_and_area_code_lists_are_withheld(load):
    # A headerless export: its first row is taken for the header.
    headerless = f"R1,{NHS_NUMBERS[0]},2024-01-10\nR2,{NHS_NUMBERS[1]},2024-01-11\n"
    referrals = f"referral_id,referral_date,area_code\nR1,2024-01-10,{NHS_NUMBERS[2]}\n"
    for files in (
        {"referrals.csv": headerless},
        {"referrals.csv": referrals, "area_stats.csv": "area_code\nE01000001\n"},
    ):
        _, report = load({"assets.csv": GOOD_ASSETS, **files})
        text = "\n".join(lines(report) + [p.message for p in report.problems])
        assert "value withheld" in text
        for number in NHS_NUMBERS:
            assert number not in text


def test_ten_digit_pseudonyms_that_fail_the_check_are_kept(load):
    # 1234567890: weights give 210; 210 mod 11 = 1; 11 - 1 = 10, never a valid check digit.
    referrals = "referral_id,person_id,referral_date\nR1,1234567890,2024-01-10\nR2,P2,2024-01-11\n"
    dataset, report = load({"assets.csv": GOOD_ASSETS, "referrals.csv": referrals})
    assert lines(report) == []
    assert dataset.table("referrals")["person_id"].tolist() == ["1234567890", "P2"]


# --- files that cannot be read ----------------------------------------------------------


def test_empty_file_is_reported_and_the_rest_loads(load):
    dataset, report = load({"assets.csv": GOOD_ASSETS, "referrals.csv": ""})
    assert lines(report) == [
        "referrals.csv: the file is empty: it needs a header row and at least one row (warning)"
    ]
    assert report.unreadable == []  # an empty optional file is a warning, not exit 2
    assert ids(dataset, "assets", "asset_id") == ["A1"]


def test_empty_assets_file_is_not_also_called_missing(load):
    _, report = load({"assets.csv": "  \n"})
    assert lines(report) == [
        "assets.csv: the file is empty: it needs a header row and at least one row"
    ]


def test_a_header_only_table_is_treated_as_absent(load):
    dataset, report = load(
        {"assets.csv": GOOD_ASSETS, "referrals.csv": "referral_id,referral_date\n"}
    )
    assert lines(report) == [
        "referrals.csv: no rows, only a header: the pages that use this table will say it is "
        "missing (warning)"
    ]
    assert not dataset.has("referrals") and dataset.table("referrals").empty


def test_pdf_renamed_csv(load):
    dataset, report = load(
        {"assets.csv": GOOD_ASSETS, "referrals.csv": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"}
    )
    assert lines(report) == [
        "referrals.csv: this is a PDF document, not a CSV text file: save it as CSV (UTF-8)"
    ]
    assert report.unreadable == ["referrals.csv"]
    assert ids(dataset, "assets", "asset_id") == ["A1"]


def test_excel_workbook_renamed_csv(load):
    _, report = load({"assets.csv": GOOD_ASSETS, "referrals.csv": b"PK\x03\x04\x14\x00"})
    assert lines(report) == [
        "referrals.csv: this is a zip archive or Excel workbook, not a CSV text file: save it as "
        "CSV (UTF-8)"
    ]


def test_files_over_the_upload_limit(monkeypatch):
    monkeypatch.setattr(socialrx.data.files, "MAX_FILE_BYTES", 100)
    monkeypatch.setattr(socialrx.data.loader, "MAX_FILE_BYTES", 100)
    big = "referral_id,referral_date\n" + "".join(f"R{i},2024-01-10\n" for i in range(20))
    assert len(big.encode()) > 100 >= len(GOOD_ASSETS.encode())
    dataset, report = load_texts({"assets.csv": GOOD_ASSETS, "referrals.csv": big})
    [line] = lines(report)
    assert line.startswith("referrals.csv: the file is ")
    assert "over the" in line and "limit: split it or filter it" in line
    assert report.unreadable == ["referrals.csv"]
    assert ids(dataset, "assets", "asset_id") == ["A1"]
    assert not dataset.has("referrals")


def test_the_upload_limit_is_200_mb():
    assert (
        socialrx.data.files.MAX_FILE_BYTES
        == socialrx.data.loader.MAX_FILE_BYTES
        == 200 * 1024 * 1024
    )


def test_a_row_with_too_many_cells_is_left_out_and_the_rest_kept(load):
    extra = GOOD_ASSETS + "A2,Art, and craft,other,53.4,-1.3\nA3,Garden,other,53.41,-1.31\n"
    dataset, report = load({"assets.csv": extra})
    assert lines(report) == [
        "assets.csv:3: 6 cells where the header has 5: put text that contains commas in double "
        "quotes; row left out"
    ]
    assert dataset.table("assets")["asset_id"].tolist() == ["A1", "A3"]
    assert report.unreadable == []


def test_a_reference_to_a_row_left_out_for_too_many_cells_names_that_row(load):
    # as for a row left out when typed: the user fixes the one cause, not "no such id"
    assets = GOOD_ASSETS + "A2,Art, and craft,other,53.4,-1.3\n"
    referrals = "referral_id,referral_date\nR1,2024-01-05\nR2,2024-01-05,x\n"
    connections = ("referral_id,asset_id,referred_date\nR1,A2,2024-02-01\nR2,A1,2024-02-01\n"
                   "R3,A1,2024-02-01\n")  # fmt: skip
    dataset, report = load({"assets.csv": assets, "referrals.csv": referrals,
                            "connections.csv": connections})  # fmt: skip
    sent = [line for line in lines(report) if line.startswith("connections.csv")]
    assert sorted(sent) == [
        "connections.csv:2: asset_id: 'A2 (row 3)': its row in assets.csv was left out for an "
        "error: fix that row; row left out",
        "connections.csv:3: referral_id: 'R2 (row 3)': its row in referrals.csv was left out "
        "for an error: fix that row; row left out",
        "connections.csv:4: referral_id: 'R3': no such id in referrals.csv; row left out",
    ]
    assert dataset.table("connections").empty


def test_a_csv_with_binary_bytes_is_unreadable(load):
    dataset, report = load({"assets.csv": GOOD_ASSETS + 'A2,"x\x00,other\n'})
    assert report.unreadable == ["assets.csv"]


def test_files_that_are_not_contract_tables_are_ignored_with_a_warning(write_dataset):
    folder = write_dataset({"assets.csv": GOOD_ASSETS, "notes.csv": "x\n1\n", "README.md": "hi"})
    dataset, report = load_folder(folder)
    assert report.errors == []
    [warning] = lines(report)  # README.md is not even read: folders often have one
    assert warning.startswith(
        "notes.csv: ignored: not a table of the data contract: name it after its table "
        "(dataset.csv, assets.csv, "
    )
    assert "NHS Digital registrations" in warning and "file row in mapping.csv" in warning
    assert list(report.ignored) == ["notes.csv"]  # named on every page


def test_the_list_of_table_names_is_not_renamed_after_the_files_handed_in(load):
    # practices came from a file of another name: "practices.csv" in the list stays as it is
    files = {"assets.csv": GOOD_ASSETS, "epraccur_extract.csv": "practice_code\nC1\n"}
    dataset, report = load(files | {"notes.csv": "x\n1\n"})
    [warning] = [line for line in lines(report) if line.startswith("notes.csv")]
    assert "practices.csv, postcodes.csv" in warning


def test_a_folder_that_does_not_exist(tmp_path):
    dataset, report = load_folder(tmp_path / "nowhere")
    assert report.unreadable == [str(tmp_path / "nowhere")]
    assert lines(report) == [
        f"{tmp_path / 'nowhere'}: no such folder: point to a folder of dataset files"
    ]
    assert dataset.tables == {}


# --- row numbers ------------------------------------------------------------------------


def test_blank_lines_and_empty_trailing_rows_are_not_data_and_keep_row_numbers(load):
    assets = (
        "asset_id,name,category,latitude,longitude\r\n"
        "A1,Walk,other,53.43,-1.35\r\n"
        "\r\n"
        "A2,Knit,knitting,53.43,-1.35\r\n"
        "A3,Art,other,53.43,-1.35\r\n"
        ",,,,\r\n"
        ",,,,\r\n"
    )
    dataset, report = load({"assets.csv": assets})
    [line] = lines(report)
    assert line.startswith("assets.csv:4: category: 'knitting': not understood")
    assert ids(dataset, "assets", "asset_id") == ["A1", "A3"]


def test_row_numbers_count_records_as_a_spreadsheet_shows_them(load):
    assets = (
        "asset_id,name,category,latitude,longitude,description\n"
        'A1,Walk,other,53.43,-1.35,"two\nlines"\n'
        "A2,Knit,knitting,53.43,-1.35,\n"
    )
    _, report = load({"assets.csv": assets})
    [line] = lines(report)
    assert line.startswith("assets.csv:3: category: 'knitting'")


# --- encodings and headers --------------------------------------------------------------

CAFE = (
    "asset_id,name,category,latitude,longitude,cost_per_person_gbp\n"
    "A1,Café £5 club,other,53.43,-1.35,£5\n"
)


@pytest.mark.parametrize(
    "data",
    [CAFE.encode("utf-8"), b"\xef\xbb\xbf" + CAFE.encode("utf-8"), CAFE.encode("cp1252")],
    ids=["utf-8", "utf-8-bom", "windows-1252"],
)
def test_encodings_load_with_the_right_text(load, data):
    dataset, report = load({"assets.csv": data})
    assert lines(report) == []
    assets = dataset.table("assets")
    assert assets["asset_id"].tolist() == ["A1"]  # the BOM is not part of the first header
    assert assets["name"].tolist() == ["Café £5 club"]
    assert assets["cost_per_person_gbp"].tolist() == [5.0]


def test_windows_1252_curly_quotes_and_dashes(load):
    assets = (
        "asset_id,name,category,latitude,longitude\nA1,Carers’ café – “drop in”,other,53.43,-1.35\n"
    )
    dataset, _ = load({"assets.csv": assets.encode("cp1252")})
    assert dataset.table("assets")["name"].tolist() == ["Carers’ café – “drop in”"]


def test_headers_match_case_spaces_dashes_and_aliases(load):
    assets = (
        "\ufeffAsset ID, Name ,CATEGORY,Lat,Long,Capacity-Per-Month,Last_Verified\n"
        'A1,Walk,Physical Activity,53.43,-1.35,"1,200",31-Mar-2024\n'
    )
    dataset, report = load({"Assets.CSV": assets.encode("utf-8")})
    assert lines(report) == []
    row = dataset.table("assets").iloc[0]
    assert (row["asset_id"], row["name"], row["category"]) == ("A1", "Walk", "physical activity")
    assert (row["latitude"], row["longitude"]) == (53.43, -1.35)
    assert row["capacity_per_month"] == 1200
    assert row["last_verified"] == pd.Timestamp("2024-03-31")


# --- Excel ------------------------------------------------------------------------------


def workbook(sheets: dict[str, list[list]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_excel_workbook_with_assets_and_referrals_sheets(tmp_path):
    data = workbook(
        {
            "assets": [
                ["asset_id", "name", "category", "latitude", "longitude"],
                ["A1", "Café club", "Physical Activity", 53.43, -1.35],
                ["A2", "Swapped", "other", -1.35, 53.43],
            ],
            "referrals": [
                ["referral_id", "referral_date", "sex"],
                ["R1", datetime(2024, 3, 31), "female"],
                ["R2", "31/03/2024", 2],
                ["R3", "31/03/24", "male"],
            ],
            "Notes": [["made by hand"]],
        }
    )
    (tmp_path / "book.xlsx").write_bytes(data)
    dataset, report = load_folder(tmp_path)
    report_lines = lines(report)
    # Problems name the workbook and the sheet, with the sheet's own row numbers.
    assert (
        "book.xlsx[referrals]:4: referral_date: '31/03/24': not understood (two-digit years "
        "are ambiguous: write the year in full, e.g. 31/03/2024); row left out"
    ) in report_lines
    assert any(
        line.startswith(
            "book.xlsx[assets]:3: latitude, longitude: '-1.35, 53.43': "
            "latitude and longitude look swapped"
        )
        for line in report_lines
    )
    assert any(
        line.startswith("book.xlsx[Notes]: sheet ignored") and line.endswith("(warning)")
        for line in report_lines
    )
    assert not any("assets.csv" in line for line in report_lines)
    assert dataset.table("assets")["name"].tolist() == ["Café club", "Swapped"]
    referrals = dataset.table("referrals")
    assert referrals["referral_id"].tolist() == ["R1", "R2"]
    assert (referrals["referral_date"] == pd.Timestamp("2024-03-31")).all()
    assert referrals["sex"].tolist() == ["female", "female"]  # NHS code 2


def test_a_damaged_workbook(load):
    _, report = load({"book.xlsx": b"PK\x03\x04 not really a workbook"})
    assert lines(report)[0].startswith("book.xlsx: could not be opened as an Excel workbook (")


# --- boundaries -------------------------------------------------------------------------


def test_boundaries_in_british_national_grid_are_stored_as_wgs84(tmp_path, load):
    # Two 1 km squares side by side, in BNG metres, near Rotherham.
    squares = gpd.GeoDataFrame(
        {"LSOA11CD": ["E01000001", "E01000002"], "LSOA11NM": ["West", "East"]},
        geometry=[
            shapely.box(440000, 392000, 441000, 393000),
            shapely.box(441000, 392000, 442000, 393000),
        ],
        crs="EPSG:27700",
    )
    squares.to_file(tmp_path / "areas.gpkg")
    west = gpd.GeoSeries([shapely.Point(440500, 392500)], crs="EPSG:27700").to_crs("EPSG:4326")[0]
    assets = f"asset_id,name,category,latitude,longitude\nA1,Walk,other,{west.y:.6f},{west.x:.6f}\n"
    referrals = (
        "referral_id,referral_date,area_code\n"
        "R1,2024-01-10,E01000002\nR2,2024-01-11,E01999999\nR3,2024-01-12,\n"
    )
    dataset, report = load(
        {
            "areas.gpkg": (tmp_path / "areas.gpkg").read_bytes(),
            "assets.csv": assets,
            "referrals.csv": referrals,
        }
    )
    assert lines(report) == [
        "referrals.csv: area_code: * referrals have an area code matching no area in the "
        "boundaries or area statistics: E01999999 (*). They count in totals but not on maps or "
        "per-area rates (warning)"
    ]
    assert dataset.areas.crs.to_epsg() == 4326
    assert dataset.areas["area_code"].tolist() == ["E01000001", "E01000002"]
    assert dataset.areas["area_name"].tolist() == ["West", "East"]
    assert dataset.lsoa_vintage == "2011"
    assert dataset.table("assets")["area_code"].tolist() == ["E01000001"]


def test_area_codes_matching_no_area_are_counted_listed_and_kept(load):
    dataset, report = load(
        {
            "assets.csv": GOOD_ASSETS,
            "area_stats.csv": "area_code,population_adult,imd_decile,imd_score,green_space_pct\n"
            'E01000001,"1,500",3,31.2,12.5\n',
            "referrals.csv": "referral_id,referral_date,area_code\nR1,2024-01-01,E01000001\n"
            "R2,2024-01-02,E01999999\nR3,2024-01-03,E01999999\nR4,2024-01-03,XX\n",
        }
    )
    assert report.errors == []
    assert lines(report) == [
        "referrals.csv: area_code: * referrals have an area code matching no area in the "
        "boundaries or area statistics: E01999999 (*), XX (*). They count in totals but not on "
        "maps or per-area rates (warning)"
    ]
    assert len(dataset.table("referrals")) == 4
    stats = dataset.table("area_stats").iloc[0]
    assert (stats["population_adult"], stats["imd_decile"], stats["imd_score"]) == (1500, 3, 31.2)
    assert stats["green_space_pct"] == 12.5  # extra numeric columns stay numeric


# --- the dataset as a whole -------------------------------------------------------------


def test_dataset_metadata(load):
    dataset, report = load(
        {
            "dataset.csv": "extract_date,lsoa_vintage,place_name,source\n"
            "2024-03-31,2021,Solihull,ICB\n",
            "assets.csv": GOOD_ASSETS,
        }
    )
    assert lines(report) == []
    assert dataset.extract_date == pd.Timestamp("2024-03-31")
    assert (dataset.lsoa_vintage, dataset.place_name, dataset.source) == ("2021", "Solihull", "ICB")
    assert not dataset.is_demo
    assert dataset.label == "Solihull"


def test_content_hash_is_stable_and_follows_content():
    a = [SourceFile("assets.csv", GOOD_ASSETS.encode()), SourceFile("x.csv", b"1")]
    assert content_hash(a) == content_hash(list(reversed(a)))
    assert content_hash(a) != content_hash([a[0], SourceFile("x.csv", b"2")])
    assert content_hash(a) != content_hash([a[0], SourceFile("y.csv", b"1")])
    dataset, _ = load_files(a)
    assert dataset.content_hash == content_hash(a)


def test_progress_is_reported_and_ends_at_one():
    seen = []
    load_files([SourceFile("assets.csv", GOOD_ASSETS.encode())], lambda f, text: seen.append(f))
    assert seen[-1] == 1.0
    assert seen == sorted(seen)


def test_loaded_tables_have_no_internal_columns(load):
    dataset, _ = load({"assets.csv": GOOD_ASSETS, "referrals.csv": REFERRALS})
    for frame in dataset.tables.values():
        assert not [c for c in frame.columns if c.startswith("_")]


# --- memory -------------------------------------------------------------------------------


def test_ids_are_trimmed_python_strings_one_object_per_distinct_value():
    """A code held by many rows is one string object (a pointer a row, not a string a row);
    spaces are trimmed and a blank id is missing, as for any text."""
    referrals = (
        "referral_id,referral_date,practice_code\nR1,2024-01-10, C87001\nR2,2024-02-10,C87001\n"
        "R3,2024-02-11,\nR4,2024-02-12,C87002\n"
    )
    dataset, report = load_files([SourceFile("assets.csv", GOOD_ASSETS.encode()),
                                  SourceFile("referrals.csv", referrals.encode())])  # fmt: skip
    codes = dataset.table("referrals")["practice_code"]
    assert repr(codes.dtype) == "<StringDtype(storage='python', na_value=<NA>)>"
    assert codes.tolist() == ["C87001", "C87001", pd.NA, "C87002"]
    assert codes[0] is codes[1]


def test_the_callers_own_files_are_left_as_they_were(tmp_path):
    """load_folder lets go of its own files' bytes once read; files a caller hands in (an
    upload) are the caller's, and left alone."""
    uploads = [SourceFile("assets.csv", GOOD_ASSETS.encode())]
    load_files(uploads)
    assert [f.name for f in uploads] == ["assets.csv"]
    (tmp_path / "assets.csv").write_text(GOOD_ASSETS)
    dataset, _ = load_folder(tmp_path)
    assert dataset.content_hash == content_hash(uploads)
