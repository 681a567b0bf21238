"""AppTest of the referral flows page's catchment panel on the demo: it says what to choose
for the whole dataset, and for a PCN draws its catchment's referral rates by area."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from socialrx.views.referral_flows import CHOOSE_PRACTICES, RESIDENCE_TITLE

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGE = "pages/referral_flows.py"


@pytest.fixture(scope="module")
def page():
    mp = pytest.MonkeyPatch()
    mp.delenv("SOCIALRX_DATA", raising=False)
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page(PAGE)
    at.run()
    yield at
    mp.undo()


def test_the_whole_dataset_asks_for_a_pcn_or_practice(page):
    at = page
    assert not at.exception, at.exception
    assert at.title[0].value == "Referral flows"
    assert RESIDENCE_TITLE in [h.value for h in at.header]
    assert CHOOSE_PRACTICES in [i.value for i in at.info]


def test_a_pcn_shows_its_catchment_rates_with_a_chart_caption_and_download(page):
    at = page
    at.switch_page("app.py").run()  # the sidebar's widgets are found on the app's own run
    at.sidebar.selectbox(key="place_kind").set_value("PCN").run()
    at.sidebar.multiselect(key="place_PCN").set_value(["XPCN01"]).run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Referral flows"
    assert CHOOSE_PRACTICES not in [i.value for i in at.info]
    table = next(
        d.value for d in at.dataframe if "Referrals per 1,000 registered patients a year" in
        d.value.columns
    )  # fmt: skip
    inside = table[table["In the catchment"] == "yes"]
    assert 0 < len(inside) < len(table)  # the catchment, then the areas outside it
    # most registered patients first within the catchment
    patients = inside["Registered patients living there (all ages)"].astype(str)
    numbers = [int(p.replace(",", "")) for p in patients]
    assert numbers == sorted(numbers, reverse=True)
    assert any(c.value.startswith("How to read this: each bar is an area of the PCN's catchment")
               and "80%" in c.value for c in at.caption)  # fmt: skip
    charts = [c for c in at.get("plotly_chart") if "catchment" in c.proto.spec]
    assert charts, "the catchment chart is drawn"
    names = [getattr(b.proto, "label", "") for b in at.get("download_button")]
    assert len(names) >= 1
