"""Census 2021 TS021 (ethnic group) as published: Nomis's bulk file and ONS's custom dataset,
known by their headers, read into `area_ethnicity` (residents of all ages by broad group)."""

import csv
import io

import pytest
from conftest import GOOD_ASSETS, load_texts

from socialrx.data import census

BROAD = [
    "Asian, Asian British or Asian Welsh",
    "Black, Black British, Black Welsh, Caribbean or African",
    "Mixed or Multiple ethnic groups",
    "White",
    "Other ethnic group",
]
FINER = {  # one finer group each, as the real file has several: they must not be added in
    BROAD[0]: "Indian",
    BROAD[1]: "African",
    BROAD[2]: "White and Asian",
    BROAD[3]: "Irish",
    BROAD[4]: "Arab",
}


def ts021(rows: dict[str, list], suffix: str = "") -> str:
    """Nomis's bulk layout: each broad group then a finer group of it (holding 1 person, which
    must not be counted again), `rows`: area code -> the five broad counts (text allowed)."""
    header = ["date", "geography", "geography code",
              f"Ethnic group: Total: All usual residents{suffix}"]  # fmt: skip
    for group in BROAD:
        header += [
            f"Ethnic group: {group}{suffix}",
            f"Ethnic group: {group}: {FINER[group]}{suffix}",
        ]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for code, counts in rows.items():
        cells = []
        for count in counts:
            cells += [count, 1]
        writer.writerow(["2021", f"Area {code}", code, "", *cells])
    return out.getvalue()


def stats(*codes: str) -> str:
    return "area_code,population_adult\n" + "".join(f"{c},100\n" for c in codes)


def residents(dataset) -> dict[tuple[str, str], int]:
    table = dataset.table("area_ethnicity")
    return {(a, g): int(r) for a, g, r in table[["area_code", "ethnic_group", "residents"]]
            .itertuples(index=False)}  # fmt: skip


def test_nomis_bulk_file_gives_the_five_broad_groups_whatever_it_is_called():
    files = {
        "assets.csv": GOOD_ASSETS,
        "area_stats.csv": stats("E01000001", "E01000002"),
        "my download.csv": ts021({"E01000001": [10, 5, 5, 75, 5],
                                  "E01000002": ["1,200", 0, 3, 40, 2]}),
    }  # fmt: skip
    dataset, report = load_texts(files)
    assert report.lines() == []
    got = residents(dataset)
    # the broad columns as published; the finer groups' 1s are not added to them
    assert got[("E01000001", "asian")] == 10 and got[("E01000001", "white")] == 75
    assert got[("E01000002", "asian")] == 1200  # a thousands separator read
    assert got[("E01000002", "black")] == 0
    assert sum(v for (a, _), v in got.items() if a == "E01000001") == 100
    assert dataset.table("area_ethnicity")["ethnic_group"].tolist()[:5] == [
        "asian", "black", "mixed", "white", "other"
    ]  # fmt: skip


def test_the_measures_suffix_some_nomis_files_carry_is_read():
    files = {
        "assets.csv": GOOD_ASSETS,
        "census2021-ts021-lsoa.csv": ts021({"E01000001": [1, 2, 3, 4, 5]}, "; measures: Value"),
    }
    dataset, report = load_texts(files)
    assert report.lines() == []
    assert residents(dataset)[("E01000001", "other")] == 5


def test_a_count_that_is_not_a_whole_number_leaves_its_area_out_and_is_named():
    files = {
        "assets.csv": GOOD_ASSETS,
        "census2021-ts021-lsoa.csv": ts021({"E01000001": [10, "x", 5, 75, 5],
                                           "E01000002": [1, 1, 1, 1, 1]}),
    }  # fmt: skip
    dataset, report = load_texts(files)
    assert report.lines() == [
        "census2021-ts021-lsoa.csv:2: Ethnic group: Black, Black British, Black Welsh, "
        "Caribbean or African: 'x': not understood (allowed: a whole number from 0); area left out"
    ]
    assert set(dataset.table("area_ethnicity")["area_code"]) == {"E01000002"}


def test_a_national_table_is_cut_to_the_dataset_s_areas():
    files = {
        "assets.csv": GOOD_ASSETS,
        "area_stats.csv": stats("E01000002"),
        "census2021-ts021-lsoa.csv": ts021({"E01000001": [1, 1, 1, 1, 1],
                                           "E01000002": [2, 2, 2, 2, 2],
                                           "E01000003": [3, 3, 3, 3, 3]}),
    }  # fmt: skip
    dataset, report = load_texts(files)
    assert report.lines() == [
        "census2021-ts021-lsoa.csv: kept 1 of 3 areas: those in the dataset (warning)"
    ]
    assert set(dataset.table("area_ethnicity")["area_code"]) == {"E01000002"}


def test_no_area_in_common_says_the_codes_may_be_of_another_vintage():
    files = {
        "assets.csv": GOOD_ASSETS,
        "area_stats.csv": stats("E01999999"),
        "census2021-ts021-lsoa.csv": ts021({"E01000001": [1, 1, 1, 1, 1]}),
    }
    dataset, report = load_texts(files)
    assert "LSOA 2021 codes" in report.lines()[0]
    assert not dataset.has("area_ethnicity")


def test_a_file_without_every_broad_group_is_not_used():
    text = ts021({"E01000001": [1, 1, 1, 1, 1]}).replace("Ethnic group: Other ethnic group,", "x,")
    dataset, report = load_texts({"assets.csv": GOOD_ASSETS, "ts021.csv": text})
    assert not dataset.has("area_ethnicity")
    assert report.lines()[0].startswith("ts021.csv: not every broad ethnic group has a column")


LONG = (
    "Lower layer Super Output Areas Code,Lower layer Super Output Areas,"
    "Ethnic group (20 categories) Code,Ethnic group (20 categories),Observation\n"
    "E01000001,City of London 001A,-8,Does not apply,0\n"
    'E01000001,City of London 001A,1,"Asian, Asian British or Asian Welsh: Bangladeshi",7\n'
    'E01000001,City of London 001A,2,"Asian, Asian British or Asian Welsh: Chinese",13\n'
    'E01000001,City of London 001A,6,"Black, Black British, Black Welsh, Caribbean or African: '
    'African",4\n'
    "E01000001,City of London 001A,9,Mixed or Multiple ethnic groups: White and Asian,6\n"
    'E01000001,City of London 001A,13,"White: English, Welsh, Scottish, Northern Irish or '
    'British",1100\n'
    "E01000001,City of London 001A,15,White: Irish,30\n"
    "E01000001,City of London 001A,18,Other ethnic group: Arab,9\n"
    "E01000001,City of London 001A,19,Other ethnic group: Any other ethnic group,1\n"
)


def test_ons_custom_dataset_adds_finer_groups_into_their_broad_group():
    dataset, report = load_texts({"assets.csv": GOOD_ASSETS, "TS021-2021-3.csv": LONG})
    assert report.lines() == []
    got = residents(dataset)
    # Bangladeshi 7 + Chinese 13 (Asian in 2021); British 1,100 + Irish 30; Arab 9 + other 1
    assert got == {
        ("E01000001", "asian"): 20,
        ("E01000001", "black"): 4,
        ("E01000001", "mixed"): 6,
        ("E01000001", "white"): 1130,
        ("E01000001", "other"): 10,
    }


def test_ons_custom_dataset_names_labels_and_counts_it_cannot_use():
    text = LONG.replace("White: Irish,30", "Martian,30").replace("Arab,9", "Arab,nine")
    dataset, report = load_texts({"assets.csv": GOOD_ASSETS, "TS021.csv": text})
    lines = report.lines()
    assert (
        "TS021.csv:9: Observation: 'nine': not understood (allowed: a whole number from 0); "
        "area left out" in lines
    )
    assert any(line.startswith("TS021.csv:8: Ethnic group (20 categories): 'Martian': not a "
                               "Census 2021 ethnic group") for line in lines)  # fmt: skip
    assert not dataset.has("area_ethnicity")  # its only area had a bad count


def test_the_user_s_own_area_ethnicity_wins():
    files = {
        "assets.csv": GOOD_ASSETS,
        "area_ethnicity.csv": "area_code,ethnic_group,residents\nE01000001,white,50\n",
        "census2021-ts021-lsoa.csv": ts021({"E01000001": [1, 1, 1, 1, 1]}),
    }
    dataset, report = load_texts(files)
    assert report.lines() == [
        "census2021-ts021-lsoa.csv: not read: area_ethnicity.csv holds the residents by ethnic "
        "group (warning)"
    ]
    assert residents(dataset) == {("E01000001", "white"): 50}


def test_an_area_ethnicity_file_checks_its_groups():
    files = {
        "assets.csv": GOOD_ASSETS,
        "area_ethnicity.csv": "area_code,ethnic_group,residents\nE01000001,Martian,50\n",
    }
    _, report = load_texts(files)
    assert report.lines()[0] == (
        "area_ethnicity.csv:2: ethnic_group: 'Martian': not understood (allowed: asian, black, "
        "mixed, white, other); row left out"
    )


@pytest.mark.parametrize(
    ("label", "group"),
    [
        ("Asian, Asian British or Asian Welsh: Chinese", "asian"),
        ("Black, Black British, Black Welsh, Caribbean or African", "black"),
        ("Other ethnic group: Arab", "other"),
        ("White: Roma", "white"),
        ("Does not apply", None),
    ],
)
def test_broad_group_of_a_published_label(label, group):
    assert census.broad_group(label) == group


def test_real_ts021_when_present(realdata):
    found = sorted(realdata.rglob("*ts021*.csv")) + sorted(realdata.rglob("TS021*.csv"))
    if not found:
        pytest.skip("no Census TS021 file in the shared real data")
    data = found[0].read_bytes()
    dataset, report = load_texts({"assets.csv": GOOD_ASSETS, found[0].name: data})
    assert report.errors == []
    table = dataset.table("area_ethnicity")
    assert set(table["ethnic_group"]) == {"asian", "black", "mixed", "white", "other"}
    assert (table["residents"] >= 0).all()
