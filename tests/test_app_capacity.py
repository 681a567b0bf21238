"""AppTest of the capacity page: started from app.py, each tab opened, sliders moved."""

import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")
ANSWERS = {"yes", "no", "borderline", "–"}
EVIL = "[x](http://evil) ![i](http://e/i.png)"  # a provider's name that is markdown


@pytest.fixture(scope="module")
def page():
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("pages/capacity.py")
    at.run()
    return at


def _open(at: AppTest, tab: str) -> AppTest:
    """Open a tab: the page's tabs are lazy (only the open one runs), their state keyed."""
    at.session_state["capacity_tab"] = tab
    at.run()
    assert not at.exception, (tab, at.exception)
    assert at.title[0].value == "Capacity"
    return at


def _subheaders(at: AppTest) -> list[str]:
    return [s.value for s in at.header]


def _metrics(at: AppTest) -> dict:
    return {m.label: m for m in at.metric}


def test_the_system_view_rates_every_provider(page):
    at = page
    assert not at.exception, at.exception
    assert at.title[0].value == "Capacity"
    assert [m.label for m in at.metric][:1] == ["Assets over capacity"]
    titles = _subheaders(at)
    for part in ("All assets", "Every provider's strain", "Strain by category and month",
                 "Categories where demand outruns capacity",
                 "People waiting or turned away, by category"):  # fmt: skip
        assert part in titles, part
    rated = next(d.value for d in at.dataframe if "Over 100%" in d.value.columns)
    assert set(rated["Over 100%"]) <= ANSWERS and set(rated["At 85% or more"]) <= ANSWERS
    # each rated panel answers in a sentence first
    answers = " ".join(m.value for m in at.markdown)
    assert "providers stating a capacity" in answers and "assets stating a capacity" in answers
    # the other tabs have not run
    assert "Funding follows the referral" not in titles


def test_my_organisation_by_month_and_quarter(page):
    at = _open(page, "My organisation")
    first = at.session_state["provider"]  # an organisation_id of the demo data
    other = "ORG002" if first != "ORG002" else "ORG004"
    at.selectbox(key="provider").set_value(other).run()
    assert not at.exception, at.exception
    assert at.session_state["provider"] == other
    at.radio(key="provider_by").set_value("month").run()
    titles = _subheaders(at)
    assert "People sent a month, against the capacity stated" in titles
    assert {"Strain over the period", "Strain and its trend", "Why people were sent",
            "Which practices they came from", "Each of its assets"} <= set(titles)  # fmt: skip
    assert any("Over the whole period" in m.value for m in at.markdown)
    at.radio(key="provider_by").set_value("quarter").run()
    assert "People sent a quarter, against the capacity stated" in _subheaders(at)


def test_my_organisation_shows_the_outcomes_of_the_people_it_was_sent(page):
    """The Lunch Club's provider (ORG008): 25 measured twice as shown over the demo's last
    year, so "too few" with how many more would make it judgeable; by asset too."""
    at = _open(page, "My organisation")
    at.selectbox(key="provider").set_value("ORG008").run()
    assert not at.exception, at.exception
    titles = _subheaders(at)
    assert {"What changed", "How big: effect sizes on one scale", "Who was followed up"} <= set(
        titles
    )
    assert any(t.endswith("at each of its assets") for t in titles)
    text = " ".join(m.value for m in [*at.markdown, *at.caption])
    assert "more measured twice would make it judgeable" in text
    assert "not changes it caused" in text


def test_funding_and_link_workers_with_the_assumptions_changed(page):
    at = _open(page, "Funding follows the referral")
    assert "Funding follows the referral" in _subheaders(at)
    before = _metrics(at)["Value of work taken on"].value
    assert before.startswith("£") and "Unfunded work" in _metrics(at)
    at.number_input(key="default_cost").set_value(5_000.0).run()
    assert not at.exception, at.exception
    # every demo asset states its cost per person: the assumed cost changes nothing
    assert _metrics(at)["Value of work taken on"].value == before
    at = _open(at, "Link workers")
    assert "Caseload per whole-time link worker" in _subheaders(at)
    cost = _metrics(at)["Link-worker cost in period"].value
    at.number_input(key="salary").set_value(45_000.0).run()
    assert _metrics(at)["Link-worker cost in period"].value != cost


def test_moving_the_what_if_sliders_changes_the_results(page):
    at = _open(page, "What if")
    before = _metrics(at)["People beyond capacity"].value
    at.slider(key="whatif_growth").set_value(50).run()
    assert not at.exception, at.exception
    after = _metrics(at)["People beyond capacity"]
    assert int(after.value.replace(",", "")) > int(before.replace(",", ""))
    assert "against nothing changed" in after.delta
    at.slider(key="whatif_added").set_value(100).run()
    at.slider(key="whatif_move").set_value(10_000).run()
    assert not at.exception, at.exception
    at.radio(key="whatif_target_kind").set_value("a category").run()
    assert not at.exception, at.exception
    # the choices are kept while another tab is open
    at = _open(at, "System view")
    at = _open(at, "What if")
    assert at.slider(key="whatif_growth").value == 50


def test_the_forecast_with_its_method_and_error_and_a_provider_on_demand(page):
    at = _open(page, "Forecast")
    titles = _subheaders(at)
    assert "Forecast: All categories (the whole place)" in titles
    assert "How each forecast was made, and how well it did" in titles
    captions = " ".join(c.value for c in at.caption)
    assert "ETS(A,Ad,A)" in captions and "MAPE" in captions
    at.slider(key="forecast_horizon").set_value(6).run()
    assert not at.exception, at.exception
    assert not any(t.startswith("Forecast: this provider") for t in _subheaders(at))
    at.button(key="forecast_provider").click().run()
    assert not at.exception, at.exception
    assert any(t.startswith("Forecast: this provider") for t in _subheaders(at))


def _edge_folder(tmp_path: Path) -> Path:
    """A provider with 300 assets, an asset stating a capacity of 0, funding for an
    organisation with no assets, a financial year in the wrong form, a negative amount."""
    folder = tmp_path / "edge"
    folder.mkdir()
    assets = ["asset_id,name,organisation_id,category,latitude,longitude,capacity_per_month,"
              "cost_per_person_gbp"]  # fmt: skip
    assets += [f"B{i:03d},Big asset {i},BIG,physical activity,53.43,-1.35,2,50" for i in range(300)]
    assets += ["Z1,Closed list,ZERO,arts and creativity,53.43,-1.35,0,"]
    (folder / "assets.csv").write_text("\n".join(assets) + "\n", encoding="utf-8")
    (folder / "organisations.csv").write_text(
        f"organisation_id,name\nBIG,{EVIL}\nZERO,Zero Group\nNONE,No Assets Trust\n",
        encoding="utf-8",
    )
    referrals, connections = ["referral_id,referral_date"], ["referral_id,asset_id,referred_date,"
                                                             "started_date,outcome"]  # fmt: skip
    for i in range(400):
        month = 1 + i % 12
        referrals.append(f"R{i:04d},2025-{month:02d}-05")
        asset = "Z1" if i % 40 == 0 else f"B{i % 300:03d}"
        started = f"2025-{month:02d}-20" if i % 3 else ""
        outcome = "attending" if started else "waiting list"
        connections.append(f"R{i:04d},{asset},2025-{month:02d}-06,{started},{outcome}")
    (folder / "referrals.csv").write_text("\n".join(referrals) + "\n", encoding="utf-8")
    (folder / "connections.csv").write_text("\n".join(connections) + "\n", encoding="utf-8")
    (folder / "funding.csv").write_text(
        "organisation_id,financial_year,funder,amount_gbp,for_social_prescribing\n"
        "BIG,2024/25,ICB,12000,yes\nBIG,2025,ICB,99999,yes\nBIG,2025/26,ICB,-500,yes\n"
        "NONE,2025/26,ICB,5000,yes\n",
        encoding="utf-8",
    )
    return folder


def test_bad_input_gives_notes_not_wrong_totals(tmp_path, monkeypatch):
    monkeypatch.setenv("SOCIALRX_DATA", str(_edge_folder(tmp_path)))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("pages/capacity.py")
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Capacity"
    rated = next(d.value for d in at.dataframe if "Over 100%" in d.value.columns)
    zero = rated[rated["Provider"] == "Zero Group"].iloc[0]  # Z1: a capacity of 0
    assert (zero["Over 100%"], zero["Strain (%)"]) == ("yes", "–")
    at = _open(at, "My organisation")
    at.selectbox(key="provider").set_value("BIG").run()
    captions = " ".join(c.value for c in at.caption)
    assert "30 most strained of its 300 assets" in captions
    _no_markdown_from_names(at)
    at = _open(at, "Funding follows the referral")
    captions = " ".join(c.value for c in at.caption)
    # the bad year and the negative amount never reach the sums (the loader leaves them out
    # and says so); funding for an organisation with no assets is named, not summed
    assert "NONE" in captions and "no assets" in captions
    # the data run Jan to Dec 2025: 2024/25's £12,000 counts for Jan-Mar, 3 of its 12 months
    assert _metrics(at)["Funding received"].value == "£3,000"
    assert any("financial_year" in e.value or "problem" in e.value for e in at.error)
    for tab in ("Link workers", "What if", "Forecast"):
        at = _open(at, tab)
        _no_markdown_from_names(at)
    # the provider's name, escaped, where the forecast tab names the provider chosen
    assert any("\\[x\\](http\u2060://evil)" in c.value for c in at.caption)


def _no_markdown_from_names(at: AppTest) -> None:
    """No name from a file reaches Streamlit's markdown as a link or an image: every bracket
    and every web address in it broken by a word joiner (escape.markdown_text)."""
    for element in (*at.markdown, *at.caption, *at.header, *at.info):
        assert not re.search(r"(?<!\\)[\[\]]|(?<!\u2060)://", element.value), element.value


def test_every_capacity_download_shows_counts_only_as_disclosed(demo):
    """At the default level no panel of the page exports a count of 1-7 people or one not
    rounded to 5, and every £ or rate beside it rests on the rounded count."""
    from socialrx.disclosure import Level
    from socialrx.metrics import capacity
    from socialrx.metrics.selection import default_selection
    from socialrx.views import capacity as view
    from socialrx.views import forecast as forecast_view
    from socialrx.views import funding as funding_view
    from socialrx.views import link_workers as link_worker_view
    from socialrx.views import provider as provider_view
    from socialrx.views import what_if as what_if_view

    dataset = demo
    sel = default_selection(dataset)
    level = Level.ROUND
    provider = next(iter(view.provider_options(dataset, sel)))
    table, methods = forecast_view.forecast_data(dataset, sel, level)
    panels = [
        *view.panels(dataset, sel, level),
        *view.system_panels(dataset, sel, level),
        *provider_view.provider_panels(dataset, sel, level, provider, "month"),
        *funding_view.funding_panels(dataset, sel, level, 100.0),
        *link_worker_view.link_worker_panels(dataset, sel, level, 38_000.0),
        *what_if_view.scenario_panels(dataset, sel, level, capacity.Scenario(growth=0.2)),
        *forecast_view.forecast_panels(table, methods, level, 12),
    ]
    checked = 0
    for panel in panels:
        if not panel.labels:
            continue
        exported = panel.export()
        for column in panel.spec.counts:
            if column not in panel.labels:
                continue
            for value in exported[panel.labels[column]]:
                if value is None or value == "*" or value != value:  # blank, hidden, NaN
                    continue
                assert float(value) % 5 == 0, (panel.name, column, value)
                checked += 1
    assert checked > 500


def _mine(at: AppTest, view: str, provider: str = "ORG008") -> AppTest:
    """Open My organisation on `provider`, then one of its views (lazy tabs, keyed)."""
    at = _open(at, "My organisation")
    at.selectbox(key="provider").set_value(provider).run()
    at.session_state["mine_tab"] = view
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_provider_sees_its_funding_and_its_social_value(page):
    """The Lunch Club's provider: the system view's funding figures for it alone, and its
    social value as a range with its source, caveat and no assumption unless stated."""
    at = _mine(page, "Funding and social value")
    titles = _subheaders(at)
    assert "Funding follows the referral" in titles
    assert "Social value: life satisfaction in WELLBYs" in titles
    table = next(d.value for d in at.dataframe if "Funding for social prescribing (£, pro rata)"
                 in d.value.columns)  # fmt: skip
    assert set(table["Provider"]) == {"Brackenby Partnership"}
    # the same row as the system view's funding panel
    system = _open(at, "Funding follows the referral")
    every = next(d.value for d in system.dataframe if "Provider" in d.value.columns)
    mine = every[every["Provider"] == "Brackenby Partnership"].reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, table.reset_index(drop=True), check_dtype=False)
    at = _mine(system, "Funding and social value")
    text = " ".join(m.value for m in [*at.markdown, *at.caption])
    assert "Not a Green Book appraisal" in text and "no duration assumed" in text
    assert "Wellbeing guidance for appraisal" in text and "2019 prices" in text
    at.number_input(key="sv_attribution").set_value(50.0).run()
    text = " ".join(m.value for m in [*at.markdown, *at.caption])
    assert "50% of the change attributed to the service (your assumption)" in text


def test_a_providers_report_for_funders_downloads_for_a_financial_year(page):
    at = _mine(page, "Report for funders")
    picker = at.selectbox(key="funder_year")
    # the latest year the data cover whole first; a part year says so
    assert picker.value == "2025/26"
    assert picker.options[0] == "2026/27 (to Sep 2026: part of the year)"
    picker.set_value("2024/25").run()
    assert not at.exception, at.exception
    button = next(b for b in at.get("download_button") if b.proto.label.startswith(
        "Download the 2024/25 report for funders"))  # fmt: skip
    assert button.proto.label.endswith("(zip)")
