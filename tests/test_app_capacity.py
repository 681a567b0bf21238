"""AppTest of the capacity page: started from app.py, sliders and choices moved."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture(scope="module")
def page():
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("pages/capacity.py")
    at.run()
    return at


def _subheaders(at: AppTest) -> list[str]:
    return [s.value for s in at.subheader]


def _metrics(at: AppTest) -> dict:
    return {m.label: m for m in at.metric}


def test_the_page_draws_every_part(page):
    at = page
    assert not at.exception, at.exception
    assert at.title[0].value == "Capacity"
    assert [m.label for m in at.metric][:1] == ["Assets over capacity"]
    titles = _subheaders(at)
    for part in ("Every provider's strain", "Strain by category and month",
                 "Categories where demand outruns capacity", "Strain and its trend",
                 "Funding follows the referral", "Caseload per whole-time link worker",
                 "What if: providers in the next 12 months",
                 "Forecast: All categories (the whole place)",
                 "How each forecast was made, and how well it did"):  # fmt: skip
        assert part in titles, part
    providers = at.dataframe
    ratings = next(d.value for d in providers if "Rating" in d.value.columns)
    words = {"under 85%", "85-100%", "over 100%", "borderline: about 85%",
             "borderline: about 100%", "capacity not stated", "over 100% (capacity 0)",
             "capacity 0, nobody sent"}  # fmt: skip
    assert set(ratings["Rating"]) <= words
    captions = " ".join(c.value for c in at.caption)
    assert "ETS(A,Ad,A)" in captions and "MAPE" in captions
    assert "Unfunded work" in _metrics(at)


def test_moving_the_what_if_sliders_changes_the_results(page):
    at = page
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


def test_choosing_a_provider_grain_cost_salary_and_horizon(page):
    at = page
    first = at.session_state["provider"]  # an organisation_id of the demo data
    other = "ORG002" if first != "ORG002" else "ORG004"
    at.selectbox(key="provider").set_value(other).run()
    assert not at.exception, at.exception
    assert at.session_state["provider"] == other
    at.radio(key="provider_by").set_value("month").run()
    assert not at.exception, at.exception
    assert "People sent a month, against the capacity stated" in _subheaders(at)
    at.radio(key="provider_by").set_value("quarter").run()
    assert "People sent a quarter, against the capacity stated" in _subheaders(at)
    at.number_input(key="default_cost").set_value(250.0).run()
    at.number_input(key="salary").set_value(45_000.0).run()
    at.slider(key="forecast_horizon").set_value(6).run()
    assert not at.exception, at.exception
    at.button(key="forecast_provider").click().run()
    assert not at.exception, at.exception
    assert any(t.startswith("Forecast: this provider") for t in _subheaders(at))
