"""Data that stays fresh (issue 26): `refresh` loads, checks and saves a data folder and says
what changed since the last refresh; "data as at" and the deployment's age limit."""

import json
import shutil

import pandas as pd
import pytest

from socialrx.__main__ import main
from socialrx.data import freshness, source, store
from socialrx.data.problems import Problem

ASSETS = (
    "asset_id,name,category,latitude,longitude,last_verified\n"
    "A1,Walking club,physical activity,53.43,-1.35,2025-01-10\n"
    "A2,Lunch club,food and cooking,53.44,-1.36,2025-02-11\n"
)
REFERRALS = (
    "referral_id,referral_date,practice_code\n"
    "R1,2025-01-05,P1\nR2,2025-02-05,P1\nR3,2025-03-05,P2\n"
)


@pytest.fixture
def folder(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "assets.csv").write_text(ASSETS, encoding="utf-8")
    (data / "referrals.csv").write_text(REFERRALS, encoding="utf-8")
    return data


def test_as_at_is_the_extract_date_else_the_latest_date_in_the_data(load):
    dated, _ = load({"assets.csv": ASSETS, "referrals.csv": REFERRALS})
    assert freshness.as_at(dated) == freshness.AsAt(
        pd.Timestamp("2025-03-05"), "the latest date in the data"
    )
    extract = "extract_date,place_name\n2025-03-31,Rotherham\n"
    named, _ = load({"assets.csv": ASSETS, "referrals.csv": REFERRALS, "dataset.csv": extract})
    assert freshness.as_at(named) == freshness.AsAt(pd.Timestamp("2025-03-31"), "the extract date")
    undated, _ = load({"assets.csv": "asset_id,name,category\nA1,Club,physical activity\n"})
    assert freshness.as_at(undated).date is None


def test_the_deployment_age_limit():
    assert freshness.stale_days({}) == (None, "")
    assert freshness.stale_days({"SOCIALRX_STALE_DAYS": " 45 "}) == (45, "")
    days, wrong = freshness.stale_days({"SOCIALRX_STALE_DAYS": "six weeks"})
    assert days is None and "'six weeks', not a whole number of days" in wrong
    assert freshness.stale_days({"SOCIALRX_STALE_DAYS": "0"})[0] is None
    today = pd.Timestamp("2025-04-30 17:00")
    assert freshness.age_in_days(pd.Timestamp("2025-03-31"), today) == 30
    local = pd.Timestamp("2025-04-29 23:30", tz="Europe/London")  # a refresh's own local time
    assert freshness.age_in_days(local, today) == 1


def test_refresh_reports_rows_added_and_removed_and_new_problems(folder, capsys):
    assert main(["refresh", str(folder)]) == 0
    said = capsys.readouterr().out
    assert "Data as at 05 Mar 2025 (the latest date in the data)." in said
    assert "First refresh of this folder: nothing to compare with. Rows: assets 2, referrals 3" in (
        said
    )
    record = json.loads((folder / store.CACHE_FOLDER / freshness.RECORD).read_text())
    assert record["tables"] == {"assets": 2, "referrals": 3} and record["errors"] == 0
    assert (folder / store.CACHE_FOLDER / record["key"] / "manifest.json").is_file()

    # a month later: R1 gone, R4 and R5 new, R2's practice corrected; an asset with a
    # category nobody knows; a new table
    (folder / "referrals.csv").write_text(
        "referral_id,referral_date,practice_code\n"
        "R2,2025-02-05,P2\nR3,2025-03-05,P2\nR4,2025-04-01,P1\nR5,2025-04-02,P2\n",
        encoding="utf-8",
    )
    (folder / "assets.csv").write_text(ASSETS + "A3,Choir,singing,53.45,-1.37,\n", "utf-8")
    (folder / "practices.csv").write_text("practice_code,name\nP1,Clifton\nP2,Dinnington\n")
    assert main(["refresh", str(folder)]) == 1  # an error in the data: cron sees it
    said = capsys.readouterr().out
    assert "Data as at 02 Apr 2025 (the latest date in the data)." in said
    assert "  assets: no change (2 rows)" in said  # A3 left out for its error
    assert "  practices: new table (2 rows)" in said
    assert "  referrals: 3 rows added, 2 removed (4 now)" in said  # R2 changed: one each way
    assert "1 new problem(s):\n  assets.csv:4: category: 'singing': " in said

    assert main(["refresh", str(folder)]) == 1  # nothing changed since
    said = capsys.readouterr().out
    assert "  referrals: no change (4 rows)" in said and "0 new problem(s)." in said

    # the saved copy deleted: rows cannot be matched, the net change still can
    shutil.rmtree(folder / store.CACHE_FOLDER / record["key"], ignore_errors=True)
    for entry in (folder / store.CACHE_FOLDER).iterdir():
        if entry.is_dir():
            shutil.rmtree(entry)
    (folder / "practices.csv").unlink()
    (folder / "referrals.csv").write_text(REFERRALS, encoding="utf-8")
    main(["refresh", str(folder)])
    said = capsys.readouterr().out
    assert "  referrals: -1 rows net (3 now; the last refresh's copy is gone" in said
    assert "  practices: gone (was 2 rows)" in said


def test_refresh_of_a_missing_folder_exits_2(tmp_path, capsys):
    assert main(["refresh", str(tmp_path / "nowhere")]) == 2
    assert "nowhere" in capsys.readouterr().out


def test_refresh_without_a_saved_copy_keeps_no_record(folder, monkeypatch, capsys):
    monkeypatch.setenv(source.CACHE_VARIABLE, "off")
    assert main(["refresh", str(folder)]) == 0
    said = capsys.readouterr().out
    assert "no saved copy (SOCIALRX_CACHE_DIR)" in said and "No record of this refresh" in said
    assert not (folder / store.CACHE_FOLDER).exists()


def test_refresh_says_when_the_data_is_older_than_the_deployment_allows(folder, monkeypatch,
                                                                          capsys):  # fmt: skip
    monkeypatch.setenv(freshness.STALE_VARIABLE, "30")
    main(["refresh", str(folder)])
    said = capsys.readouterr().out
    age = freshness.age_in_days(pd.Timestamp("2025-03-05"))
    assert f"The data is {age:,} days old, older than the 30 days this deployment allows" in said


def test_a_new_problem_is_one_not_seen_before_wherever_its_row():
    moved = Problem("assets.csv", "not a category", row=5, column="category", value="singing")
    again = Problem("assets.csv", "not a category", row=9, column="category", value="singing")
    other = Problem("assets.csv", "not a category", row=5, column="category", value="opera")
    assert freshness._problem_key(moved) == freshness._problem_key(again)
    assert freshness._problem_key(moved) != freshness._problem_key(other)
