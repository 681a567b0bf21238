"""AppTest of the commissioning page on the demo: the ranked table with its reasons, the
assumptions and the scenario."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture(scope="module")
def page():
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page("pages/commissioning.py")
    at.run()
    return at


def _ranked(at: AppTest):
    return next(d.value for d in at.dataframe if "Why" in d.value.columns)


def test_the_page_ranks_categories_in_places_with_reasons(page):
    at = page
    assert not at.exception, at.exception
    assert at.title[0].value == "Commissioning"
    headers = [h.value for h in at.header]
    assert any(h.startswith("Where more provision would meet the most unmet need") for h in headers)
    found = " ".join(m.value for m in at.markdown)
    assert "What this page found" in found and "Most unmet need over the next 12 months" in found
    table = _ranked(at)
    assert list(table["Rank"].head(3)) == sorted(table["Rank"].head(3))
    assert table["Why"].str.len().gt(0).all()
    # the demo names neighbourhoods: they are compared first
    assert table["Place"].str.contains("(neighbourhood)", regex=False).all()
    # scenario: the top row's category and place, 40 places a month
    assert any(h.startswith("What if: 40 ") for h in headers)
    assert "Adding 40 " in found
    # people ahead are estimates from the counts as shown, and the page says why they are not
    # rounded as its counts are
    captions = " ".join(c.value for c in at.caption)
    assert "are estimates worked out from the counts as shown, given to the nearest person" in (
        captions
    )


def test_assumptions_and_scenario_change_the_figures(page):
    at = page
    at.selectbox(key="commission_by").set_value("ward").run()
    assert not at.exception, at.exception
    assert _ranked(at)["Place"].str.contains("(ward,", regex=False).all()
    at.slider(key="commission_horizon").set_value(6).run()
    assert not at.exception, at.exception
    assert any("next 6 months" in h.value for h in at.header)
    at.slider(key="commission_added").set_value(100).run()
    assert not at.exception, at.exception
    assert any(h.value.startswith("What if: 100 ") for h in at.header)
