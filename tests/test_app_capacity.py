"""AppTest of the capacity page: started from app.py, each tab opened, sliders moved."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")
RATINGS = {"under 85%", "85-100%", "over 100%", "borderline: about 85%", "borderline: about 100%",
           "capacity not stated", "over 100% (capacity 0)", "capacity 0, nobody sent"}  # fmt: skip


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
    return [s.value for s in at.subheader]


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
    ratings = next(d.value for d in at.dataframe if "Rating" in d.value.columns)
    assert set(ratings["Rating"]) <= RATINGS
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
    assert {"Strain and its trend", "Why people were sent", "Which practices they came from",
            "Each of its assets"} <= set(titles)  # fmt: skip
    at.radio(key="provider_by").set_value("quarter").run()
    assert "People sent a quarter, against the capacity stated" in _subheaders(at)


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
