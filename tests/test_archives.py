"""Zips handed in: read as their files, shapefiles kept whole, bombs and nesting refused."""

import io
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from socialrx.data import archives
from socialrx.data.files import SourceFile
from socialrx.data.loader import load_files
from socialrx.data.problems import Report

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _zip(members: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_zipped_dataset_loads_as_the_same_files_loose():
    names = ("assets.csv", "organisations.csv", "referrals.csv", "practices.csv")
    loose = [SourceFile(n, (DEMO / n).read_bytes()) for n in names]
    zipped = SourceFile("my data.zip", _zip({f"export/{f.name}": f.data for f in loose}))
    a, report_a = load_files(loose)
    b, report_b = load_files([zipped])
    assert report_b.lines() == report_a.lines()
    for name in ("assets", "organisations", "referrals", "practices"):
        assert b.table(name).equals(a.table(name)), name


def test_rows_in_a_zipped_file_are_named_by_zip_and_file():
    assets = b"asset_id,name,category,latitude,longitude\nA1,Walk,physical activity,53.4,-1.3\n"
    assets += b"A2,Sing,singing,53.4,-1.3\n"
    _, report = load_files([SourceFile("d.zip", _zip({"assets.csv": assets}))])
    assert [p.file for p in report.errors] == ["d.zip/assets.csv"]
    assert report.errors[0].row == 3


def test_a_zipped_shapefile_stays_whole_for_the_boundary_reader(tmp_path):
    frame = gpd.GeoDataFrame(
        {"LSOA21CD": ["E01000001"], "LSOA21NM": ["City 001A"]},
        geometry=[box(-1.31, 53.40, -1.30, 53.41)],
        crs="EPSG:4326",
    )
    frame.to_file(tmp_path / "areas.shp")
    members = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    shp = SourceFile("LSOA_boundaries.zip", _zip(members))
    assert archives.unpacked([shp], Report()) == [shp]
    assets = SourceFile(
        "assets.csv",
        b"asset_id,name,category,latitude,longitude\nA1,Walk,physical activity,53.405,-1.305\n",
    )
    dataset, report = load_files([assets, shp])
    assert report.errors == []
    assert list(dataset.areas["area_code"]) == ["E01000001"]
    assert dataset.table("assets")["area_code"].tolist() == ["E01000001"]


def test_a_zip_inside_a_zip_is_read_one_level_deep():
    innermost = _zip({"assets.csv": b"asset_id,name,category\n"})
    inner = _zip({"deeper.zip": innermost, "areas.csv": b"a\n1\n"})
    outer = SourceFile("outer.zip", _zip({"inner.zip": inner, "notes.csv": b"a\n1\n"}))
    report = Report()
    files = archives.unpacked([outer], report)
    assert [f.name for f in files] == ["outer.zip/inner.zip/areas.csv", "outer.zip/notes.csv"]
    assert report.unreadable == ["outer.zip/inner.zip/deeper.zip"]
    assert "a zip inside a zip inside a zip is not read" in report.errors[0].message


def test_nhs_digitals_zip_inside_a_zipped_downloads_folder_is_read():
    nhs = FIXTURES / "nhs_digital"
    published = _zip({"gp-reg-pat-prac-lsoa-all.csv": (nhs / "gp-reg-pat-prac-lsoa-all.csv")
                      .read_bytes()})  # fmt: skip
    folder = {
        "gp-reg-pat-prac-lsoa-male-female-Oct-25.zip": published,
        "gp-reg-pat-prac-map.csv": (nhs / "gp-reg-pat-prac-map.csv").read_bytes(),
        "assets.csv": b"asset_id,name,category,delivery\nA1,Line,other,telephone\n",
    }
    dataset, report = load_files([SourceFile("downloads.zip", _zip(folder))])
    assert report.unreadable == []
    assert len(dataset.table("registrations")) > 0
    assert dataset.has("practices")


def test_a_zip_bomb_is_not_unpacked():
    bomb = SourceFile("bomb.zip", _zip({"referrals.csv": b"0" * 30_000_000}))
    assert len(bomb.data) < 100_000  # thousands of times smaller than what it unpacks to
    report = Report()
    assert archives.unpacked([bomb], report) == []
    assert report.unreadable == ["bomb.zip/referrals.csv"]
    assert "expands over 200 times" in report.errors[0].message


def test_the_unpacked_size_is_capped_across_the_zip(monkeypatch):
    monkeypatch.setattr(archives, "MAX_UNPACKED_BYTES", 1_500)
    rows = "".join(f"A{i},asset {i}\n" for i in range(100)).encode()  # ~1,100 bytes each
    both = SourceFile("two.zip", _zip({"a.csv": rows, "b.csv": rows}, zipfile.ZIP_STORED))
    report = Report()
    files = archives.unpacked([both], report)
    assert [f.name for f in files] == ["two.zip/a.csv"]
    assert report.unreadable == ["two.zip/b.csv"]


@pytest.mark.parametrize("data", [b"PK\x03\x04 truncated", b"not a zip at all"])
def test_a_damaged_zip_is_named_not_raised(data):
    report = Report()
    assert archives.unpacked([SourceFile("x.zip", data)], report) == []
    assert "could not be opened as a zip file" in report.errors[0].message


def test_an_empty_zip_is_a_warning():
    report = Report()
    assert archives.unpacked([SourceFile("empty.zip", _zip({}))], report) == []
    assert report.warnings[0].message == "the zip holds no files"


def test_the_demo_as_a_zip_loads_as_the_demo_folder(demo_loaded):

    zipped = archives.folder_zip(DEMO)
    names = zipfile.ZipFile(io.BytesIO(zipped)).namelist()
    assert "README.md" in names and "referrals.csv" in names
    assert not any(n.startswith(".") for n in names)
    folder, folder_report = demo_loaded
    dataset, report = load_files([SourceFile("socialrx_demo.zip", zipped)])
    assert report.lines() == folder_report.lines() == []  # the README is not a table
    assert set(dataset.tables) == set(folder.tables)
    for name, table in folder.tables.items():
        assert dataset.table(name).equals(table), name
