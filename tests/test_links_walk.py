"""The address carries every choice a page offers: every keyed widget of every page (and of
every Capacity tab), found in the page as drawn, is set to a value other than its default,
and a fresh session opened on the address shows the same values."""

import pytest
from streamlit.testing.v1 import AppTest
from widgets import APP, PAGES, walk, walk_page


def _open(page: str, params: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(params or {})
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    assert at.title[0].value == PAGES[page]
    return at


def _params(at: AppTest) -> dict[str, str]:
    return {k: v[0] if isinstance(v, list) else v for k, v in at.query_params.items()}


@pytest.mark.parametrize("page", list(PAGES))
def test_every_keyed_widget_round_trips_through_the_address(page, monkeypatch, app_as_served):
    monkeypatch.delenv("SOCIALRX_DATA", raising=False)
    monkeypatch.setenv("SOCIALRX_MIN_DISCLOSURE", "off")  # so the level has a choice too
    at = _open(page)
    done = walk_page(at) if page else walk(at, sidebar=True)
    params = _params(at)
    again = _open(page, params)
    for key in sorted(done):
        assert again.session_state[key] == at.session_state[key], (key, params)


def test_the_data_source_round_trips(monkeypatch, app_as_served):
    monkeypatch.delenv("SOCIALRX_DATA", raising=False)
    at = _open("")
    at.sidebar.radio(key="data_source").set_value("Upload files").run()
    again = AppTest.from_file(APP, default_timeout=120)
    again.query_params.update(_params(at))
    again.run()
    assert again.sidebar.radio(key="data_source").value == "Upload files"
