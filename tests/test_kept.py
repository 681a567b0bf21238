"""What the metrics work out once per dataset, kept in the saved copy (`dataset.keep`,
`store.SavedCopy`): read back equal by a fresh server, built afresh when the copy lacks it,
was made by other code or by an older layout, and never served to a dataset it was not made
from."""

import dataclasses
import json
import sys
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from socialrx.data import freshness, source, store
from socialrx.data.dataset import KEPT, Tables
from socialrx.data.files import SourceFile
from socialrx.metrics import equity, outcomes, overview, selection
from socialrx.views import equity as equity_view

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo"
SMALL = ("assets", "practices", "area_stats", "area_lookup", "referrals", "connections",
         "outcomes", "registered_ages", "census2021-ts021-lsoa")  # fmt: skip
BUILDS = {  # each kept thing, as a page asks for it
    "measured": selection.measured,
    "first_started": selection.first_started,
    "first_sent": selection.first_sent,
    "connection_referrals": selection.connection_referrals,
    "resident_sent": selection.resident_sent,
    "asset_months": selection.asset_months,
    "place_groups": selection.place_groups,
    "everyone_pathway": selection.everyone_pathway,
    "data_period": selection.data_period,
    "referred_codes": selection.referred_codes,
    "opening_headline": overview.opening_headline,
    "as_at": freshness.dataset_as_at,
    "equity_opening": equity_view.opening_counts,
}


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    monkeypatch.setenv(source.CACHE_VARIABLE, str(tmp_path / "cache"))
    monkeypatch.setattr(sys, "platform", "linux")
    store._HELD.clear()
    yield
    store._HELD.clear()


def small_demo(data: Path, rows=slice(0, 300)) -> Path:
    """The demo's referrals `rows` (its first 300) with their connections and outcomes."""
    data.mkdir()
    for name in SMALL:
        frame = pd.read_csv(DEMO / f"{name}.csv", dtype=str, keep_default_na=False)
        if name == "referrals":
            frame = frame.iloc[rows]
            ids = set(frame["referral_id"])
        elif "referral_id" in frame:
            frame = frame[frame["referral_id"].isin(ids)]
        frame.to_csv(data / f"{name}.csv", index=False)
    return data


@pytest.fixture
def folder(tmp_path) -> Path:
    """The demo's first 300 referrals with their connections and outcomes: a fast load."""
    return small_demo(tmp_path / "data")


def fresh_server(folder: Path):
    """The folder's dataset as a new process gets it: nothing held from before."""
    store._HELD.clear()
    return store.load_folder_cached(folder)[0]


def never(name: str):
    def build():
        raise AssertionError(f"{name} was built, not read from the copy")

    return build


def assert_equal(got, want) -> None:
    if isinstance(want, equity_view.Counted | equity.PracticeStandardisation):
        assert type(got) is type(want)
        for field in dataclasses.fields(want):
            assert_equal(getattr(got, field.name), getattr(want, field.name))
    elif want is None or isinstance(want, int):
        assert got == want
    elif isinstance(want, outcomes.Measured):
        for part in ("records", "pairs", "status"):
            pd.testing.assert_frame_equal(getattr(got, part), getattr(want, part), check_exact=True)
    elif isinstance(want, tuple) and isinstance(want[0], overview.PeriodFigures):
        assert len(got) == len(want) and (got[1] is None) == (want[1] is None)
        for mine, theirs in zip(got, want, strict=True):
            if theirs is None:
                continue
            assert (mine.referrals, mine.measured, mine.connected) == (
                theirs.referrals, theirs.measured, theirs.connected)  # fmt: skip
            assert all(isinstance(v, int) for v in mine.connected.values())
            for part in ("monthly", "strain", "changes"):
                pd.testing.assert_frame_equal(
                    getattr(mine, part), getattr(theirs, part), check_exact=True
                )
    elif isinstance(want, tuple) and dataclasses.is_dataclass(want[0]):  # the pathway's sums
        assert [type(part) for part in got] == [type(part) for part in want]
        for mine, theirs in zip(got, want, strict=True):
            for field in dataclasses.fields(theirs):
                pd.testing.assert_frame_equal(
                    getattr(mine, field.name), getattr(theirs, field.name), check_exact=True
                )
    elif isinstance(want, dict):
        assert list(got) == list(want)
        for key in want:
            pd.testing.assert_frame_equal(got[key], want[key], check_exact=True)
    elif isinstance(want, np.ndarray):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    elif isinstance(want, pd.Series):
        pd.testing.assert_series_equal(got, want, check_exact=True)
    elif isinstance(want, tuple | freshness.AsAt):  # dates, each of the same unit
        assert got == want and repr(got) == repr(want)
    else:
        pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_a_copy_gives_back_what_the_metrics_keep_equal_to_building_it(folder):
    first = fresh_server(folder)  # loads the files, saves the copy
    built = {name: build(first) for name, build in BUILDS.items()}  # kept as they are built
    assert set(BUILDS) == set(KEPT)  # a new kept thing is tested here too
    assert built["measured"].pairs.shape[0] > 0 and len(built["place_groups"]) > 0
    again = fresh_server(folder)
    assert again is not first
    for name, want in built.items():
        assert_equal(again.derived(name, never(name)), want)
    assert not again.tables._read  # none of them needed a table read
    # the figures a page makes from them are the same too
    chosen = selection.default_selection(again)
    assert_equal(selection.selected_outcomes(again, chosen),
                 selection.selected_outcomes(first, chosen))  # fmt: skip


@pytest.fixture
def ahead(monkeypatch):
    """The folder's 300 referrals counted as many: a new copy builds what the metrics keep."""
    monkeypatch.setattr(store, "KEEP_AHEAD_REFERRALS", 300)


def test_a_small_new_copy_keeps_each_thing_when_a_page_first_asks(folder):
    first = fresh_server(folder)
    (manifest,) = (folder.parent / "cache").rglob("manifest.json")
    assert json.loads(manifest.read_text())["kept"] == {} and not first._derived
    selection.first_sent(first)
    assert set(json.loads(manifest.read_text())["kept"]) == {"first_sent", "connection_referrals"}


def test_a_new_copy_holds_everything_the_metrics_keep_before_any_page_asks(folder, ahead):
    first = fresh_server(folder)  # loads the files and saves the copy; no page has run
    (manifest,) = (folder.parent / "cache").rglob("manifest.json")
    assert set(json.loads(manifest.read_text())["kept"]) == set(KEPT)
    assert set(first._derived) == set(KEPT)  # held by the server that built them too
    again = fresh_server(folder)
    for name, build in BUILDS.items():
        assert_equal(again.derived(name, never(name)), build(first))


def test_a_copy_missing_a_kept_table_builds_it_and_keeps_it(folder):
    fresh_server(folder)
    want = selection.measured(fresh_server(folder))  # built and kept by a server reading it
    (manifest,) = (folder.parent / "cache").rglob("manifest.json")
    saved = json.loads(manifest.read_text())
    assert "measured" in saved["kept"]
    for spec in saved["kept"]["measured"]["tables"].values():
        (manifest.parent / spec["file"]).unlink()  # a damaged copy
    built = []
    again = fresh_server(folder)
    assert again.derived("measured", lambda: built.append(1) or want) is want
    assert built == [1]
    later = fresh_server(folder)  # kept again
    assert_equal(later.derived("measured", never("measured")), want)


def test_a_kept_table_made_by_other_code_is_built_afresh(folder, monkeypatch):
    selection.first_started(fresh_server(folder))
    monkeypatch.setitem(store._CODE_DIGESTS, ("socialrx.metrics.selection",), "changed code")
    built = []
    fresh_server(folder).derived("first_started", lambda: built.append(1) or pd.Series([1.0]))
    assert built == [1]


def test_a_copy_in_an_older_layout_is_not_read_but_made_again(folder, monkeypatch):
    now = store.FORMAT
    monkeypatch.setattr(store, "FORMAT", now - 1)
    fresh_server(folder)
    (old,) = (folder.parent / "cache").rglob("manifest.json")
    monkeypatch.setattr(store, "FORMAT", now)
    with pytest.raises(ValueError, match="not a copy of this version"):
        store.read_copy(old.parent)
    dataset = fresh_server(folder)  # loads the files again, and replaces the copy
    (new,) = (folder.parent / "cache").rglob("manifest.json")
    assert new != old and json.loads(new.read_text())["format"] == now
    selection.measured(dataset)
    assert "measured" in json.loads(new.read_text())["kept"]


def test_a_dataset_made_from_the_copys_tables_is_not_given_what_the_copy_keeps(folder):
    """A corrected directory (new tables, new hash) shares the copy's link, not its tables."""
    dataset = fresh_server(folder)
    selection.first_sent(dataset)
    corrected = dataclasses.replace(dataset, tables={**dataset.tables}, content_hash="other",
                                    _derived={})  # fmt: skip
    built = []
    corrected.derived("first_sent", lambda: built.append(1) or pd.DataFrame())
    assert built == [1]


def test_a_fresh_server_reads_a_table_when_it_is_first_asked_for(folder):
    fresh_server(folder)
    dataset = fresh_server(folder)
    assert isinstance(dataset.tables, Tables) and "outcomes" in dataset.tables
    assert not dataset.tables._read
    outcomes_rows = dataset.table("outcomes")
    assert list(dataset.tables._read) == ["outcomes"]
    assert dataset.table("outcomes") is outcomes_rows  # read once
    census = {"census2021-ts021-lsoa": "area_ethnicity"}  # residents by ethnic group
    assert sorted(dataset.tables) == sorted(census.get(name, name) for name in SMALL)


def test_a_table_that_fails_to_read_late_comes_from_the_files(folder):
    """A copy whole when opened but unreadable when a page first asks for a table (changed
    meanwhile): the table comes from the data folder instead."""
    want = fresh_server(folder).table("outcomes")
    dataset = fresh_server(folder)
    (manifest,) = (folder.parent / "cache").rglob("manifest.json")
    saved = json.loads(manifest.read_text())["tables"]["outcomes"]
    (manifest.parent / saved["file"]).write_bytes(b"PAR1 broken")
    pd.testing.assert_frame_equal(dataset.table("outcomes"), want, check_exact=True)


def test_a_fresh_servers_first_page_reads_no_person_level_table(folder, ahead):
    first = fresh_server(folder)
    chosen = selection.default_selection(first)
    want = overview.headline_periods(first, chosen), selection.place_options(first)
    again = fresh_server(folder)
    got = overview.headline_periods(again, chosen), selection.place_options(again)
    assert got[1] == want[1]
    assert_equal(got[0][:2], want[0][:2])
    assert got[0][2] == want[0][2] == chosen.previous()
    assert not {"referrals", "connections", "outcomes"} & set(again.tables._read)
    # another period is worked out from the rows, as before
    other = selection.Selection(*selection.data_period(again))  # every month
    assert other != chosen
    assert overview.headline_periods(again, other)[0].referrals > 0
    assert "referrals" in again.tables._read


def test_two_threads_asking_for_one_thing_build_it_once():
    """A page and the server's warm-up (`ui.warming`) may ask for the same thing at once."""
    dataset = store.Dataset()
    started, release, built = threading.Event(), threading.Event(), []

    def build():
        built.append(1)
        started.set()
        release.wait(10)
        return "value"

    other = threading.Thread(target=lambda: dataset.derived("thing", build))
    other.start()
    assert started.wait(10)
    waiting = threading.Thread(target=lambda: built.append(dataset.derived("thing", build)))
    waiting.start()
    assert dataset.derived("else", lambda: 2) == 2  # another name is not held up
    release.set()
    other.join(10)
    waiting.join(10)
    assert built == [1, "value"]


def test_without_dates_the_default_headline_is_not_kept():
    """With no dated rows the default period moves with today's date: nothing to keep."""
    assets = b"asset_id,name,category,latitude,longitude\nA1,Walk,physical activity,53.4,-1.3\n"
    dataset, _ = store.load_files([SourceFile("assets.csv", assets)])
    chosen = selection.default_selection(dataset)
    assert overview.headline_periods(dataset, chosen)[0].referrals == 0
    assert "opening_headline" not in dataset._derived


def test_the_equity_pages_default_counts_come_back_from_the_copy_as_counted(tmp_path):
    """The demo's last 1,000 referrals, all in the default period: every part of the equity
    page's counts is there, with referrals in it, and a fresh server reads them back equal."""
    folder = small_demo(tmp_path / "data", slice(-1000, None))
    first = fresh_server(folder)
    built = equity_view.opening_counts(first)
    assert all(getattr(built, f.name) is not None for f in dataclasses.fields(built))
    assert built.practice_rates["referrals"].sum() > 500 and built.standardised.observed > 500
    assert built.ethnicity["referrals"].sum() > 500
    again = fresh_server(folder)
    assert_equal(again.derived("equity_opening", never("equity_opening")), built)
    chosen = selection.default_selection(again)
    assert_equal(equity_view.counted(again, chosen), equity_view._counted(first, chosen))
