"""The address carries every choice a page offers: every keyed widget of every page (and of
every Capacity tab), found in the page as drawn, is set to a value other than its default,
and a fresh session opened on the address shows the same values. The sidebar's walk is here;
each page's is in `test_choices`, which walks every page's choices for its own checks too."""

from urllib.parse import parse_qs

from streamlit.testing.v1 import AppTest
from widgets import APP, open_page, query, round_trips, walk


def test_every_sidebar_widget_round_trips_through_the_address(monkeypatch, app_as_served):
    monkeypatch.delenv("SOCIALRX_DATA", raising=False)
    monkeypatch.setenv("SOCIALRX_MIN_DISCLOSURE", "off")  # so the level has a choice too
    at = open_page("")
    round_trips(at, "", walk(at, sidebar=True))


def test_the_data_source_round_trips(monkeypatch, app_as_served):
    monkeypatch.delenv("SOCIALRX_DATA", raising=False)
    at = open_page("")
    at.sidebar.radio(key="data_source").set_value("Upload files").run()
    again = AppTest.from_file(APP, default_timeout=120)
    again.query_params.update(query(at))
    again.run()
    assert again.sidebar.radio(key="data_source").value == "Upload files"


def test_share_this_view_offers_the_address_of_the_choices_made(monkeypatch, app_as_served):
    monkeypatch.delenv("SOCIALRX_DATA", raising=False)
    at = open_page("")
    at.sidebar.selectbox(key="place_kind").set_value("PCN").run()
    (share,) = [p for p in at.sidebar.get("popover") if p.proto.popover.label == "Share this view"]
    (box,) = share.code
    shown = box.value.partition("?")[2]  # AppTest has no address of its own before the "?"
    assert parse_qs(shown) == {k: [v] for k, v in query(at).items()}
    assert query(at)["place_kind"] == "PCN"
