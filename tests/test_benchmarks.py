"""Benchmarks beyond the place (issue 25): NHS England's "Appointments in General Practice"
(practice-level monthly file, sub-ICB daily file and its coverage file) and OHID Fingertips
exports read as downloaded; "Social Prescribing Service" appointments per 1,000 registered
patients a year against England, similar sub-ICBs and other practices; an indicator against
England. Every figure worked by hand in the comments."""

import pandas as pd
import pytest
from conftest import GOOD_ASSETS, load_texts

from socialrx.data import benchmarks as data
from socialrx.disclosure import Level
from socialrx.metrics import benchmarks
from socialrx.metrics.selection import Selection
from socialrx.views import benchmarks as view

CROSSTAB = (
    "APPOINTMENT_MONTH_START_DATE,GP_CODE,GP_NAME,SUPPLIER,PCN_CODE,PCN_NAME,"
    "SUB_ICB_LOCATION_CODE,SUB_ICB_LOCATION_NAME,HCP_TYPE,APPT_MODE,NATIONAL_CATEGORY,"
    "TIME_BETWEEN_BOOK_AND_APPT,COUNT_OF_APPOINTMENTS,APPT_STATUS\n"
)


def crosstab(rows: list[tuple]) -> str:
    """(month, practice, sub-ICB, category, count, status) rows in the published layout."""
    lines = [
        f"{m},{p},Practice {p},EMIS,U1,PCN One,{s},NHS Demo - {s},Other Practice staff,"
        f"Telephone,{c},2 to 7 Days,{n},{st}\n"
        for m, p, s, c, n, st in rows
    ]
    return CROSSTAB + "".join(lines)


SPS = "Social Prescribing Service"
ROUTINE = "General Consultation Routine"
# P1 and P2 are the place's (S1); P3 is elsewhere (S2). Two months, every status counted.
PRACTICE_ROWS = [
    ("01JAN2025", "P1", "S1", SPS, 8, "Attended"),
    ("01JAN2025", "P1", "S1", SPS, 2, "DNA"),  # P1 January: 10
    ("01FEB2025", "P1", "S1", SPS, 20, "Attended"),  # P1 February: 20
    ("01JAN2025", "P2", "S1", SPS, 5, "Attended"),
    ("01FEB2025", "P2", "S1", SPS, 5, "Unknown"),  # P2: 10
    ("01JAN2025", "P3", "S2", SPS, 40, "Attended"),
    ("01FEB2025", "P3", "S2", SPS, 40, "Attended"),  # P3: 80
    ("01FEB2025", "P3", "S2", ROUTINE, 900, "Attended"),  # another category: not counted
    ("01JAN2025", "P4", "S2", ROUTINE, 300, "Attended"),  # in the file, no SPS: 0
]
DAILY = (
    "SUB_ICB_LOCATION_CODE,SUB_ICB_LOCATION_ONS_CODE,SUB_ICB_LOCATION_NAME,ICB_ONS_CODE,"
    "REGION_ONS_CODE,Appointment_Date,SERVICE_SETTING,CONTEXT_TYPE,NATIONAL_CATEGORY,"
    "COUNT_OF_APPOINTMENTS\n"
)


def daily(rows: list[tuple]) -> str:
    """(sub-ICB, date, category, count) rows; sub-ICB Sk has ONS code E3800000k."""
    return DAILY + "".join(
        f"{s},E3800000{s[1:]},NHS Demo - {s},E54000001,E40000001,{d},General Practice,"
        f"Care Related Encounter,{c},{n}\n"
        for s, d, c, n in rows
    )


# S1 (the place's): 25 + 25 = 50; S2 200; S3 10; S4 100 over January and February
DAILY_ROWS = [
    ("S1", "06JAN2025", SPS, 20),
    ("S1", "07JAN2025", SPS, 5),
    ("S1", "03FEB2025", SPS, 25),
    ("S1", "03FEB2025", ROUTINE, 999),
    ("S2", "06JAN2025", SPS, 100),
    ("S2", "03FEB2025", SPS, 100),
    ("S3", "06JAN2025", SPS, 5),
    ("S3", "03FEB2025", SPS, 5),
    ("S4", "06JAN2025", SPS, 50),
    ("S4", "03FEB2025", SPS, 50),
]
COVERAGE = (
    "SUB_ICB_LOCATION_CODE,ICB_ONS_CODE,REGION_CODE,Appointment_Month,Included Practices,"
    "Open Practices,Patients registered at included practices,Patients registered at open "
    "practices\n"
) + "".join(
    f"{s},E54000001,Y60,{m},3,3,{n},{n}\n"
    for s, n in (("S1", 10_000), ("S2", 20_000), ("S3", 5_000), ("S4", 40_000))
    for m in ("01JAN2025", "01FEB2025")
)
FINGERTIPS_HEADER = (
    "Indicator ID,Indicator Name,Parent Code,Parent Name,Area Code,Area Name,Area Type,Sex,Age,"
    "Category Type,Category,Time period,Value,Lower CI 95.0 limit,Upper CI 95.0 limit,"
    "Lower CI 99.8 limit,Upper CI 99.8 limit,Count,Denominator,Value note,Recent Trend,"
    "Compared to England value or percentiles,Compared to percentiles,Time period Sortable,"
    "New data,Compared to goal\n"
)


def fingertips(rows: list[tuple]) -> str:
    """(id, name, code, area name, type, sex, category type, period, value, low, high)."""
    return FINGERTIPS_HEADER + "".join(
        f'{i},"{n}",,,{c},{a},{t},{sx},All ages,{ct},,{p},{v},{lo},{hi},,,,,,,,,{p[:4]}0000,,\n'
        for i, n, c, a, t, sx, ct, p, v, lo, hi in rows
    )


IMD = "Deprivation score (IMD 2019)"
OLD = "% aged 65+ years"
PEER_ROWS = [  # S1..S4 (E38000001..4): deprivation 20, 10, 30, 40; aged 65+ 15, 15, 25, 25
    (93553, IMD, f"E3800000{k}", f"S{k}", "Sub-ICBs", "Persons", "", "2019", imd, "", "")
    for k, imd in ((1, 20), (2, 10), (3, 30), (4, 40))
] + [
    (1, OLD, f"E3800000{k}", f"S{k}", "Sub-ICBs", "Persons", "", "2025", old, "", "")
    for k, old in ((1, 15), (2, 15), (3, 25), (4, 25))
]
PRACTICES = (
    "practice_code,name,pcn_code,list_size\nP1,Practice One,U1,1000\nP2,Practice Two,U1,2000\n"
)
DATASET = "extract_date,local_authorities\n2024-12-31,E08000018\n"
TWO_MONTHS = Selection(pd.Timestamp("2025-01-01"), pd.Timestamp("2025-02-28"))


def _load(**files):
    base = {"assets.csv": GOOD_ASSETS, "practices.csv": PRACTICES, "dataset.csv": DATASET}
    return load_texts(base | {name.replace("__", "."): text for name, text in files.items()})


# --- reading the published files -----------------------------------------------------------


def test_practice_file_is_known_by_its_headers_and_sums_social_prescribing_only():
    dataset, report = _load(Practice_Level_Crosstab_Feb_25__csv=crosstab(PRACTICE_ROWS))
    # the months fall after the extract date (2024-12-31): published figures are not the
    # extract's, so no date error
    assert report.lines() == []
    table = dataset.table("gp_appointments").set_index(["practice_code", "month"])
    jan, feb = pd.Timestamp("2025-01-01"), pd.Timestamp("2025-02-01")
    assert table.loc[("P1", jan), "appointments"] == 10  # attended 8 + did not attend 2
    assert table.loc[("P1", feb), "appointments"] == 20
    assert table.loc[("P3", feb), "appointments"] == 40  # not the 900 routine appointments
    assert table.loc[("P4", jan), "appointments"] == 0  # in the file with no SPS: 0
    assert table.loc[("P1", jan), "sub_icb_code"] == "S1"
    assert table.loc[("P1", jan), "pcn_code"] == "U1"
    assert dataset.extract_date == pd.Timestamp("2024-12-31")  # not moved by the file


def test_bad_counts_and_dates_are_named_with_row_column_and_what_is_allowed():
    rows = [
        ("01JAN2025", "P1", "S1", SPS, "ten", "Attended"),
        ("01JAN2025", "P1", "S1", ROUTINE, "lots", "Attended"),  # not counted: no message
        ("31/13/2025", "P2", "S1", SPS, 3, "Attended"),
        ("01JAN2025", "P2", "S1", SPS, 4, "Attended"),
    ]
    dataset, report = _load(pr__csv=crosstab(rows))
    assert report.lines() == [
        "pr.csv:4: APPOINTMENT_MONTH_START_DATE: '31/13/2025': not understood (allowed: a date "
        "such as 01SEP2026, as NHS England publishes it, or 2026-09-01); row left out",
        "pr.csv:2: COUNT_OF_APPOINTMENTS: 'ten': not understood (allowed: a whole number from "
        "0); row left out",
    ]
    table = dataset.table("gp_appointments").set_index("practice_code")
    assert table.loc["P2", "appointments"] == 4


def test_a_file_with_no_social_prescribing_rows_is_not_used():
    dataset, report = _load(pr__csv=crosstab([("01JAN2025", "P1", "S1", ROUTINE, 9, "DNA")]))
    assert not dataset.has("gp_appointments")
    assert report.lines() == [
        "pr.csv: no “Social Prescribing Service” appointments in this file (its national "
        "categories include General Consultation Routine): not used (warning)"
    ]


def test_monthly_files_add_up_and_a_month_given_twice_counts_once():
    january = crosstab(PRACTICE_ROWS[:1])
    again = crosstab([PRACTICE_ROWS[0], ("01FEB2025", "P1", "S1", SPS, 7, "Attended")])
    dataset, report = _load(jan__csv=january, feb__csv=again)
    assert report.lines() == [
        "jan.csv and feb.csv: 1 month of a practice or sub-ICB is in more than one file: "
        "counted once, from the first (warning)"
    ]
    assert dataset.table("gp_appointments")["appointments"].tolist() == [8, 7]


def test_sub_icb_days_add_up_to_months_with_the_coverage_file_s_registered_patients():
    dataset, report = _load(daily__csv=daily(DAILY_ROWS), APPOINTMENTS_GP_COVERAGE__csv=COVERAGE)
    assert report.lines() == []
    table = dataset.table("sub_icb_appointments").set_index(["sub_icb_code", "month"])
    jan = pd.Timestamp("2025-01-01")
    assert table.loc[("S1", jan), "appointments"] == 25  # 20 + 5, not the routine 999
    assert table.loc[("S1", jan), "registered"] == 10_000
    assert table.loc[("S1", jan), "sub_icb_ons_code"] == "E38000001"


def test_sub_icb_file_without_coverage_says_what_to_add():
    dataset, report = _load(daily__csv=daily(DAILY_ROWS))
    assert report.lines() == [
        "daily.csv: no registered patients for the sub-ICBs: add APPOINTMENTS_GP_COVERAGE.csv "
        "(published in the same zip) to work out rates (warning)"
    ]
    assert dataset.table("sub_icb_appointments")["registered"].isna().all()


def test_a_contract_file_of_the_same_table_wins():
    own = "practice_code,month,appointments\nP1,2025-01-01,99\n"
    dataset, report = _load(gp_appointments__csv=own, pr__csv=crosstab(PRACTICE_ROWS))
    assert report.lines() == [
        "pr.csv: not read: gp_appointments.csv holds the gp_appointments table (warning)"
    ]
    assert dataset.table("gp_appointments")["appointments"].tolist() == [99]


def test_fingertips_export_is_cut_to_england_sub_icbs_and_the_place():
    rows = [
        (1, OLD, "E92000001", "England", "England", "Persons", "", "2025", 18.9, "", ""),
        (1, OLD, "P1", "Practice One", "GPs", "Persons", "", "2025", 21.0, 20.0, 22.0),
        (1, OLD, "Z99999", "Far away", "GPs", "Persons", "", "2025", 30.0, 29.0, 31.0),
        (1, OLD, "P1", "Practice One", "GPs", "Persons", "Deprivation", "2025", 5.0, "", ""),
        (1, OLD, "P2", "Practice Two", "GPs", "Persons", "", "2025", "n/a", "", ""),
        (1, OLD, "E38000001", "S1", "Sub-ICBs", "Persons", "", "2025", "", "", ""),
    ]
    dataset, report = _load(export__csv=fingertips(rows))
    assert report.lines() == [
        "export.csv:6: Value: 'n/a': not a number; left blank (warning)",
        "export.csv: kept 4 of 6 rows: whole-population rows for England, the sub-ICBs, ICBs "
        "and regions, and the place's own areas, practices, PCNs and authorities (warning)",
    ]
    table = dataset.table("indicators")
    assert table["area_code"].tolist() == ["E92000001", "P1", "P2", "E38000001"]
    assert table.loc[1, "lower_ci"] == 20.0 and table.loc[1, "time_period_sortable"] == 20250000
    assert table["value"].isna().tolist() == [False, False, True, True]


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        (CROSSTAB, data.PRACTICE),
        (DAILY, data.SUB_ICB),
        (COVERAGE.splitlines()[0], data.COVERAGE),
        (FINGERTIPS_HEADER, data.FINGERTIPS),
        ("CCG_CODE,Appointment_Date,NATIONAL_CATEGORY,COUNT_OF_APPOINTMENTS", data.SUB_ICB),
        ("practice_code,month,appointments", None),
    ],
)
def test_kind_of_headers(headers, kind):
    assert data.kind_of_headers(headers.strip().split(",")) == kind


def test_registered_adults_for_practices_outside_the_place_come_from_nhs_digital():
    held = data.Held(practice=[("pr.csv", pd.DataFrame({
        "practice": ["P1", "P3"], "month": pd.to_datetime(["2025-01-01"] * 2),
        "appointments": [1.0, 2.0], "sub_icb": ["S1", "S2"],
    }))])  # fmt: skip
    tables: dict = {}
    report = data.Report()
    data.finish(held, tables, set(), pd.Series({"P3": 4000.0}), {}, report)
    assert tables["gp_appointments"]["registered"].tolist() == [pd.NA, 4000]
    assert report.lines() == []


# --- the figures ----------------------------------------------------------------------------


def test_practice_rates_per_1000_registered_adults_a_year():
    dataset, _ = _load(pr__csv=crosstab(PRACTICE_ROWS))
    # P3's and P4's registered adults as NHS Digital's files would give them
    table = dataset.tables["gp_appointments"]
    table.loc[table["practice_code"] == "P3", "registered"] = 4000
    result = benchmarks.practice_benchmark(dataset, TWO_MONTHS)
    assert result.in_period and result.months == [pd.Timestamp("2025-01-01"),
                                                   pd.Timestamp("2025-02-01")]  # fmt: skip
    rates = result.table.set_index("practice_code")["rate_per_1000"]
    # P1: 30 over 2 months of 1,000 adults: 30 x 12 x 1,000 / 2,000 = 180.0
    # P2: 10 x 12,000 / (2,000 x 2) = 30.0; P3: 80 x 12,000 / (4,000 x 2) = 120.0
    assert rates[["P1", "P2", "P3"]].tolist() == pytest.approx([180.0, 30.0, 120.0])
    assert pd.isna(rates["P4"]) and result.unlisted == 1  # no list size known
    summary = result.summary.set_index("comparison")["rate_per_1000"]
    # the place: 40 x 12,000 / (1,000 x 2 + 2,000 x 2) = 80.0
    # all with a list: 120 x 12,000 / (2,000 + 4,000 + 8,000) = 102.857
    assert summary.tolist() == pytest.approx([80.0, 102.857], abs=1e-3)
    assert result.table["practice_code"].tolist()[:2] == ["P1", "P2"]  # the place's first


def test_months_outside_the_period_fall_back_to_the_file_s_latest():
    months = pd.Series(pd.to_datetime(["2025-01-01", "2025-02-01"]))
    later = Selection(pd.Timestamp("2026-01-01"), pd.Timestamp("2026-06-30"))
    assert benchmarks.compared_months(months, later) == (list(months), False)
    part = Selection(pd.Timestamp("2024-11-01"), pd.Timestamp("2025-01-15"))
    assert benchmarks.compared_months(months, part) == ([months[0]], True)


def test_nearest_on_standardised_measures():
    measures = pd.DataFrame({"imd_score": [10.0, 20.0, 30.0, 40.0],
                             "over_65_pct": [15.0, 15.0, 25.0, 25.0]},
                            index=["A", "B", "C", "D"])  # fmt: skip
    # z of deprivation: mean 25, sd sqrt(125) = 11.18: -1.342, -0.447, 0.447, 1.342; of age:
    # mean 20, sd 5: -1, -1, 1, 1. From B (-0.447, -1): A 0.894; C sqrt(0.8 + 4) = 2.191;
    # D sqrt(3.2 + 4) = 2.683
    close = benchmarks.nearest(measures, pd.Series({"B": 1.0}), n=2)
    assert close.index.tolist() == ["A", "C"]
    assert close.tolist() == pytest.approx([0.8944, 2.1909], abs=1e-4)


def _benchmarked():
    return _load(
        pr__csv=crosstab(PRACTICE_ROWS),
        daily__csv=daily(DAILY_ROWS),
        APPOINTMENTS_GP_COVERAGE__csv=COVERAGE,
        export__csv=fingertips(PEER_ROWS),
    )[0]


def test_the_place_against_its_similar_sub_icbs_and_all_in_the_file():
    result = benchmarks.sub_icb_benchmark(_benchmarked(), TWO_MONTHS)
    assert result.place_codes == ("S1",)  # from the practice file's codes for P1 and P2
    assert result.measures == ("imd_score", "over_65_pct") and not result.england
    rates = result.table.set_index("sub_icb_code")["rate_per_1000"]
    # S1 50 x 12,000 / 20,000 = 30; S2 200 x 12,000 / 40,000 = 60; S3 10 x 12,000 / 10,000 = 12;
    # S4 100 x 12,000 / 80,000 = 15
    assert rates[["S1", "S2", "S3", "S4"]].tolist() == pytest.approx([30.0, 60.0, 12.0, 15.0])
    summary = result.summary.set_index("comparison")
    # peers (all three: fewer than 10): 310 x 12,000 / 130,000 = 28.615; all: 360 x 12,000 /
    # 150,000 = 28.8
    assert summary["rate_per_1000"].tolist() == pytest.approx([30.0, 28.615, 28.8], abs=1e-3)
    assert summary.index[2] == "All 4 sub-ICBs in the file"
    assert summary.loc["Its 10 most similar sub-ICBs", "lowest"] == pytest.approx(12.0)
    # nearest first: from S1 (deprivation 20, 65+ 15) S2 is nearest (as in the test above)
    peers = result.table[result.table["role"] == "peer"]
    assert peers.sort_values("distance")["sub_icb_code"].tolist() == ["S2", "S3", "S4"]


def test_answers_say_the_place_s_rate_against_peers_and_england():
    summary = pd.DataFrame(
        {
            "comparison": ["The place", "Its 10 most similar sub-ICBs", "England"],
            "sub_icbs": [1, 10, 106],
            "rate_per_1000": [55.7, 48.5, 50.0],
            "lowest": [55.7, 27.2, 16.3],
            "highest": [55.7, 79.2, 127.0],
        }
    )
    assert view.sub_icb_answer(summary, "Apr 2026 to Sep 2026") == (
        "The place recorded 55.7 “Social Prescribing Service” appointments per 1,000 registered "
        "patients a year (Apr 2026 to Sep 2026), against 48.5 for its 10 most similar sub-ICBs "
        "together (from 27.2 to 79.2) and 50.0 for England. The place is within its peers' range."
    )
    summary.loc[0, "rate_per_1000"] = 12.0
    assert view.sub_icb_answer(summary, "Jan 2025").endswith("below every one of its peers.")


def test_no_intervals_and_what_the_figures_cannot_show():
    panels = view.appointment_panels(_benchmarked(), TWO_MONTHS, Level.ROUND)
    names = [p.name for p in panels]
    assert names == ["benchmark_sub_icbs", "benchmark_similar_sub_icbs", "benchmark_practices",
                     "benchmark_practice_rates"]  # fmt: skip
    first = panels[0]
    assert "not people" in first.caption and "no Poisson interval" in first.caption
    assert "All 4 sub-ICBs in the file" in first.answer_text
    assert not any("CI" in label for p in panels for label in p.labels.values())
    assert panels[2].answer_text == (
        "The place's 2 practices recorded 80.0 “Social Prescribing Service” appointments per "
        "1,000 registered adults a year (Jan 2025 to Feb 2025), from 30.0 to 180.0 by "
        "practice; the file holds no other practice with a list size to compare with."
    )


def test_notes_say_what_to_load():
    dataset, _ = _load()
    panels = view.panels(dataset, TWO_MONTHS, Level.ROUND)
    assert [p.name for p in panels] == ["benchmark_sub_icbs", "benchmark_practices",
                                        "benchmark_indicator"]  # fmt: skip
    assert "APPOINTMENTS_GP_COVERAGE.csv" in panels[0].empty
    assert "Lower CI 95.0 limit" in panels[2].empty
    without_practices, _ = _load(daily__csv=daily(DAILY_ROWS))
    (note,) = view.sub_icb_panels(benchmarks.sub_icb_benchmark(without_practices, TWO_MONTHS),
                                  Level.ROUND)  # fmt: skip
    assert "Which sub-ICB is the place's?" in note.empty


def test_an_indicator_for_the_place_against_england():
    lonely = "Percentage of adults who feel lonely"
    rows = [
        (9, lonely, "E92000001", "England", "England", "Persons", "", "2023/24", 20.0, 19.8, 20.2),
        (
            9,
            lonely,
            "E08000018",
            "Rotherham",
            "Districts",
            "Persons",
            "",
            "2023/24",
            25.0,
            23.0,
            27.0,
        ),  # wholly above England's 20: higher
        (
            9,
            lonely,
            "E08000018",
            "Rotherham",
            "Districts",
            "Persons",
            "",
            "2021/22",
            99.0,
            98.0,
            99.9,
        ),  # an earlier period: not shown
        (
            9,
            lonely,
            "E08000018",
            "Rotherham",
            "Districts",
            "Female",
            "",
            "2023/24",
            30.0,
            28.0,
            32.0,
        ),  # persons shown where the export splits by sex
        (9, lonely, "P1", "Practice One", "GPs", "Persons", "", "2023/24", 19.0, 17.0, 21.0),
        (9, lonely, "P2", "Practice Two", "GPs", "Persons", "", "2023/24", 10.0, 8.0, 12.0),
        (9, lonely, "E38000001", "S1", "Sub-ICBs", "Persons", "", "2023/24", 21.0, "", ""),
    ]
    dataset, _ = _load(
        export__csv=fingertips(rows), pr__csv=crosstab(PRACTICE_ROWS),
        daily__csv=daily(DAILY_ROWS), APPOINTMENTS_GP_COVERAGE__csv=COVERAGE,
        area_lookup__csv="area_code,la_code,la_name\nE01000001,E08000018,Rotherham\n",
    )  # fmt: skip
    assert benchmarks.indicator_choices(dataset) == {"9": lonely}
    table, name = benchmarks.indicator_comparison(dataset, TWO_MONTHS, "9")
    assert name == lonely
    compared = dict(zip(table["area_code"], table["compared"], strict=True))
    # Rotherham 23-27 above 20: higher; P1 17-21 spans it: similar; P2 8-12 below: lower;
    # the place's sub-ICB has no interval: not compared
    assert compared == {"E08000018": "higher", "P1": "similar", "P2": "lower",
                        "E38000001": "not compared"}  # fmt: skip
    (panel,) = view.indicator_panels(dataset, TWO_MONTHS, Level.ROUND, "9")
    assert panel.answer_text == (
        "“Percentage of adults who feel lonely”, 2023/24, for 4 of the place's areas and "
        "practices against England (England 20.0): 1 higher, 1 similar, 1 lower and 1 not "
        "compared."
    )
    one = table[table["area_code"] == "E08000018"]
    assert view.indicator_answer(one, lonely) == (
        "“Percentage of adults who feel lonely”, 2023/24: Rotherham 25.0, higher than England "
        "(England 20.0)."
    )


@pytest.mark.parametrize(
    ("pattern", "table"),
    [
        ("*Practice_Level_Crosstab*.csv", "gp_appointments"),
        ("*NationalCategory*.csv", "sub_icb_appointments"),
        ("*fingertips*.csv", "indicators"),
    ],
)
def test_real_published_files_when_present(realdata, pattern, table):
    found = sorted(realdata.rglob(pattern))
    if not found:
        pytest.skip(f"no {pattern} in the shared real data")
    files = {f.name: f.read_bytes() for f in found[:2]}
    coverage = sorted(realdata.rglob("APPOINTMENTS_GP_COVERAGE.csv"))
    files |= {c.name: c.read_bytes() for c in coverage[:1]}
    dataset, report = load_texts({"assets.csv": GOOD_ASSETS} | files)
    assert report.errors == [], report.lines()[:5]
    assert len(dataset.table(table)) > 0
