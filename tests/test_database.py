"""A database as the data source (issue 26): SQLite and DuckDB files, PostgreSQL when installed.

The demo written into a database loads equal to the demo from its folder; typed columns are
read as the text a CSV would hold and checked the same; problems name the table, its row
(counting from 1) and column; passwords never appear in what is shown or logged."""

from __future__ import annotations

import csv
import io
import logging
import re
import shutil
from dataclasses import replace
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import sqlalchemy as sa
from postgres_server import postgres_url
from streamlit.testing.v1 import AppTest

from socialrx.__main__ import main
from socialrx.data import database, source, store
from socialrx.data.loader import load_folder
from socialrx.data.schema import TABLES

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "data" / "demo"
APP = str(REPO / "app.py")
SECRET = "hunter2-s3cret"

ASSETS = (
    "asset_id,name,category,latitude,longitude,organisation_id,capacity_per_month\n"
    "A1,Walking club,physical activity,53.43,-1.35,O1,12\n"
    "A2,Lunch club,food and cooking,91.5,-1.36,O1,8\n"  # latitude outside the UK
    "A3,Choir,arts and creativity,53.44,-1.37,O9,lots\n"  # no such organisation; a word
)
ORGANISATIONS = "organisation_id,name\nO1,Age UK Rotherham\n"
REFERRALS = (
    "referral_id,referral_date,practice_code,closed_date\n"
    "R1,2025-01-05,C87001,2025-01-03\n"  # closed before referred
    "R2,31/02/2025,C87001,\n"  # not a date
    "R3,2025-02-05,C87002,\n"
)
CONNECTIONS = "connection_id,referral_id,asset_id,referred_date\nC1,R2,A1,2025-02-06\n"


def _db(kind: str, path: Path) -> str:
    return f"{kind}:///{path / ('data.duckdb' if kind == 'duckdb' else 'data.db')}"


def _folder(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "folder"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _in_database_words(problems) -> list:
    """A folder's problems as the same data in a database names them: `table referrals` for
    referrals.csv, rows counted from the first row of data, not the header."""
    renamed = {spec.file: f"table {name}" for name, spec in TABLES.items()}

    def words(text):
        for file, table in renamed.items():
            text = text.replace(file, table) if text else text
        return re.sub(r"\(row (\d+)\)", lambda m: f"(row {int(m[1]) - 1})", text or "") or text

    return [
        replace(
            p,
            file=renamed.get(p.file, p.file),
            message=words(p.message),
            value=words(p.value),
            row=None if p.row is None else p.row - 1,
        )  # fmt: skip
        for p in problems
    ]


@pytest.fixture(scope="module")
def demo_databases(tmp_path_factory):
    """The demo folder written into a SQLite file and a DuckDB file, once."""
    root = tmp_path_factory.mktemp("demo-db")
    urls = {kind: _db(kind, root) for kind in ("sqlite", "duckdb")}
    for url in urls.values():
        database.write_folder(DEMO, url)
    return urls


@pytest.fixture(scope="module")
def demo_from_folder(demo_loaded):  # the shared demo (conftest.py) and its load report
    return demo_loaded


def _assert_same_dataset(got, expected, in_order: bool = True) -> None:
    """Equal tables (in the same order, unless the database keeps none), boundaries, metadata."""
    assert sorted(got.tables) == sorted(expected.tables)
    for name, frame in expected.tables.items():
        table = got.tables[name]
        if not in_order:
            table, frame = (f.sort_values(list(f.columns)).reset_index(drop=True)
                            for f in (table, frame))  # fmt: skip
        pd.testing.assert_frame_equal(table, frame, obj=name)
    areas, want = got.areas, expected.areas
    if not in_order:
        areas, want = (a.sort_values("area_code").reset_index(drop=True) for a in (areas, want))
    assert areas.geometry.geom_equals_exact(want.geometry, 0).all()
    pd.testing.assert_frame_equal(
        pd.DataFrame(areas.drop(columns="geometry")), pd.DataFrame(want.drop(columns="geometry"))
    )
    assert (got.extract_date, got.lsoa_vintage, got.place_name, got.source) == (
        expected.extract_date, expected.lsoa_vintage, expected.place_name, expected.source
    )  # fmt: skip


@pytest.mark.parametrize("kind", ["sqlite", "duckdb"])
def test_the_demo_from_a_database_equals_the_demo_from_its_folder(
    kind, demo_databases, demo_from_folder
):
    dataset, report = database.load(demo_databases[kind])
    expected, expected_report = demo_from_folder
    _assert_same_dataset(dataset, expected)
    assert report.problems == expected_report.problems == []
    # the official downloads (GP registrations, Census, appointments, Fingertips) were found
    # by their columns, among tables named after their files
    assert {"registrations", "area_ethnicity", "gp_appointments", "indicators"} <= set(
        dataset.tables
    )


@pytest.mark.parametrize("kind", ["sqlite", "duckdb"])
def test_problems_name_the_table_its_row_and_column(kind, tmp_path):
    files = {"assets.csv": ASSETS, "organisations.csv": ORGANISATIONS,
             "referrals.csv": REFERRALS, "connections.csv": CONNECTIONS}  # fmt: skip
    folder = _folder(tmp_path, files)
    url = _db(kind, tmp_path)
    database.write_folder(folder, url)
    dataset, report = database.load(url)
    expected, expected_report = load_folder(folder)
    assert expected_report.problems  # the checks found something to compare
    assert report.problems == _in_database_words(expected_report.problems)
    for name, frame in expected.tables.items():
        pd.testing.assert_frame_equal(dataset.tables[name], frame, obj=name)
    lines = report.lines()
    assert "table referrals:2: referral_date: '31/02/2025': not understood (not a real " \
           "calendar date); row left out" in lines  # fmt: skip
    assert any(line.startswith("table assets:2: latitude, longitude:") for line in lines)
    assert "table assets:3: organisation_id: 'O9': no such id in table organisations " \
           "(warning)" in lines  # fmt: skip
    # its referral was left out: the reference says which row of which table to fix
    assert any(
        line.startswith(
            "table connections:1: referral_id: 'R2 (row 2)': its row in table "
            "referrals was left out for an error"
        )  # fmt: skip
        for line in lines
    ), lines
    assert sorted(report.person_files) == ["table connections", "table referrals"]


def test_typed_columns_are_read_as_the_text_a_csv_would_hold_and_checked_the_same(tmp_path):
    path = tmp_path / "typed.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(
            "CREATE TABLE assets (asset_id INTEGER, name VARCHAR, category VARCHAR, "
            "latitude DOUBLE, longitude DECIMAL(9,5), capacity_per_month DOUBLE, "
            "last_verified TIMESTAMP, online_only BOOLEAN)"
        )
        con.execute(
            "INSERT INTO assets VALUES "
            "(1, 'Walking club', 'physical activity', 53.43, -1.35, 12.0, "
            "'2025-01-10 00:00:00', false), "
            "(2, 'Lunch club', 'food and cooking', 53.44, -1.36, -3, "
            "'9999-12-31 00:00:00', NULL), "
            "(3, NULL, 'arts and creativity', 53.45, -1.37, 2.5, '2025-03-01 14:30:00', true)"
        )
    files = database.read(f"duckdb:///{path}", report := _report()).files
    assert report.problems == []
    assert list(csv.reader(io.StringIO(files[0].data.decode()))) == [
        ["asset_id", "name", "category", "latitude", "longitude", "capacity_per_month",
         "last_verified", "online_only"],
        ["1", "Walking club", "physical activity", "53.43", "-1.35000", "12", "2025-01-10",
         "false"],
        ["2", "Lunch club", "food and cooking", "53.44", "-1.36000", "-3", "9999-12-31", ""],
        ["3", "", "arts and creativity", "53.45", "-1.37000", "2.5", "2025-03-01 14:30:00",
         "true"],
    ]  # fmt: skip
    dataset, report = database.load(f"duckdb:///{path}")
    lines = report.lines()
    # the driver's types skip no check: a placeholder date and a negative count are reported
    placeholder = "table assets:2: last_verified: '9999-12-31': not understood (the year is "
    assert any(line.startswith(placeholder + "outside 1900 to 2100") for line in lines), lines
    assert any(line.startswith("table assets:2: capacity_per_month: '-3'") for line in lines)
    assert any(line.startswith("table assets:3: name: (empty): required") for line in lines)
    assets = dataset.tables["assets"]
    assert assets["asset_id"].tolist() == ["1", "2"]
    assert assets["capacity_per_month"].iloc[0] == 12


def _report():
    from socialrx.data.problems import Report

    return Report()


def test_a_sqlite_database_through_sqlalchemy_reads_typed_columns_alike(tmp_path):
    url = f"sqlite:///{tmp_path / 'typed.db'}"
    engine = sa.create_engine(url)
    frame = pd.DataFrame({
        "asset_id": ["A1", "A2"], "name": ["Walking club", "Choir"],
        "category": ["physical activity", "arts and creativity"],
        "latitude": [53.43, 53.44], "longitude": [-1.35, -1.36],
        "last_verified": pd.to_datetime(["2025-01-10", "2025-02-11"]),
    })  # fmt: skip
    frame.to_sql("Assets", engine, index=False)  # a REAL, a TIMESTAMP: SQLite's own types
    engine.dispose()
    dataset, report = database.load(url)
    assert report.problems == []
    assert dataset.tables["assets"]["last_verified"].tolist() == list(frame["last_verified"])
    assert dataset.tables["assets"]["latitude"].tolist() == [53.43, 53.44]


def test_a_mapping_names_the_tables_beside_the_file_or_as_a_table(tmp_path):
    export = ASSETS.replace("asset_id", "Service Ref")
    folder = _folder(tmp_path, {"Services_Export.csv": export, "organisations.csv": ORGANISATIONS})
    url = _db("duckdb", tmp_path)
    database.write_folder(folder, url)
    mapping = (
        "table,kind,column,from,to\n"
        "assets,file,,services_export,\n"
        "assets,column,,Service Ref,asset_id\n"
    )
    dataset, report = database.load(url)
    assert "assets" not in dataset.tables
    assert "table assets: missing: every dataset needs a table of community assets" in (
        report.lines()
    )
    (tmp_path / "mapping.csv").write_text(mapping, encoding="utf-8")  # beside the file
    beside, report = database.load(url)
    assert beside.tables["assets"]["asset_id"].tolist() == ["A1", "A2", "A3"]
    assert "table Services_Export:2: latitude, longitude" in " ".join(report.lines())
    rows = pd.read_csv(tmp_path / "mapping.csv", dtype=str, keep_default_na=False)
    (tmp_path / "mapping.csv").unlink()
    with duckdb.connect(url.removeprefix("duckdb:///")) as con:  # a table called mapping
        con.register("rows", rows)
        con.execute("CREATE TABLE mapping AS SELECT * FROM rows")
    as_table, _ = database.load(url)
    pd.testing.assert_frame_equal(as_table.tables["assets"], beside.tables["assets"])
    # the Data page's edited mapping stands in for the database's, naming the tables to read
    edited, _ = database.load(url, edited=mapping.replace("services_export", "nothing").encode())
    assert "assets" not in edited.tables
    assert [f.name for f in database.mapping_files(url)] == ["mapping.csv"]


def test_a_database_with_no_table_of_the_contract_says_what_it_found(tmp_path):
    url = f"sqlite:///{tmp_path / 'other.db'}"
    engine = sa.create_engine(url)
    pd.DataFrame({"a": [1]}).to_sql("payroll", engine, index=False)
    engine.dispose()
    _, report = database.load(url)
    assert report.lines()[0] == (
        f"{url}: no table or view is named after a table of the data contract (assets, "
        "referrals, organisations, area_stats, ...) or mapped to one by a file row of the "
        "mapping; found: payroll"
    )


def test_addresses_that_cannot_be_read_say_why_and_never_show_the_password(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    missing = tmp_path / "missing.db"
    cases = {
        f"sqlite:///{missing}": "no such database file",
        f"duckdb:///{tmp_path / 'missing.duckdb'}": "no such database file",
        f"postgresql+psycopg://analyst:{SECRET}@127.0.0.1:1/icb": "could not connect (",
        f"mysql://analyst:{SECRET}@db.example/icb": "not a database address this reads: use",
        f"postgresql://analyst:{SECRET}@db.example:port/icb": "not a database address: use",
        f"mssql+pyodbc://analyst:{SECRET}@warehouse": "pyodbc",
    }
    for url, reason in cases.items():
        dataset, report = database.load(url)
        assert not dataset.tables
        [line] = report.lines()
        assert reason in line and SECRET not in line, line
        assert report.unreadable == [database.masked(url)]
    assert not missing.exists()  # never created by looking for it
    assert SECRET not in caplog.text
    assert database.masked(f"postgresql://a:{SECRET}@h/db") == "postgresql://a:***@h/db"
    assert database.masked(f"mssql+pyodbc:///?odbc_connect=DSN=x;UID=a;PWD={SECRET}") == (
        "mssql+pyodbc:///?odbc_connect=DSN=x;UID=a;PWD=***"
    )


def test_the_command_line_reads_a_database_and_hides_its_password(capsys):
    url = f"postgresql+psycopg://analyst:{SECRET}@127.0.0.1:1/icb"
    assert main(["validate", url]) == 2
    assert main(["refresh", url]) == 2
    out = capsys.readouterr().out
    assert SECRET not in out and "postgresql+psycopg://analyst:***@127.0.0.1:1/icb" in out


def test_demo_out_writes_a_database_that_validates(tmp_path, capsys):
    out = tmp_path / "demo.duckdb"
    assert main(["demo", "--out", str(out), "--referrals", "200"]) == 0
    assert main(["validate", str(out)]) == 0  # a .duckdb path is a database
    assert "0 errors, 0 warnings" in capsys.readouterr().out


def test_the_saved_copy_is_keyed_on_the_tables_content_and_refresh_reports_rows(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv(source.CACHE_VARIABLE, str(tmp_path / "cache"))
    folder = _folder(tmp_path, {"assets.csv": ASSETS, "referrals.csv": REFERRALS})
    path = tmp_path / "data.db"
    database.write_folder(folder, f"sqlite:///{path}")
    assert main(["refresh", str(path)]) == 1  # the referrals' errors
    first = capsys.readouterr().out
    assert "First refresh of this database" in first and "saved copy" in first

    def not_loaded(*args, **kwargs):
        raise AssertionError("the tables were checked again, not read from the saved copy")

    monkeypatch.setattr(store, "load_files", not_loaded)
    store._HELD.clear()
    fresh, _ = store.load_folder_cached(str(path))
    assert len(fresh.tables["referrals"]) == 2
    monkeypatch.undo()
    monkeypatch.setenv(source.CACHE_VARIABLE, str(tmp_path / "cache"))
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(
            sa.text("INSERT INTO referrals VALUES ('R4', '2025-03-09', 'C87001', '')")
        )
        connection.execute(sa.text("DELETE FROM referrals WHERE referral_id = 'R3'"))
    engine.dispose()
    assert main(["refresh", f"sqlite:///{path}"]) == 1
    second = capsys.readouterr().out
    assert "referrals: 1 row added, 1 removed (2 now)" in second
    assert "assets: no change (3 rows)" in second


def test_the_demo_from_postgresql_equals_the_demo_from_its_folder(tmp_path):
    # PostgreSQL cuts names at 63 characters: the Census ethnic group table's headers, longer,
    # cannot be columns there, so that one table stays out of both
    folder = tmp_path / "demo"
    shutil.copytree(DEMO, folder, ignore=shutil.ignore_patterns("census2021-ts021*"))
    with postgres_url() as url:
        database.write_folder(folder, url)
        dataset, report = database.load(url)
        expected, expected_report = load_folder(folder)
        _assert_same_dataset(dataset, expected, in_order=False)  # PostgreSQL keeps no order
        assert report.problems == expected_report.problems == []
        _, report = database.load(url.replace("/postgres?", "/nothere?"))
        assert "could not connect" in report.lines()[0] and "nothere" in report.lines()[0]


def _pages(monkeypatch, source) -> dict[str, list[tuple[str, str]]]:
    monkeypatch.setenv("SOCIALRX_DATA", str(source))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    shown = {}
    for page in ("", *PAGES):
        if page:
            at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        shown[page] = (
            [(m.label, m.value) for m in at.metric]
            + [("caption", c.value) for c in at.caption if "content hash" not in c.value]
            + [("table", f.value.to_csv()) for f in at.dataframe]
        )
    return shown


# every page of the app that draws the data (the pack's and the team's draw forms)
PAGES = ("pages/asset_map.py", "pages/referral_flows.py", "pages/equity.py",
         "pages/capacity.py", "pages/outcomes.py", "pages/commissioning.py",
         "pages/directory.py", "pages/data.py")  # fmt: skip


def test_the_app_shows_the_same_figures_from_a_duckdb_file(monkeypatch, tmp_path, demo_databases):
    path = demo_databases["duckdb"].removeprefix("duckdb:///")  # the demo, written once
    monkeypatch.setenv(source.CACHE_VARIABLE, str(tmp_path / "cache"))
    from_folder = _pages(monkeypatch, DEMO)
    from_database = _pages(monkeypatch, path)
    assert from_database == from_folder
    assert [m for m in from_database[""] if m[0] == "Referrals"]  # the overview's figures


def test_the_sidebar_names_a_database_without_its_password(monkeypatch, tmp_path):
    monkeypatch.setenv("SOCIALRX_DATA", f"postgresql+psycopg://analyst:{SECRET}@127.0.0.1:1/icb")
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    text = " ".join(str(e.proto) for e in [*at.sidebar, *at.main])
    assert SECRET not in text
    assert "analyst:***@127.0.0.1:1/icb" in at.sidebar.radio(key="data_source").help


def test_a_demo_folder_copy_is_no_database(tmp_path):
    copy = tmp_path / "demo"
    shutil.copytree(DEMO, copy)
    assert database.database_url(copy) is None
    assert database.database_url(str(copy / "assets.csv")) is None


def test_views_and_boundaries_in_any_geometry_form(tmp_path):
    url = f"sqlite:///{tmp_path / 'places.db'}"
    engine = sa.create_engine(url)
    square = "POLYGON ((-1.4 53.4, -1.3 53.4, -1.3 53.5, -1.4 53.5, -1.4 53.4))"
    east = '{"type": "Polygon", "coordinates": [[[-1.3, 53.4], [-1.2, 53.4], [-1.2, 53.5], ' \
           '[-1.3, 53.5], [-1.3, 53.4]]]}'  # fmt: skip
    pd.DataFrame({
        "area_code": ["E01000001", "E01000002", "E01000003"],
        "area_name": ["West", "East", "Nowhere"],
        "geometry": [square, east, "not a shape"],
    }).to_sql("areas", engine, index=False)  # fmt: skip
    pd.read_csv(pd.io.common.StringIO(ASSETS), dtype=str).to_sql("asset_register", engine,
                                                                 index=False)  # fmt: skip
    with engine.begin() as connection:  # a view named like the contract's table
        connection.execute(sa.text("CREATE VIEW assets AS SELECT * FROM asset_register"))
    engine.dispose()
    dataset, report = database.load(url)
    assert dataset.areas["area_code"].tolist() == ["E01000001", "E01000002", "E01000003"]
    assert dataset.areas.geometry.isna().tolist() == [False, False, True]
    assert dataset.tables["assets"]["area_code"].tolist()[0] == "E01000001"  # A1 at -1.35
    assert "table areas:3: geometry: not a geometry (WKT, WKB or GeoJSON): area left without " \
           "a boundary (warning)" in report.lines()  # fmt: skip


def test_an_areas_table_without_geometry_is_named_not_misread(tmp_path):
    url = f"sqlite:///{tmp_path / 'flat.db'}"
    engine = sa.create_engine(url)
    pd.DataFrame({"area_code": ["E01000001"], "area_name": ["West"]}).to_sql("areas", engine)
    pd.read_csv(pd.io.common.StringIO(ASSETS), dtype=str).to_sql("assets", engine, index=False)
    engine.dispose()
    dataset, report = database.load(url)
    assert dataset.areas is None
    assert report.lines()[0] == (
        "table areas: boundaries need a geometry column (WKT, WKB or GeoJSON): not read"
    )
