"""The saved columnar copy of a data folder: equal to a fresh load, never stale, never for
uploads, and never a reason for a load to fail."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from socialrx.data import source, store
from socialrx.data.dataset import Dataset
from socialrx.data.files import SourceFile
from socialrx.data.loader import load_files, load_folder
from socialrx.data.problems import Report

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """Copies go only where a test says; nothing is held between tests."""
    monkeypatch.delenv(source.CACHE_VARIABLE, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.setattr(sys, "platform", "linux")
    store._HELD.clear()
    yield
    store._HELD.clear()


@pytest.fixture
def folder(tmp_path) -> Path:
    """The demo data with a few problems of its own, so the report has something to keep."""
    data = tmp_path / "data"
    shutil.copytree(DEMO, data, ignore=shutil.ignore_patterns(store.CACHE_FOLDER))
    (data / "old.xls").write_bytes(b"not read")  # a warning naming a file the loader skips
    connections = (data / "connections.csv").read_text().splitlines()
    first = connections[1].split(",")
    connections.append(",".join(["NO-SUCH-REFERRAL", *first[1:]]))  # an error
    (data / "connections.csv").write_text("\n".join(connections) + "\n")
    return data


def assert_same(got: tuple[Dataset, Report], want: tuple[Dataset, Report]) -> None:
    (dataset, report), (fresh, fresh_report) = got, want
    assert list(dataset.tables) == list(fresh.tables)
    for name, frame in fresh.tables.items():
        copy = dataset.tables[name]
        assert [repr(t) for t in copy.dtypes] == [repr(t) for t in frame.dtypes], name
        pd.testing.assert_frame_equal(copy, frame, check_exact=True, check_index_type=True)
    if fresh.areas is None:
        assert dataset.areas is None
    else:
        assert type(dataset.areas) is type(fresh.areas) and dataset.areas.crs == fresh.areas.crs
        assert [repr(t) for t in dataset.areas.dtypes] == [repr(t) for t in fresh.areas.dtypes]
        pd.testing.assert_frame_equal(dataset.areas, fresh.areas, check_exact=True)
    for field in ("extract_date", "lsoa_vintage", "place_name", "source", "content_hash"):
        assert getattr(dataset, field) == getattr(fresh, field), field
    assert report.problems == fresh_report.problems
    assert report.lines() == fresh_report.lines()
    assert report.unreadable == fresh_report.unreadable
    assert report.left_out == fresh_report.left_out


def copies(root: Path) -> list[Path]:
    return sorted(p.parent for p in root.rglob("manifest.json"))


def test_a_saved_copy_loads_equal_to_the_files(folder):
    fresh = load_folder(folder)
    assert fresh[1].errors and fresh[1].warnings  # the report has problems to keep
    first = store.load_folder_cached(folder)  # loads the files and saves a copy
    assert_same(first, fresh)
    (entry,) = copies(folder / store.CACHE_FOLDER)
    assert (folder / store.CACHE_FOLDER / ".gitignore").read_text().strip().endswith("*")
    store._HELD.clear()  # as a fresh server would
    again = store.load_folder_cached(folder)
    assert again[0] is not first[0]  # read from the copy, not held
    assert_same(again, fresh)
    assert copies(folder / store.CACHE_FOLDER) == [entry]


def test_a_copy_counts_its_tables_rows_without_reading_them(folder):
    """The Data page's row counts come from the copy's manifest: a table not yet read stays
    unread, and each count equals the table's length once read."""
    fresh = load_folder(folder)[0]
    store.load_folder_cached(folder)  # saves the copy
    store._HELD.clear()
    dataset = store.load_folder_cached(folder)[0]
    counts = {name: dataset.rows(name) for name in dataset.tables}
    assert not dataset.tables._read  # nothing read to count it
    assert counts == {name: len(frame) for name, frame in fresh.tables.items()}
    assert counts["referrals"] > 1_000
    dataset.table("referrals")  # once read, the count is the table's own
    assert dataset.rows("referrals") == len(dataset.table("referrals"))
    assert fresh.rows("referrals") == counts["referrals"]  # a dict of tables: their lengths


def test_every_dtype_survives_the_copy(tmp_path):
    """Categoricals, Python and Arrow strings, nullable numbers, dates and an index."""
    frame = pd.DataFrame(
        {
            "id": pd.array(["a", None, "c"], dtype=pd.StringDtype("python")),
            "arrow": pd.array(["x", "y", None], dtype=pd.StringDtype("pyarrow")),
            "kind": pd.Categorical(["b", "a", None], categories=["a", "b", "unused"]),
            "band": pd.Categorical(
                ["low", "high", "low"], categories=["low", "high"], ordered=True
            ),  # fmt: skip
            "count": pd.array([1, None, 3], dtype="Int64"),
            "share": pd.array([0.5, None, 1.5], dtype="Float64"),
            "flag": pd.array([True, None, False], dtype="boolean"),
            "plain": [True, False, True],
            "when": pd.to_datetime(["2024-01-31", None, "2025-03-01"]).as_unit("ns"),
            "value": [1.0, float("nan"), 3.0],
        },
        index=[4, 7, 9],
    )
    report = Report()
    report.add("x.csv", "a problem", row=3, column="id", value="a")
    report.left_out["referrals"] = {"R1": 2}
    dataset = Dataset(tables={"things": frame}, extract_date=pd.Timestamp("2025-03-31"),
                      lsoa_vintage="2021", place_name="Here", content_hash="abc")  # fmt: skip
    entry = tmp_path / "copy" / "key"
    assert store.write_copy(entry, dataset, report)
    assert_same(store.read_copy(entry), (dataset, report))
    kind = store.read_copy(entry)[0].tables["things"]["kind"]
    assert list(kind.cat.categories) == ["a", "b", "unused"]


def test_a_changed_file_is_loaded_again_even_with_its_size_and_time_kept(folder):
    store.load_folder_cached(folder)
    (old,) = copies(folder / store.CACHE_FOLDER)
    assets = folder / "assets.csv"
    stat = assets.stat()
    text = assets.read_text()
    changed = text.replace("free", "paid", 1)
    assert changed != text and len(changed) == len(text)
    assets.write_text(changed)
    os.utime(assets, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # as `cp -p` or rsync would
    store._HELD.clear()
    dataset, report = store.load_folder_cached(folder)
    assert_same((dataset, report), load_folder(folder))
    (new,) = copies(folder / store.CACHE_FOLDER)  # the old copy is gone
    assert new != old


def test_a_broken_copy_is_ignored(folder):
    store.load_folder_cached(folder)
    (entry,) = copies(folder / store.CACHE_FOLDER)
    for part in entry.glob("*.parquet"):
        part.write_bytes(b"PAR1 broken")
    store._HELD.clear()
    assert_same(store.load_folder_cached(folder), load_folder(folder))


def test_an_unwritable_cache_falls_back_silently_to_the_files(folder, tmp_path, monkeypatch):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv(source.CACHE_VARIABLE, str(blocked / "cache"))
    assert_same(store.load_folder_cached(folder), load_folder(folder))
    assert not copies(tmp_path)


def test_a_data_folder_that_cannot_hold_the_copy_uses_the_user_cache(folder, tmp_path):
    (folder / store.CACHE_FOLDER).write_text("in the way")  # mkdir fails, as if read-only
    store.load_folder_cached(folder)
    (entry,) = copies(tmp_path / "user-cache" / "socialrx")
    store._HELD.clear()
    assert_same(store.load_folder_cached(folder), load_folder(folder))
    assert copies(tmp_path / "user-cache") == [entry]


def test_the_copy_can_be_turned_off(folder, monkeypatch):
    monkeypatch.setenv(source.CACHE_VARIABLE, "off")
    store.load_folder_cached(folder)
    assert not (folder / store.CACHE_FOLDER).exists()


def test_uploads_are_never_written(folder, tmp_path, monkeypatch):
    """Uploaded person-level files stay in memory: the upload path saves no copy anywhere."""
    from socialrx.ui import caches

    monkeypatch.setenv(source.CACHE_VARIABLE, str(tmp_path / "cache"))
    files = [SourceFile(p.name, p.read_bytes()) for p in sorted(folder.iterdir()) if p.is_file()]
    before = sorted(tmp_path.rglob("*"))
    loaded = caches.cached_upload("test-digest", tuple(files))
    assert_same(loaded, load_files(files))
    assert sorted(tmp_path.rglob("*")) == before


def test_the_key_covers_the_code_the_loader_runs():
    """A change to any module the loader imports makes a new key: the modules found from the
    import statements are every socialrx module importing the loader brings in."""
    code = "import sys, socialrx.data.store; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    imported = {m for m in out.stdout.split() if m.startswith("socialrx.")}
    assert imported <= set(store.loader_modules())
    assert "socialrx.data.checks" in imported


def test_repeated_codes_come_back_equal(tmp_path):
    """Codes that repeat are read back sharing their strings: equal values, gaps kept."""
    codes = pd.array(["C87001", None, "C87002"] * 40, dtype=pd.StringDtype("python"))
    frame = pd.DataFrame({"practice_code": codes, "n": range(120)})
    dataset = Dataset(tables={"referrals": frame}, content_hash="abc")
    entry = tmp_path / "copy" / "key"
    assert store.write_copy(entry, dataset, Report())
    copy = store.read_copy(entry)[0].tables["referrals"]
    assert_same((store.read_copy(entry)[0], Report()), (dataset, Report()))
    assert copy["practice_code"][0] is copy["practice_code"][3]  # one object per code


def test_referral_ids_come_back_as_one_string_each_across_tables(tmp_path):
    """Connections and outcomes name the referrals' ids: saved as codes into the referrals'
    list of them, they are read back as the very strings the referrals hold, whichever table
    is read first; an id the referrals lack keeps its table coded on its own."""
    python = pd.StringDtype("python")
    referrals = pd.DataFrame({"referral_id": pd.array(["R1", "R2", "R3"], dtype=python)})
    outcomes = pd.DataFrame({"referral_id": pd.array(["R3", "R1", "R3", None], dtype=python)})
    connections = pd.DataFrame({"referral_id": pd.array(["R2", "R3"], dtype=python)})
    orphans = pd.DataFrame({"referral_id": pd.array(["R9", "R1", "R9"], dtype=python)})
    tables = {"referrals": referrals, "outcomes": outcomes, "connections": connections,
              "link_workers": orphans}  # fmt: skip
    dataset = Dataset(tables=tables, content_hash="abc")
    entry = tmp_path / "copy" / "key"
    assert store.write_copy(entry, dataset, Report())
    assert_same((store.read_copy(entry)[0], Report()), (dataset, Report()))
    read = store.read_copy(entry)[0].tables
    outcomes_read = read["outcomes"]["referral_id"]  # before the referrals are
    ids = read["referrals"]["referral_id"]
    assert outcomes_read[0] is ids[2] and outcomes_read[1] is ids[0]
    assert read["connections"]["referral_id"][0] is ids[1]
    assert pd.isna(outcomes_read[3])
    assert read["link_workers"]["referral_id"].tolist() == ["R9", "R1", "R9"]
    assert read["link_workers"]["referral_id"][1] is not ids[0]  # coded on its own


def test_a_referral_id_column_that_is_not_text_is_saved_as_it_is(tmp_path):
    """Only ids typed as text are coded into the referrals' list: an extra column that
    happens to be called referral_id (numbers in link_workers.csv) reads back as saved."""
    python = pd.StringDtype("python")
    referrals = pd.DataFrame({"referral_id": pd.array(["R1", "R2"], dtype=python)})
    extra = pd.DataFrame({"link_worker_id": pd.array(["L1", "L2"], dtype=python),
                          "referral_id": [100.0, 101.0]})  # fmt: skip
    words = pd.DataFrame({"referral_id": pd.Series(["R1", "R1", None], dtype=object)})
    tables = {"referrals": referrals, "link_workers": extra, "funding": words}
    dataset = Dataset(tables=tables, content_hash="abc")
    entry = tmp_path / "copy" / "key"
    assert store.write_copy(entry, dataset, Report())
    assert_same((store.read_copy(entry)[0], Report()), (dataset, Report()))


def test_ids_that_repeat_at_all_come_back_shared(tmp_path):
    """A referral id on two of three outcome rows (far from a code's repetition) is read
    back as one string object too, as the loader types it: equal values, a third less."""
    ids = pd.array(["R1", "R1", "R2"] * 40 + [None], dtype=pd.StringDtype("python"))
    frame = pd.DataFrame({"referral_id": ids})
    dataset = Dataset(tables={"outcomes": frame}, content_hash="abc")
    entry = tmp_path / "copy" / "key"
    assert store.write_copy(entry, dataset, Report())
    copy = store.read_copy(entry)[0].tables["outcomes"]
    assert_same((store.read_copy(entry)[0], Report()), (dataset, Report()))
    assert copy["referral_id"][0] is copy["referral_id"][4] is copy["referral_id"][118]
