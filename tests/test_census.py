"""Census 2021 age tables as published (Nomis bulk TS007 / TS007A, ONS custom long format):
adults 18+ by small area, known by their headers whatever the file is called."""

import csv
import io

import pytest

from socialrx.data import census
from socialrx.data.files import SourceFile
from socialrx.data.loader import load_files

ASSETS = SourceFile(
    "assets.csv",
    b"asset_id,name,category,latitude,longitude\nA1,Walk,physical activity,53.4,-1.3\n",
)
# Nomis's TS007 bulk file: groups, each followed by its single years (as published)
GROUPS = [(0, 4), (5, 9), (10, 15), (16, 19), (20, 24), (25, 34), (35, 49), (50, 64), (65, 74),
          (75, 84)]  # fmt: skip


def _label(age: int) -> str:
    return "Aged under 1 year" if age == 0 else f"Aged {age} year{'s' if age > 1 else ''}"


def _ts007(rows: dict[str, int]) -> bytes:
    """TS007 with single year `a` holding a + 1 people (100 and over: 7) in every area."""
    header = ["date", "geography", "geography code", "Age: Total; measures: Value"]
    values = {_label(a): a + 1 for a in range(100)} | {"Aged 100 years and over": 7}
    cells = []
    for low, high in GROUPS:
        name = "Aged 4 years and under" if low == 0 else f"Aged {low} to {high} years"
        cells.append((name, sum(a + 1 for a in range(low, high + 1))))
        cells += [(_label(a), values[_label(a)]) for a in range(low, high + 1)]
    cells.append(("Aged 85 years and over", sum(a + 1 for a in range(85, 100)) + 7))
    cells += [(_label(a), values[_label(a)]) for a in range(85, 100)]
    cells.append(("Aged 100 years and over", 7))
    header += [f"Age: {name}; measures: Value" for name, _ in cells]
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow(header)
    for code, _ in rows.items():
        total = sum(values.values())
        writer.writerow(["2021", f"Area {code}", code, total, *[v for _, v in cells]])
    return out.getvalue().encode()


def _ts007a(codes: list[str]) -> bytes:
    """TS007A: five-year bands only, 100 people in each band, in every area."""
    bands = ["Aged 4 years and under"] + [f"Aged {a} to {a + 4} years" for a in range(5, 85, 5)]
    bands.append("Aged 85 years and over")
    header = ["date", "geography", "geography code", "Age: Total; measures: Value"]
    header += [f"Age: {b}; measures: Value" for b in bands]
    lines = [",".join(f'"{h}"' for h in header)]
    lines += [f'"2021","Area {c}","{c}",{100 * len(bands)},' + ",".join(["100"] * len(bands))
              for c in codes]  # fmt: skip
    return ("\n".join(lines) + "\n").encode()


LONG = (
    b"Lower layer Super Output Areas Code,Lower layer Super Output Areas,"
    b"Age (6 categories) Code,Age (6 categories),Observation\n"
    b"E01000001,City of London 001A,1,Aged 15 years and under,100\n"
    b"E01000001,City of London 001A,2,Aged 16 to 24 years,900\n"
    b"E01000001,City of London 001A,3,Aged 25 to 34 years,100\n"
    b"E01000001,City of London 001A,4,Aged 35 to 49 years,100\n"
    b"E01000001,City of London 001A,5,Aged 50 to 64 years,100\n"
    b"E01000001,City of London 001A,6,Aged 65 years and over,100\n"
)


def _adults(dataset) -> dict[str, float]:
    stats = dataset.table("area_stats")
    return dict(zip(stats["area_code"], stats["population_adult"], strict=True))


def test_single_years_give_adults_exactly_and_groups_are_not_counted_twice():
    data = _ts007({"E01000001": 0, "E01000002": 0})
    dataset, report = load_files([ASSETS, SourceFile("census2021-ts007-lsoa.csv", data)])
    # ages 18-99 hold 19..100 people (4,879) and 100 and over 7: 4,886 in each area
    assert _adults(dataset) == {"E01000001": 4886, "E01000002": 4886}
    assert report.errors == []
    assert not report.ignored


def test_five_year_bands_give_an_estimate_and_say_so():
    data = _ts007a(["E01000001"])
    dataset, report = load_files([ASSETS, SourceFile("any name.csv", data)])
    # two fifths of 15-19 (40) and the 14 bands from 20 (1,400)
    assert _adults(dataset) == {"E01000001": 1440}
    assert any("estimated from five-year age bands" in w.message for w in report.warnings)


def test_the_ons_custom_long_format():
    dataset, _ = load_files([ASSETS, SourceFile("custom-filtered-2025.csv", LONG)])
    # 7/9 of 16-24 (700) and four bands of 100
    assert _adults(dataset) == {"E01000001": 1100}


def test_an_iod_population_16_plus_is_replaced_a_users_own_is_kept():
    stats = b"area_code,imd_decile,population_adult\nE01000001,3,\nE01000002,5,999\n"
    files = [ASSETS, SourceFile("area_stats.csv", stats),
             SourceFile("census.csv", _ts007({"E01000001": 0, "E01000002": 0}))]  # fmt: skip
    dataset, report = load_files(files)
    assert _adults(dataset) == {"E01000001": 4886, "E01000002": 999}
    assert any("filled it only where blank (1 area)" in w.message for w in report.warnings)


def test_a_national_table_is_cut_to_the_datasets_areas():
    stats = SourceFile("area_stats.csv", b"area_code,imd_decile\nE01000002,4\n")
    national = SourceFile("ts007.csv", _ts007({f"E0100000{i}": 0 for i in range(1, 6)}))
    dataset, report = load_files([ASSETS, stats, national])
    assert _adults(dataset) == {"E01000002": 4886}
    assert any("kept 1 of 5 areas" in w.message for w in report.warnings)


@pytest.mark.parametrize(
    ("label", "ages"),
    [("Aged under 1 year", (0, 0)), ("Aged 1 year", (1, 1)), ("Aged 15 to 19 years", (15, 19)),
     ("Aged 85 years and over", (85, 200)), ("Aged 4 years and under", (0, 4)), ("Total", None)],
)  # fmt: skip
def test_published_age_labels(label, ages):
    assert census._age_range(label) == ages


def test_a_table_whose_ages_cannot_be_added_up_is_named():
    header = '"date","geography","geography code","Age: Aged 20 to 24 years; measures: Value"\n'
    data = (header + '"2021","A","E01000001",5\n').encode()
    _, report = load_files([ASSETS, SourceFile("odd.csv", data)])
    assert any("no age columns that give adults" in e.message for e in report.errors)
