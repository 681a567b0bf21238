"""A provider's report for its funders: one financial year, offline and printable; who it
reached against the place; its records' ages; the command line."""

from pathlib import Path

import pandas as pd
import pytest

from socialrx.__main__ import main
from socialrx.disclosure import Level
from socialrx.metrics import reach
from socialrx.provenance import FOOTER_LINES
from socialrx.report import funder_report
from socialrx.views import funder

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo"
LUNCH_CLUB = "ORG008"  # Brackenby Partnership, which runs Brackenby Lunch Club


@pytest.fixture(scope="module")
def report(demo):
    return funder_report(demo, Level.ROUND, LUNCH_CLUB, "2025/26")


def test_a_financial_year_runs_april_to_march_cut_at_the_end_of_the_data(demo):
    year, note = reach.financial_year_selection(demo, "2025/26")
    assert (year.start, year.end) == (pd.Timestamp("2025-04-01"), pd.Timestamp("2026-03-31"))
    assert note == ""
    part, note = reach.financial_year_selection(demo, "FY26/27")  # the demo ends 30 Sep 2026
    assert part.end == pd.Timestamp("2026-09-30") and "part of 2026/27" in note
    with pytest.raises(ValueError, match="like 2025/26"):
        reach.financial_year_selection(demo, "2025")
    with pytest.raises(ValueError, match="outside the data"):
        reach.financial_year_selection(demo, "2030/31")
    years = reach.financial_years(demo)  # the demo runs from 2 Oct 2023 to 30 Sep 2026
    assert list(years) == ["2026/27", "2025/26", "2024/25", "2023/24"]
    assert years["2026/27"] == "2026/27 (to Sep 2026: part of the year)"
    assert years["2023/24"] == "2023/24 (from Oct 2023: part of the year)"
    assert reach.latest_whole_year(years) == "2025/26"


def test_the_report_holds_every_section_at_the_default_level(report):
    html = report.html
    assert "<h1>Report for funders: Brackenby Partnership, 2025/26" in html
    for section in ("People sent, started, waiting and turned away", "Who it reached",
                    "Outcomes of the people it was sent", "Funding against the work",
                    "Social value", "Its directory records"):  # fmt: skip
        assert f"<h2>{section}</h2>" in html
    assert "01 Apr 2025 to 31 Mar 2026" in html and "Round to 5" in html
    assert "What these numbers cannot show" in html and "not changes it caused" in html
    # social value: a range, its source and price year, and what it is not
    assert "Wellbeing guidance for appraisal" in html and "2019 prices" in html
    assert "Not a Green Book appraisal" in html and "no duration assumed" in html
    for name in ("provider_demand", "funding_gap", "provider_social_value"):
        table = report.tables[name]
        for column in {"People sent", "Started", "Measured at both"} & set(table.columns):
            assert all(v == "*" or float(v) % 5 == 0 for v in table[column].dropna())
    # one provider's funding: no other organisation's row
    assert set(report.tables["funding_gap"]["Provider"]) == {"Brackenby Partnership"}


def test_the_lunch_clubs_social_value_is_a_range_on_thirty_shown(report):
    row = report.tables["provider_social_value"].iloc[0]
    assert row["Measured at both"] == 30  # 29 true, shown as 30: enough to judge
    low, high = (
        float(row["£ a person a year it lasts: low"]),
        float(row["£ a person a year it lasts: high"]),
    )
    assert low < float(row["£ a person a year it lasts: central"]) < high


def test_stated_assumptions_are_shown_with_the_figure(demo):
    from socialrx.metrics.selection import Selection
    from socialrx.metrics.social_value import Assumptions

    year = Selection(pd.Timestamp("2025-04-01"), pd.Timestamp("2026-03-31"))
    stated = Assumptions(attribution=0.25, years=1)
    plain = funder.social_value_panel(demo, year, Level.ROUND, LUNCH_CLUB, Assumptions())
    assumed = funder.social_value_panel(demo, year, Level.ROUND, LUNCH_CLUB, stated)
    # a quarter of the change for one year: every £ figure a quarter of the one with none
    central = plain.disclosed.values["value_central_gbp"].iloc[0]
    assert assumed.disclosed.values["value_central_gbp"].iloc[0] == pytest.approx(
        central / 4, abs=1
    )
    assert "25% of the change attributed to the service (your assumption)" in assumed.caption
    assert "25% of the change attributed" in assumed.answer_text


def test_who_it_reached_is_a_share_of_those_recorded_beside_the_place():
    # 10 referrals: 6 female, 3 male, 1 not stated; the place's registered adults 50/50
    referrals = pd.DataFrame(
        {
            "referral_id": [f"R{i}" for i in range(10)],
            "age_band": ["18-24"] * 10,
            "sex": ["female"] * 6 + ["male"] * 3 + ["not stated"],
            "ethnicity": ["white"] * 10,
            "area_code": ["E1"] * 10,
        }
    )

    class Data:
        tables = {
            "registered_ages": pd.DataFrame(
                {
                    "practice_code": ["P", "P"],
                    "age_band": ["18-24", "18-24"],
                    "sex": ["female", "male"],
                    "patients": [500, 500],
                }
            ),  # fmt: skip
        }

        def has(self, name):
            return name in self.tables

        def table(self, name):
            return self.tables[name]

    table = reach.reach_table(referrals, Data())
    sex = table[table["characteristic"] == "Sex"].set_index("group")
    assert sex.loc["female", "people"] == 6 and sex.loc["not recorded", "people"] == 1
    assert sex.loc["female", "population_pct"] == 50.0
    shown = reach.SPEC.disclose(table, Level.OFF).values
    female = shown[(shown["characteristic"] == "Sex") & (shown["group"] == "female")].iloc[0]
    # off: 6 of the 9 recorded = 67%; Wilson 95%: centre (6 + 1.92) / (9 + 3.84) = 0.617,
    # half 1.96 x sqrt(9 x 2/3 x 1/3 + 0.96) / 12.84 = 0.263: 35.4% to 87.9%
    assert female["share_pct"] == 67
    assert (female["ci_low"], female["ci_high"]) == pytest.approx((35.4, 87.9), abs=0.1)
    # no population for deprivation or ethnic group here: no share of the place
    assert table.loc[table["characteristic"] == "Ethnic group", "population_pct"].isna().all()


def test_record_ages_in_whole_months_before_the_extract():
    assets = pd.DataFrame(
        {
            "asset_id": ["A", "B", "C"],
            "name": ["a", "b", "c"],
            "last_verified": pd.to_datetime(["2025-09-30", "2025-10-01", None]),
        }
    )
    ages = reach.record_ages(assets, pd.Timestamp("2026-09-30")).set_index("asset_id")
    # 30 Sep 2025 to 30 Sep 2026: 12 months (not stale); 1 Oct 2025: 11 months
    assert ages.loc["A", "months_since"] == 12 and ages.loc["A", "stale"] == "no"
    assert ages.loc["B", "months_since"] == 11
    assert ages.loc["C", "stale"] == "not known" and ages.loc["C", "last_verified"] == (
        "never recorded"
    )
    old = reach.record_ages(assets.iloc[:1], pd.Timestamp("2026-11-01"))
    assert old["months_since"].iloc[0] == 13 and old["stale"].iloc[0] == "yes"


def test_the_report_command_writes_a_providers_year(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SOCIALRX_MIN_DISCLOSURE", "round")
    out = tmp_path / "funder"
    code = main(["report", str(DEMO), "--provider", LUNCH_CLUB, "--year", "2025/26",
                 "--out", str(out), "--disclosure", "off"])  # fmt: skip
    said = capsys.readouterr().out
    assert code == 0 and "looser than this deployment allows" in said
    assert "2025/26 report for funders of Brackenby Partnership" in said
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Report for funders" in html and "Round to 5" in html
    gap = pd.read_csv(out / "funding_gap.csv", dtype=str, engine="python",
                      skipfooter=FOOTER_LINES)  # fmt: skip
    assert gap["Financial year"].tolist() == ["2025/26"]
    for args, says in (
        (["--provider", "ORG999", "--year", "2025/26"], "runs no asset"),
        (["--provider", LUNCH_CLUB, "--year", "2025"], "like 2025/26"),
        (["--provider", LUNCH_CLUB, "--year", "2031/32"], "outside the data"),
        (["--provider", LUNCH_CLUB], "both --provider ORG and --year"),
        (["--provider", LUNCH_CLUB, "--year", "2025/26", "--place", "pcn:X"], "do not apply"),
    ):
        assert main(["report", str(DEMO), "--out", str(out), *args]) == 1
        assert says in capsys.readouterr().out


def test_the_lunch_clubs_report_opens_offline_and_prints(report, tmp_path):
    from browser_assets import offline_report

    report.write(tmp_path)
    with offline_report(tmp_path / "report.html") as opened:
        opened.page.emulate_media(media="print")
        pdf = opened.page.pdf(format="A4")
    outside, errors, drawn = opened.outside, opened.errors, opened.drawn
    assert not outside and not errors
    assert drawn >= 5
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 5


def test_names_from_the_files_are_escaped(tmp_path, capsys):
    import shutil

    folder = tmp_path / "data"
    shutil.copytree(DEMO, folder, ignore=shutil.ignore_patterns(".socialrx-cache"))
    orgs = folder / "organisations.csv"
    orgs.write_text(orgs.read_text(encoding="utf-8").replace(
        "Brackenby Partnership", "Tom's <script>alert(1)</script>"), encoding="utf-8")  # fmt: skip
    assert main(["report", str(folder), "--provider", LUNCH_CLUB, "--year", "2025/26",
                 "--out", str(tmp_path / "out")]) == 0  # fmt: skip
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
