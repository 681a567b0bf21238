"""AppTest of "What this page found" on every page that answers a question, on the demo data:
the block is there, says what the disclosed tables say (worked out by hand below from the
tables the pages show), and holds the answer of every panel the page draws."""

import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from socialrx.disclosure import Level
from socialrx.escape import markdown_text
from socialrx.metrics import benchmarks as benchmark_metrics
from socialrx.metrics.selection import default_selection
from socialrx.views import (
    benchmarks,
    capacity,
    equity,
    ethnicity,
    outcomes,
    pages,
    provider,
)

APP = str(Path(__file__).resolve().parent.parent / "app.py")
FOUND = "**What this page found**"


@pytest.fixture(scope="module")
def app():
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("SOCIALRX_DATA", raising=False)  # the demo
        at = AppTest.from_file(APP, default_timeout=180)
        at.run()
        assert not at.exception, at.exception
        yield at


@pytest.fixture(scope="module")
def demo(demo):  # the shared demo (conftest.py), with its default period
    return demo, default_selection(demo)


def _open(at: AppTest, page: str, title: str) -> AppTest:
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert at.title[0].value == title
    return at


def _summary(at: AppTest) -> str:
    """The page's one summary block, as drawn (escaped markdown)."""
    found = [m.value for m in at.markdown if m.value.startswith(FOUND)]
    assert len(found) == 1, found
    return found[0]


def _said(at: AppTest) -> dict[str, str]:
    """The summary's lines by their heading ("" for a line with none), unescaped."""
    lines = {}
    for line in _summary(at).splitlines()[2:]:
        heading = re.match(r"- \*\*(.+?):\*\* ", line)
        text = line[heading.end() :] if heading else line.removeprefix("- ")
        lines[heading.group(1) if heading else str(len(lines))] = re.sub(r"\\(.)", r"\1", text)
    return lines


def _drawn_answers(at: AppTest) -> list[str]:
    """Each panel's answer as the page draws it (bold, escaped), the summary aside."""
    return [
        m.value[2:-2]
        for m in at.markdown
        if re.fullmatch(r"\*\*[^\n]+\*\*", m.value) and not m.value.startswith(FOUND)
    ]


def _every_answer_in_the_summary(at: AppTest, panels=()) -> None:
    """Each answer the page draws is in its summary: as it is, or as its panel's opening
    (`lead`) where the panel has one (the panels built here as the page builds them)."""
    leads = {markdown_text(p.answer_text): markdown_text(p.lead_text) for p in panels}
    summary = _summary(at)
    drawn = _drawn_answers(at)
    assert drawn
    for answer in drawn:
        assert leads.get(answer, answer) in summary, answer


def _table(at: AppTest, column: str) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_the_overview_says_its_headlines_in_words(app):
    at = app  # its first run: the overview
    assert at.title[0].value == "Social prescribing overview"
    cards = {m.label: m for m in at.metric}
    # the cards, as shown: 2,990 referrals (+360 on the 2,630 of the months before), 54%
    # connected (53% before), 3 assets over capacity (2 before), SWEMWBS +1.2 points
    assert (cards["Referrals"].value, cards["Referrals"].delta) == ("2,990", "+360")
    assert cards["Over capacity"].value == "3" and cards["Over capacity"].delta == "+1"
    assert _said(at) == {
        "0": "2,990 referrals, 360 more than in the months just before; 54% of those old "
        "enough to judge connected within 90 days, up 1 point; 3 assets over capacity, 1 more "
        "than before; SWEMWBS rose by 1.2 points on average among people measured twice "
        "(higher is better)."
    }
    assert not _drawn_answers(at)  # said once: the summary is the headline panel's answer


def test_referral_flows_says_whether_volume_is_rising_and_whether_it_is_the_season(app, demo):
    at = _open(app, "pages/referral_flows.py", "Referral flows")
    said = _said(at)
    assert list(said) == ["Referrals", "Signal or noise", "Practices and areas", "Pathway"]
    # the SPC chart's months as shown: Oct 2025 to Sep 2026 add up to 2,990 (250 + 245 + 325
    # + 295 + 300 + 300 + 230 + 220 + 205 + 195 + 205 + 220), the 12 before to 2,630 (230 +
    # 215 + 255 + 290 + 260 + 255 + 215 + 215 + 170 + 190 + 150 + 185): 360 / 2,630 = 14%
    # more. Oct 2025 to Apr 2026 signal high; Oct 2024 to Apr 2025 did not signal
    assert said["Signal or noise"].startswith(
        "14% more referrals in the 12 months to Sep 2026 than a year before (2,990 against "
        "2,630). Referrals show special cause variation: higher from Oct 2025 to Apr 2026, "
        "neither better nor worse; it does not repeat a signal of the same months a year "
        "before, so it is not the season alone."
    )
    table = _table(at, "Referrals per 1,000 registered adults a year").set_index("Practice code")
    rates = table["Referrals per 1,000 registered adults a year"]
    assert (rates.iloc[0], rates.iloc[-1]) == ("19.7", "1.7")  # ranked by the rate shown
    assert said["Practices and areas"].startswith(
        "Highest rate: Greystowe Medical Practice (X90007), 19.7 referrals per 1,000 registered "
        "adults a year; lowest: Kelby Moor Medical Practice (X90009), 1.7."
    )
    dataset, chosen = demo
    _every_answer_in_the_summary(
        at, pages.panels_of(pages.referral_flows(dataset, chosen, Level.ROUND))
    )


def test_equity_names_the_practices_below_the_place_beyond_chance(app, demo):
    at = _open(app, "pages/equity.py", "Equity")
    said = _said(at)
    assert list(said) == [
        "Practices",
        "Deprivation",
        "Who was referred",
        "Recording",
        "England and places like it",
    ]
    ranked = _table(at, "Below the place beyond chance").set_index("Practice code")
    # the ranked table as shown: X90004 90 referrals from 40,628 registered adults (2.2 per
    # 1,000 a year), X90009 20 from 11,835 (1.7), both below beyond chance; the place 2,995
    # referrals from 219,249 adults, 13.7
    assert ranked.loc["X90004", ["Adult referrals", "Registered adults"]].tolist() == ["90", 40628]
    assert set(ranked.index[ranked["Below the place beyond chance"] == "yes"]) == {
        "X90004",
        "X90009",
    }
    assert (ranked["Above the place beyond chance"] == "yes").sum() == 6
    assert said["Practices"].startswith(
        "2 practices refer less than the place beyond chance (referrals per 1,000 registered "
        "adults a year, against the place's 13.7): Brackenby Medical Practice (X90004: 2.2); "
        "Kelby Moor Medical Practice (X90009: 1.7); 6 refer more."
    )
    assert "(X90004: 0.17; X90009: 0.12)" in said["Practices"]  # the standardised ratios
    dataset, chosen = demo
    indicator = next(iter(benchmark_metrics.indicator_choices(dataset)), None)
    panels = [
        *equity.panels(dataset, chosen, Level.ROUND),
        *ethnicity.panels(dataset, chosen, Level.ROUND),
        *benchmarks.panels(dataset, chosen, Level.ROUND, indicator),
    ]
    _every_answer_in_the_summary(at, panels)


def test_capacity_says_whether_we_are_over_capacity_and_who(app, demo):
    at = _open(app, "pages/capacity.py", "Capacity")
    said = _said(at)
    assert list(said) == ["Providers", "Assets", "Categories", "Areas"]
    assets = _table(at, "Strain (demand / capacity, %)")
    over = assets[assets["Over capacity"] == "yes"]
    # the All assets table as shown: three assets over capacity, most strained first
    assert list(zip(over["Asset"], over["Strain (demand / capacity, %)"], strict=True)) == [
        ("A0070", "154"),
        ("A0026", "134"),
        ("A0023", "125"),
    ]
    assert said["Assets"] == (
        "3 of 131 assets stating a capacity were sent more people than they can take: "
        "Brackenby Money Advice (A0070, 154%), Brackenby Lunch Club (A0026, 134%) and "
        "Greystowe Walking Friends (A0023, 125%)."
    )
    providers = _table(at, "At 85% or more")
    providers = providers[providers["Provider"] == "Brackenby Partnership"].iloc[0]
    assert (providers["Strain (%)"], providers["Over 100%"]) == ("96", "no")
    assert said["Providers"] == (
        "0 of 49 providers stating a capacity were sent more people than they can take; 1 is "
        "at 85-100% of capacity: Brackenby Partnership (96%)."
    )
    dataset, chosen = demo
    panels = capacity.panels(dataset, chosen, Level.ROUND)
    _every_answer_in_the_summary(
        at, [*panels, *capacity.system_panels(dataset, chosen, Level.ROUND)]
    )


def test_the_provider_view_says_its_strain_first(app, demo):
    at = _open(app, "pages/capacity.py", "Capacity")
    at.session_state["capacity_tab"] = "My organisation"
    at.run()
    assert not at.exception, at.exception
    chosen_provider = at.session_state["provider"]
    spans = _table(at, "Capacity a month").set_index("Months")
    whole = spans["Strain (%)"].iloc[0]  # the whole period comes first
    said = _said(at)
    assert said["0"].startswith(f"Over the whole period Ashcombe Collective was at {whole}%")
    dataset, chosen = demo
    by = provider.choose_grain(dataset, chosen, Level.ROUND, chosen_provider)
    _every_answer_in_the_summary(
        at, provider.provider_panels(dataset, chosen, Level.ROUND, chosen_provider, by)
    )


def test_outcomes_says_whether_wellbeing_changed(app, demo):
    at = _open(app, "pages/outcomes.py", "Outcomes")
    change = _table(at, "Mean change").set_index("Measure").loc["SWEMWBS (metric score)"]
    # the change table as shown: 585 measured twice, +1.2 points (95% CI 1.0 to 1.4)
    assert change[["Measured at both", "Mean change", "95% CI from", "95% CI to"]].tolist() == [
        "585",
        "1.2",
        "1.0",
        "1.4",
    ]
    assert _said(at)["0"] == (
        "SWEMWBS (metric score) rose by 1.2 points on average among 585 people measured twice "
        "(95% CI 1.0 to 1.4); higher is better."
    )
    dataset, chosen = demo
    panels = outcomes.panels(dataset, chosen, Level.ROUND)
    whom = outcomes.for_whom(dataset, chosen, Level.ROUND, outcomes.paired_measures(panels)[0],
                             "age_band")  # fmt: skip
    _every_answer_in_the_summary(at, [*panels, whom])


def test_outcomes_too_few_to_judge_says_so(monkeypatch):
    monkeypatch.delenv("SOCIALRX_DATA", raising=False)
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.sidebar.selectbox(key="place_kind").set_value("practice").run()
    at.sidebar.multiselect(key="place_practice").set_value(["X90009"]).run()
    at = _open(at, "pages/outcomes.py", "Outcomes")
    change = _table(at, "Mean change").set_index("Measure").loc["SWEMWBS (metric score)"]
    # the practice that hardly refers: 1-7 people measured twice (hidden), so no mean; 30 - 7
    # = 23 to 30 - 1 = 29 more would make it judgeable
    assert (change["Measured at both"], change["Mean change"]) == ("*", "too few")
    assert _said(at)["0"] == (
        "Too few people measured twice to judge the change on SWEMWBS (metric score): 1-7 "
        "paired (30 are needed: 23 to 29 more measured twice would make it judgeable). "
        f"{change['With baseline']} had a baseline."
    )


def test_the_asset_map_and_directory_answer_first(app):
    at = _open(app, "pages/asset_map.py", "Asset map")
    gaps = _table(at, "Need and access")
    high_low = gaps[gaps["Need and access"] == "high need, low access"]
    assert _said(at)["0"].startswith(
        f"{len(high_low)} areas, home to {high_low['Adults'].sum():,.0f} adults, have high need "
        "and low access to community assets"
    )
    _every_answer_in_the_summary(at)
    at = _open(at, "pages/directory.py", "Directory")
    own = _table(at, "Stale (not verified in 12 months)")
    stale = own.loc[own["Stale (not verified in 12 months)"] == "yes", "Name"].tolist()
    assert _said(at)["0"] == (
        f"Ashcombe Collective has {len(own)} asset records: 1 stale (not verified in 12 months: "
        f"{stale[0]}); 1 hidden from filters (Ashcombe Peer Support Circle: no capacity)."
    )
    everyone = _table(at, "Missing fields")
    assert _said(at)["1"].startswith(
        f"Of {everyone['Assets'].astype(int).sum()} asset records, "
        f"{everyone['Stale'].astype(int).sum()} are stale and "
        f"{everyone['Missing fields'].astype(int).sum()} lack a schedule"
    )
    _every_answer_in_the_summary(at)
