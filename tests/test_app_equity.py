"""AppTest of the equity page, started from app.py: the demo data, place choices, an
assets-only folder."""

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGE = "pages/equity.py"
DEMO = Path(__file__).resolve().parent.parent / "data" / "demo"
WARD = pd.read_csv(DEMO / "area_lookup.csv")["ward_code"].iloc[0]
ASSETS = (
    "asset_id,name,category,latitude,longitude\nA1,Walking club,physical activity,53.43,-1.35\n"
)


def _panel_answers(at: AppTest) -> list:
    """The page's markdown but its summary ("What this page found", which opens the page with
    the panels' answers): the panels' own answers among it."""
    return [m for m in at.markdown if not m.value.startswith("**What this page found**")]


def _equity(monkeypatch, folder: Path | None = None) -> AppTest:
    if folder is None:
        monkeypatch.delenv("SOCIALRX_DATA", raising=False)
    else:
        monkeypatch.setenv("SOCIALRX_DATA", str(folder))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Equity"
    return at


def _text(at: AppTest) -> str:
    parts = [c.value for c in at.caption] + [i.value for i in at.info]
    return "\n".join(parts)


@pytest.fixture(scope="module")
def demo():
    with pytest.MonkeyPatch.context() as mp:
        yield _equity(mp)


def test_equity_page_on_the_demo_data(demo):
    at = demo
    subheaders = [s.value for s in at.header]
    for title in (
        "Practices compared fairly",
        "Practices ranked by referral rate, with 95% intervals",
        "Practices standardised for age and sex",
        "Referral rate by deprivation quintile",
        "Referral rate by deprivation decile",
        "Referrals from the most deprived fifth",
        "Slope index of inequality",
        "Who was referred",
        "How complete the recording is",
        "Recording completeness by practice",
        "Recording completeness by link worker",
    ):
        assert title in subheaders, title
    text = _text(at)
    assert "Spiegelhalter" in text and "Overdispersion test" in text
    assert "gp-reg-pat-prac-sing-age" in text  # the files registered_ages comes from
    assert "indirect standardisation" in text and "Technical Briefing 3" in text
    assert "Not yet possible" not in text  # the demo has registered_ages
    assert "TS007A" in text and "TS021" in text
    assert "national" in text  # deciles from the IoD files are national
    assert "weighted least squares" in text
    assert at.metric[0].label == "Referrals from the most deprived fifth"
    ranked = at.dataframe[0].value
    assert "95% CI from" in ranked.columns and "Below the place beyond chance" in ranked.columns
    assert set(ranked["Below the place beyond chance"]) <= {"yes", "no", "borderline", "–"}
    # the page's first words answer its question: the two demo practices that hardly refer
    answers = [m.value for m in _panel_answers(at)]
    funnel = next(a for a in answers if "beyond chance" in a)
    assert "X90004" in funnel and "X90009" in funnel
    # beside each practice compared, how complete its recording is (the completeness table's)
    assert {"Age band recorded (%)", "Ethnicity recorded (%)"} <= set(ranked.columns)
    assert set(ranked["Ethnicity recorded (%)"]) - {"too few", "*", "–"} <= {
        str(p) for p in range(101)
    }
    # every panel leads with its answer, worked out from what it shows
    for words in (
        "Referrals per 1,000 registered adults a year run from",
        "Adults living in the most deprived fifth of areas (IMD quintile 1) are referred at",
        "Adults living in the most deprived tenth of areas (IMD decile 1)",
        "of adult referrals with a known decile come from people living in the most deprived "
        "fifth of areas, where",
        "Referrals rise with deprivation: the modelled rate is",
        "The largest groups referred:",
        "Every month with enough referrals to judge records each field for at least 80%",
        "Every practice with enough referrals to judge",
        "Every link worker with enough referrals to judge",
    ):
        assert any(words in a for a in answers), words
    # every shown count is a multiple of 5 at the default level
    counts = ranked["Adult referrals"].str.replace(",", "")
    assert all(c == "*" or int(c) % 5 == 0 for c in counts)


def test_equity_standardised_for_age_and_sex_on_the_demo(demo):
    at = demo
    (table,) = [d.value for d in at.dataframe if "Observed / expected" in d.value.columns]
    table = table.set_index("Practice code")
    assert len(table) == 10
    # the funnel's two questions in its words: below the place beyond chance (the ratio's
    # 99.8% interval wholly below 1), and not unusual among practices once their wide
    # variation is allowed for (the additive allowance, the default)
    for code in ("X90004", "X90009"):
        assert table.loc[code, "Below the place beyond chance"] == "yes"
        assert table.loc[code, "Unusually low among practices"] == "no"
    counts = table["Adult referrals (age band and sex recorded)"].str.replace(",", "")
    assert all(c == "*" or int(c) % 5 == 0 for c in counts)
    # about 20 referrals, shown as 20: the interval over every count 18-22 the rounding allows
    assert float(table.loc["X90009", "99.8% CI from"]) < float(table.loc["X90009", "99.8% CI to"])
    # beside each practice, the share of its adult referrals in a stratum
    assert table.loc["X90004", "Age band and sex recorded (%)"] in {str(p) for p in range(80, 101)}
    # its answer names both, with their ratios as shown, and what each allowance says
    answer = next(m.value for m in _panel_answers(at) if "observed / expected referrals" in m.value)
    assert answer.startswith(
        "**2 practices refer less than the place beyond chance (observed / expected referrals, "
        "given the age and sex of their lists): Brackenby Medical Practice (X90004: 0.17); "
        "Kelby Moor Medical Practice (X90009: 0.12). None of them is unusual among practices "
        "once the wide variation between practices is allowed for by an additive random effect "
        "(tau²); with no allowance (Poisson limits only), both would be; with the "
        "multiplicative allowance (√phi), Brackenby Medical Practice (X90004) would be."
    )
    assert any(c.value.startswith("Left out: ") for c in at.caption)
    assert any(
        b.proto.label == "Download the standardised ratios (CSV)" for b in at.get("download_button")
    )


def test_equity_funnel_method_can_be_changed(demo):
    at = demo
    ranked = at.dataframe[0].value.set_index("Practice code")
    # whatever the method, the two demo practices that hardly refer are below the place
    # beyond chance (the Poisson 99.8% limit): the method changes only the second question
    for method in ("none", "multiplicative", "additive"):
        at.radio(key="equity_overdispersion").set_value(method).run()
        assert not at.exception
        ranked = at.dataframe[0].value.set_index("Practice code")
        assert ranked.loc["X90004", "Below the place beyond chance"] == "yes"
        assert ranked.loc["X90009", "Below the place beyond chance"] == "yes"
        assert "exact Poisson limits" in _text(at)
        # the answers name the same two whatever the method, and say what it changes
        funnel, standardised = (
            next(m.value for m in _panel_answers(at) if words in m.value)
            for words in ("registered adults a year, against", "observed / expected referrals")
        )
        for answer in (funnel, standardised):
            assert "Brackenby Medical Practice (X90004" in answer
            assert "Kelby Moor Medical Practice (X90009" in answer
        if method == "none":
            assert "no allowance is made for it (as chosen)" in funnel
            assert "with the additive allowance (tau²), none would be" in funnel
    at.radio(key="equity_overdispersion").set_value("multiplicative").run()
    assert "sqrt(phi)" in _text(at)
    funnel = next(
        m.value for m in _panel_answers(at) if "registered adults a year, against" in m.value
    )
    assert (
        "Brackenby Medical Practice (X90004) also stands out as unusual among practices" in funnel
    )
    assert "with the additive allowance (tau²), none would be" in funnel


def _equity_for(monkeypatch, kind: str, codes: list[str]) -> AppTest:
    """The page for a place chosen first on the overview (the sidebar keeps it)."""
    monkeypatch.delenv("SOCIALRX_DATA", raising=False)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.sidebar.selectbox(key="place_kind").set_value(kind).run()
    at.sidebar.multiselect(key=f"place_{kind}").set_value(codes).run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Equity"
    return at


def test_equity_with_areas_chosen_has_no_practice_rates(monkeypatch):
    at = _equity_for(monkeypatch, "ward", [WARD])
    assert any("no valid denominator" in i.value for i in at.info)
    assert "Referral rate by deprivation decile" in [s.value for s in at.header]
    assert "Practices ranked by referral rate, with 95% intervals" not in [
        s.value for s in at.header
    ]


def test_equity_with_a_pcn_chosen_shows_shares_not_rates(monkeypatch):
    at = _equity_for(monkeypatch, "PCN", ["XPCN01"])
    subheaders = [s.value for s in at.header]
    assert "Share of referrals by deprivation decile" in subheaders
    assert "Referral rate by deprivation decile" not in subheaders
    assert any("Needs rates per resident adult" in i.value for i in at.info)
    assert "Practices compared fairly" in subheaders
    assert "Practices standardised for age and sex" in subheaders
    (table,) = [d.value for d in at.dataframe if "Observed / expected" in d.value.columns]
    assert set(table["Practice code"]) == {"X90001", "X90002", "X90003", "X90004", "X90005"}


def test_equity_on_an_assets_only_folder(tmp_path, monkeypatch):
    (tmp_path / "assets.csv").write_text(ASSETS, encoding="utf-8")
    at = _equity(monkeypatch, tmp_path)
    assert any("`referrals`" in w.value for w in at.warning)
    assert not at.header


def test_equity_with_disclosure_off_shows_exact_figures(monkeypatch):
    monkeypatch.delenv("SOCIALRX_DATA", raising=False)
    monkeypatch.setenv("SOCIALRX_MIN_DISCLOSURE", "off")  # a deployment that allows it
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.sidebar.radio(key="disclosure").set_value("off").run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, at.exception
    ranked = at.dataframe[0].value.set_index("Practice code")
    assert ranked.loc["X90009", "Adult referrals"] == "18"  # exact: 18 in the demo's last year
    assert any("exact (disclosure control is off)" in c.value for c in at.caption)


def test_equity_rates_by_ethnic_group_and_benchmarks_on_the_demo(demo):
    """Issue 25: rates per 1,000 residents by ethnic group with intervals and completeness; the
    place's social prescribing appointments beside England's and its peers'; a Fingertips
    indicator against England, chosen on the page."""
    at = demo
    headers = [h.value for h in at.header]
    for title in (
        "Referral rates by ethnic group",
        "Social prescribing appointments: the place, similar places and England",
        "The place's sub-ICB and the most similar sub-ICBs",
        "Social prescribing appointments by practice",
        "A public health indicator for the place, against England",
    ):
        assert title in headers, title
    answers = [m.value for m in at.markdown]
    ethnic = next(a for a in answers if a.startswith("**Referrals per 1,000 residents a year"))
    assert "for the place (referrals with an ethnic group recorded)" in ethnic
    assert "have an ethnic group recorded" in ethnic
    (rates,) = [d.value for d in at.dataframe if "Ethnic group" in d.value.columns]
    assert rates["Ethnic group"].tolist() == ["Asian", "Black", "Mixed", "White", "Other"]
    assert {"95% CI from", "95% CI to", "Ethnic group recorded (%)"} <= set(rates.columns)
    counts = rates["Referrals (all ages)"].str.replace(",", "")
    assert all(c == "*" or int(c) % 5 == 0 for c in counts)  # disclosed as everywhere else
    place = next(a for a in answers if "appointments per 1,000 registered patients" in a)
    assert "for its 10 most similar sub-ICBs together" in place and "for England" in place
    assert any("not people" in c.value for c in at.caption)
    indicator = at.selectbox(key="equity_indicator")
    assert indicator.options[0] == "% aged 65+ years [demo values]"  # by name: the first
    indicator.set_value("99903").run()  # the demo's loneliness, by local authority
    assert not at.exception
    answers = [m.value for m in at.markdown]
    lonely = next(a for a in answers if "feel lonely" in a)
    assert "Rotherham" in lonely and "than England" in lonely
