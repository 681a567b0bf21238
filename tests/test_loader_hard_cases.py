"""The files real users hand in that broke earlier versions: each gets a message naming file, row
and column, never a traceback, and the good rows still load."""

import io
import json

import pandas as pd
import pytest
import shapely
from conftest import GOOD_ASSETS

from socialrx.data.files import SourceFile
from socialrx.data.loader import load_files

NHS_NUMBER = "9434765919"  # passes the modulus-11 check
REFERRALS = "referral_id,referral_date\nR1,2024-01-10\nR2,2024-02-10\n"
ASSET_ROWS = (
    "A2,Choir,arts and creativity,53.43,-1.35\nA3,Allotment,nature and gardening,53.4,-1.3\n"
)


def lines(report) -> list[str]:
    return report.lines()


# --- dates outside what pandas can hold ---------------------------------------------------


@pytest.mark.parametrize("value", ["9999-12-31", "0023-10-02", "31/12/1066"])
def test_a_year_outside_1900_to_2100_is_a_row_error(load, value):
    dataset, report = load({"assets.csv": GOOD_ASSETS, "referrals.csv": REFERRALS
                            + f"R3,{value}\n"})  # fmt: skip
    assert lines(report) == [
        f"referrals.csv:4: referral_date: '{value}': not understood (the year is outside 1900 to "
        "2100: a typo, or a placeholder such as 9999-12-31 (leave the cell blank instead)); "
        "row left out"
    ]
    assert dataset.table("referrals")["referral_id"].tolist() == ["R1", "R2"]


# --- rows wider than the header -----------------------------------------------------------


def test_an_extra_cell_in_the_first_row_leaves_that_row_out_only(load):
    assets = GOOD_ASSETS.replace("\nA1,", "\nA0,Bad, comma,other,53.4,-1.3\nA1,") + ASSET_ROWS
    dataset, report = load({"assets.csv": assets})
    assert lines(report) == [
        "assets.csv:2: 6 cells where the header has 5: put text that contains commas in double "
        "quotes; row left out"
    ]
    assert dataset.table("assets")["asset_id"].tolist() == ["A1", "A2", "A3"]


def test_trailing_commas_on_every_row_lose_nothing(load):
    assets = "".join(line + ",\n" for line in (GOOD_ASSETS + ASSET_ROWS).splitlines()[1:])
    dataset, report = load({"assets.csv": GOOD_ASSETS.splitlines()[0] + "\n" + assets})
    assert lines(report) == []
    assert dataset.table("assets")["asset_id"].tolist() == ["A1", "A2", "A3"]


def test_a_repeated_header_with_a_ragged_row_is_reported(load):
    assets = "asset_id,name,category,latitude,longitude,name\n"
    assets += "A1,Walk,other,53.4,-1.3,x\nA2,Run,other,53.4,-1.3,y,z\n"
    dataset, report = load({"assets.csv": assets})
    assert lines(report) == [
        "assets.csv:3: 7 cells where the header has 6: put text that contains commas in double "
        "quotes; row left out",
        "assets.csv: the header 'name' appears twice: the first column is used (warning)",
    ]
    assert dataset.table("assets")["name"].tolist() == ["Walk"]


def test_an_unclosed_quote_does_not_swallow_the_rows_after_it(load):
    assets = GOOD_ASSETS + 'A2,"Choir,arts and creativity,53.43,-1.35\n'
    assets += "A3,Allotment,nature and gardening,53.4,-1.3\nA4,Bowls,physical activity,53.4,-1.3\n"
    dataset, report = load({"assets.csv": assets})
    assert lines(report)[0].startswith(
        "assets.csv:3: a double quote opens a cell here and is never closed"
    )
    assert dataset.table("assets")["asset_id"].tolist() == ["A1", "A3", "A4"]


def test_blank_lines_above_the_header_keep_row_numbers_true(load):
    assets = "\n\n" + GOOD_ASSETS + "A2,Choir,knitting,53.4,-1.3\n"
    dataset, report = load({"assets.csv": assets})
    assert lines(report)[0].startswith("assets.csv:5: category: 'knitting': not understood")
    assert dataset.table("assets")["asset_id"].tolist() == ["A1"]


# --- encodings ----------------------------------------------------------------------------


def test_a_bom_file_with_one_windows_1252_line_keeps_its_header_and_accents(load):
    data = "\ufeffasset_id,name,category,latitude,longitude\n".encode()
    data += "A1,Café club,other,53.4,-1.3\n".encode()
    data += "A2,£5 lunch,food and cooking,53.4,-1.3\n".encode("cp1252")
    dataset, report = load({"assets.csv": data})
    assert lines(report) == []
    assert dataset.table("assets")["name"].tolist() == ["Café club", "£5 lunch"]


# --- NHS numbers however they are written -------------------------------------------------


@pytest.mark.parametrize("written", ["943 476 5919", "943-476-5919", "9434765919.0"])
def test_nhs_numbers_spaced_dashed_or_as_excel_floats_are_refused(load, written):
    referrals = f"referral_id,person_id,referral_date\nR1,{written},2024-01-10\n"
    dataset, report = load({"assets.csv": GOOD_ASSETS, "referrals.csv": referrals})
    assert lines(report) == [
        "referrals.csv: person_id: 'value withheld': * of * values pass the NHS number check "
        "digit: this column is refused and not used. Use a pseudonym, never the NHS number"
    ]
    assert dataset.table("referrals")["person_id"].isna().all()
    assert written not in "".join(lines(report))


def test_nhs_numbers_in_a_connections_referral_id_refuse_that_file(load):
    connections = f"referral_id,asset_id,referred_date\n{NHS_NUMBER},A1,2024-01-11\n"
    dataset, report = load({"assets.csv": GOOD_ASSETS, "connections.csv": connections})
    assert "the whole file is refused" in lines(report)[0]
    assert not dataset.has("connections")


# --- boundaries ---------------------------------------------------------------------------


def _square_bng() -> dict:
    bng = shapely.box(440_000, 390_000, 441_000, 391_000)
    feature = {"type": "Feature", "properties": {"LSOA11CD": "E01000001", "LSOA11NM": "Somewhere"},
               "geometry": shapely.geometry.mapping(bng)}  # fmt: skip
    return {"type": "FeatureCollection", "features": [feature]}


def test_british_national_grid_geojson_without_a_crs_is_read_as_bng(load):
    dataset, report = load({"assets.csv": GOOD_ASSETS, "areas.geojson": json.dumps(_square_bng())})
    assert lines(report) == [
        "areas.geojson: the coordinates are metres, though the file says degrees: read as "
        "British National Grid (EPSG:27700) (warning)"
    ]
    minx, miny, maxx, maxy = dataset.areas.total_bounds
    assert 53.3 < miny < maxy < 53.5 and -1.4 < minx < maxx < -1.3  # near Rotherham


def test_boundaries_in_a_csv_or_without_geometry_are_reported(load):
    _, report = load({"assets.csv": GOOD_ASSETS, "areas.csv": "area_code\nE01000001\n"})
    assert lines(report) == [
        "areas.csv: boundaries must be GeoJSON (.geojson), a GeoPackage (.gpkg) or a zipped "
        "shapefile (.zip)"
    ]
    empty = json.dumps({"type": "FeatureCollection", "features": []})
    _, report = load({"assets.csv": GOOD_ASSETS, "areas.geojson": empty})
    assert lines(report)[0].startswith("areas.geojson: holds no boundaries (no geometry)")
    assert report.unreadable == []


# --- month-first dates --------------------------------------------------------------------


def test_a_column_with_month_first_dates_does_not_read_the_others_day_first(load):
    referrals = "referral_id,referral_date\nR1,12/31/2024\nR2,03/04/2024\nR3,05/05/2024\n"
    dataset, report = load({"assets.csv": GOOD_ASSETS, "referrals.csv": referrals})
    assert [line.split(": not understood")[0] for line in lines(report)] == [
        "referrals.csv:2: referral_date: '12/31/2024'",
        "referrals.csv:3: referral_date: '03/04/2024'",
    ]
    assert "could be either way round" in lines(report)[1]
    assert dataset.table("referrals")["referral_id"].tolist() == ["R3"]  # 5 May either way


# --- two files, one table -----------------------------------------------------------------


def test_two_files_for_one_table_are_reported_and_the_exact_name_wins():
    book = io.BytesIO()
    pd.DataFrame({"asset_id": ["X1"], "name": ["x"], "category": ["other"],
                  "latitude": [53.4], "longitude": [-1.3]}).to_excel(book, sheet_name="assets",
                                                                     index=False)  # fmt: skip
    files = [
        SourceFile("book.xlsx", book.getvalue()),
        SourceFile("assets.csv", GOOD_ASSETS.encode()),
    ]
    dataset, report = load_files(files)
    assert lines(report) == [
        "book.xlsx[assets]: two files hold the assets table: assets.csv is used and this one "
        "ignored; "
        "keep one of them"
    ]
    assert dataset.table("assets")["asset_id"].tolist() == ["A1"]


# --- one cause, one message ---------------------------------------------------------------


def test_references_to_a_row_left_out_name_that_row(load):
    assets = GOOD_ASSETS + "A2,Choir,knitting,53.4,-1.3\n"
    connections = "referral_id,asset_id,referred_date\nR1,A2,2024-01-11\nR2,A9,2024-02-11\n"
    _, report = load({"assets.csv": assets, "referrals.csv": REFERRALS,
                      "connections.csv": connections})  # fmt: skip
    assert lines(report)[1:] == [
        "connections.csv:2: asset_id: 'A2 (row 3)': its row in assets.csv was left out for an "
        "error: fix that row; row left out",
        "connections.csv:3: asset_id: 'A9': no such id in assets.csv; row left out",
    ]


def test_a_header_only_assets_file_says_so_once(load):
    connections = "referral_id,asset_id,referred_date\nR1,A1,2024-01-11\nR2,A1,2024-02-11\n"
    header_only = GOOD_ASSETS.splitlines()[0] + "\n"
    dataset, report = load({"assets.csv": header_only, "referrals.csv": REFERRALS,
                            "connections.csv": connections})  # fmt: skip
    assert lines(report) == [
        "assets.csv: no rows: every dataset needs at least one community asset",
        "connections.csv: asset_id: assets.csv has no usable rows, so no asset_id can be "
        "matched; rows left out",
    ]


# --- dates in order across tables ---------------------------------------------------------


def test_dates_cannot_run_backwards_anywhere(load):
    connections = (
        "referral_id,asset_id,referred_date,started_date,ended_date\n"
        "R1,A1,2024-01-05,2024-01-20,2024-01-15\n"  # sent before the referral; ended before start
    )
    link_workers = "link_worker_id,start_date,end_date\nL1,2024-01-01,2023-01-01\n"
    outcomes = (
        "referral_id,measure,timepoint,assessed_date,value\nR1,swemwbs,baseline,2023-12-01,20\n"
    )
    _, report = load({"assets.csv": GOOD_ASSETS, "referrals.csv": REFERRALS,
                      "connections.csv": connections, "link_workers.csv": link_workers,
                      "outcomes.csv": outcomes})  # fmt: skip
    assert lines(report) == [
        "link_workers.csv:2: end_date: '2023-01-01': before start_date: dates cannot run backwards",
        "connections.csv:2: referred_date: '2024-01-05': before referral_date: dates cannot run "
        "backwards",
        "connections.csv:2: ended_date: '2024-01-15': before started_date: dates cannot run "
        "backwards",
        "outcomes.csv:2: assessed_date: '2023-12-01': before referral_date: dates cannot run "
        "backwards (warning)",
    ]


# --- numbers, postcodes, coordinates ------------------------------------------------------


def test_a_decimal_comma_and_infinity_are_not_numbers(load):
    assets = "asset_id,name,category,postcode,cost_per_person_gbp,capacity_per_month\n"
    assets += 'A1,Walk,other,S60-1AA,inf,"1,000"\nA2,Run,other,s601aa,"12,5",8\n'
    dataset, report = load({"assets.csv": assets})
    assert [line.split(": not understood")[0] for line in lines(report)[:2]] == [
        "assets.csv:2: cost_per_person_gbp: 'inf'",
        "assets.csv:3: cost_per_person_gbp: '12,5'",
    ]
    table = dataset.table("assets")
    assert table["capacity_per_month"].tolist() == [1000, 8]
    assert table["postcode"].tolist() == ["S60 1AA", "S60 1AA"]


def test_rejected_coordinates_are_reported_once_and_a_half_pair_is_named(load):
    assets = "asset_id,name,category,latitude,longitude\n"
    assets += "A1,Swapped,other,-1.35,53.43\nA2,Grid,other,434000,392000\nA3,Half,other,53.4,\n"
    _, report = load({"assets.csv": assets})
    assert [line.split(": ", 3)[3].split(" (")[0] for line in lines(report)] == [
        "latitude and longitude look swapped",
        "these look like British National Grid easting and northing: give latitude and longitude",
        "only one of latitude and longitude is given: both are needed; not used",
    ]


# --- headers ------------------------------------------------------------------------------


def test_an_iod_workbook_as_downloaded_is_area_statistics():
    book = io.BytesIO()
    with pd.ExcelWriter(book) as writer:
        pd.DataFrame({"About": ["IMD 2019"]}).to_excel(writer, sheet_name="Notes", index=False)
        pd.DataFrame({"LSOA code (2011)": ["E01000001"], "LSOA name (2011)": ["City of London"],
                      "Index of Multiple Deprivation (IMD) Rank": [29199],
                      "Index of Multiple Deprivation (IMD) Decile": [9]}).to_excel(
            writer, sheet_name="IMD2019", index=False)  # fmt: skip
    name = "File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx"
    dataset, report = load_files([SourceFile(name, book.getvalue()),
                                  SourceFile("assets.csv", GOOD_ASSETS.encode())])  # fmt: skip
    assert [line for line in lines(report) if "[Notes]" not in line] == []
    assert dataset.table("area_stats")["imd_decile"].tolist() == [9]
    assert dataset.lsoa_vintage == "2011"


def test_unreadable_formats_in_a_folder_are_named(write_dataset):
    from socialrx.data.loader import load_folder

    folder = write_dataset({"assets.csv": GOOD_ASSETS, "referrals.xls": b"\xd0\xcf\x11\xe0"})
    _, report = load_folder(folder)
    assert lines(report) == [
        "referrals.xls: not read: the old Excel format: save it as .xlsx or CSV (warning)"
    ]


def test_json_that_is_not_geojson_is_read_as_an_open_referral_directory(load):
    services = json.dumps({"content": [{"id": "s1", "name": "Walk"}], "totalElements": 1})
    _, report = load({"assets.csv": GOOD_ASSETS, "services.json": services})
    assert lines(report)[0] == (
        "services.json[assets]: two files hold the assets table: assets.csv is used and this "
        "one ignored; keep one of them"
    )
    assert not any("boundaries" in line for line in lines(report))
    _, report = load({"assets.csv": GOOD_ASSETS, "services.json": '{"error": "Not found"}'})
    assert lines(report)[0].startswith("services.json: holds no services: it looks like an error")


def _workbook(sheets: dict[str, pd.DataFrame], header: bool = True) -> bytes:
    book = io.BytesIO()
    with pd.ExcelWriter(book) as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False, header=header)
    return book.getvalue()


def test_a_workbook_with_an_areas_or_epraccur_sheet_keeps_the_rest():
    assets = pd.read_csv(io.StringIO(GOOD_ASSETS))
    ods = pd.DataFrame([["C87001", "Kelby Moor", *[""] * 7, "S60 1AA", "", "", "A",
                         *[""] * 12, "4", ""]])  # fmt: skip
    areas = pd.DataFrame({"area_code": ["E01000001"]})
    data = _workbook({"assets": assets, "areas": areas})
    dataset, report = load_files([SourceFile("book.xlsx", data)])
    assert lines(report) == [
        "book.xlsx[areas]: a workbook sheet cannot hold boundaries: give them as GeoJSON, a "
        "GeoPackage or a zipped shapefile"
    ]
    assert dataset.table("assets")["asset_id"].tolist() == ["A1"]
    epraccur = SourceFile("epraccur.xlsx", _workbook({"epraccur": ods}, header=False))
    dataset, report = load_files([SourceFile("assets.csv", GOOD_ASSETS.encode()), epraccur])
    assert dataset.table("practices")["practice_code"].tolist() == ["C87001"]


def test_a_quoted_description_with_line_breaks_and_commas_is_not_an_unclosed_quote(load):
    assets = "asset_id,name,category,latitude,longitude,description\n"
    assets += (
        'A1,Walk,other,53.4,-1.3,"Weekly walks.\nBring boots, water, a coat, snacks, a friend."\n'
    )
    assets += "A2,Run,other,53.4,-1.3,\n"
    dataset, report = load({"assets.csv": assets})
    assert lines(report) == []
    assert dataset.table("assets")["asset_id"].tolist() == ["A1", "A2"]
    assert dataset.table("assets")["description"].iloc[0].endswith("a friend.")


def test_an_unclosed_quote_after_blank_lines_names_its_own_row(load):
    assets = "\n\n" + GOOD_ASSETS + 'A2,"Choir,other,53.4,-1.3\nA3,Run,other,53.4,-1.3\n'
    _, report = load({"assets.csv": assets})
    assert lines(report)[0].startswith("assets.csv:5: a double quote opens a cell here")


def test_empty_headers_from_trailing_commas_are_not_repeated_headers(load):
    assets = GOOD_ASSETS.replace("longitude\n", "longitude,,\n").replace("-1.35\n", "-1.35,,\n")
    dataset, report = load({"assets.csv": assets})
    assert lines(report) == []
    assert dataset.table("assets")["asset_id"].tolist() == ["A1"]


def test_an_unexpected_failure_is_a_message_and_a_log_not_a_traceback(monkeypatch, caplog):
    import socialrx.data.loader

    def broken(*args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(socialrx.data.loader, "_check_across", broken)
    dataset, report = load_files([SourceFile("assets.csv", GOOD_ASSETS.encode())])
    assert lines(report) == [
        "assets.csv: could not be loaded: an unexpected problem (RuntimeError) that the checks "
        "did not catch. Please report it, with the files if you can"
    ]
    assert not dataset.tables
    assert "RuntimeError: a bug" in caplog.text  # the traceback reaches the server log
