"""The blank dataset is generated from the contract's column specs: every column is there, and
the example rows load with no errors (and no warnings)."""

import csv
import io
import zipfile

import pandas as pd
import pytest

from socialrx.data import mapping, templates
from socialrx.data.files import SourceFile
from socialrx.data.loader import load_files
from socialrx.data.schema import TABLES


def header(data: bytes) -> list[str]:
    return next(csv.reader(io.StringIO(data.decode("utf-8"))))


def test_every_contract_column_is_in_its_template_in_contract_order():
    files = templates.template_files()
    for table in TABLES.values():
        if table.geometry:
            continue
        assert header(files[table.file]) == [c.name for c in table.columns], table.name
        rows = list(csv.reader(io.StringIO(files[table.file].decode())))
        assert len(rows) == 2  # the header and one example row
    for column in TABLES["areas"].columns:
        assert column.name in files["areas.geojson"].decode()


def test_the_example_rows_load_with_no_problems():
    files = templates.template_files()
    dataset, report = load_files(
        [SourceFile(name, data) for name, data in files.items() if name != "notes.csv"]
    )
    assert report.lines() == []
    for name, table in TABLES.items():
        if name == "dataset":
            assert dataset.place_name == "Rotherham"
        elif table.geometry:
            assert len(dataset.areas) == 1
        else:
            assert len(dataset.table(name)) == 1, name
    # the examples refer to each other: the asset sits in the example area
    assert dataset.table("assets")["area_code"].tolist() == ["E01033000"]


def test_notes_list_every_column_with_its_type_and_allowed_values():
    notes = templates.notes()
    expected = [(t.file, c.name) for t in TABLES.values() for c in t.columns]
    expected += [("mapping.csv", c) for c in mapping.COLUMNS]
    assert list(zip(notes["file"], notes["column"], strict=True)) == expected
    category = notes[(notes["file"] == "assets.csv") & (notes["column"] == "category")].iloc[0]
    assert category["required"] == "yes"
    assert "physical activity" in category["allowed values"]
    value = notes[(notes["file"] == "outcomes.csv") & (notes["column"] == "value")].iloc[0]
    assert "ucla3_loneliness: 3-9, lower is better" in value["allowed values"]


def test_the_zip_holds_every_file_in_one_folder():
    with zipfile.ZipFile(io.BytesIO(templates.template_zip())) as archive:
        names = sorted(archive.namelist())
    expected = {t.file for t in TABLES.values()} | {"notes.csv", "mapping.csv"}
    assert names == sorted(f"socialrx_dataset/{name}" for name in expected)


def test_no_workbook_without_a_writer_engine(monkeypatch):
    monkeypatch.setattr(templates, "excel_engine", lambda: None)
    assert templates.template_workbook() is None


def test_the_workbook_loads_with_no_problems(monkeypatch):
    """Written with whatever engine is installed (openpyxl stands in for xlsxwriter in tests)."""
    engine = templates.excel_engine()
    if engine is None:
        pytest.importorskip("openpyxl")
        monkeypatch.setattr(templates, "excel_engine", lambda: "openpyxl")
    book = templates.template_workbook()
    sheets = pd.read_excel(io.BytesIO(book), sheet_name=None, dtype=str, engine="calamine")
    assert set(sheets) == {name for name, t in TABLES.items() if not t.geometry}
    dataset, report = load_files([SourceFile("socialrx_dataset.xlsx", book)])
    assert report.lines() == []
    assert len(dataset.table("connections")) == 1


def test_the_data_page_offers_the_templates_and_marks_a_file_problem_as_having_no_row(
    tmp_path, monkeypatch
):
    from test_app import ASSETS, _run, _write

    folder = _write(tmp_path / "data", {"assets.csv": ASSETS, "notes.csv": "a,b\n1,2\n"})
    at = _run(folder, monkeypatch)
    at.switch_page("pages/data.py").run()
    assert not at.exception
    problems = next(d.value for d in at.dataframe if "problem" in d.value.columns)
    # "notes.csv: not a table of the data contract ...": a problem with the whole file, its row
    # "–" as a missing value reads in every table (never "None")
    assert problems.loc[problems["file"] == "notes.csv", "row"].tolist() == ["–"]
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Download the blank dataset (zip of CSVs)" in labels
    assert any(label.startswith("Download the demo dataset (zip") for label in labels)
