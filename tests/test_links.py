"""Shareable views: the address carries the choices on screen, and a link never loosens
disclosure control or fails on a value the data does not have."""

from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from socialrx.disclosure import Level
from socialrx.views.links import adopt, decode, encode

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def test_encode_and_decode_round_trip():
    state = {
        "place_kind": "PCN",
        "place_PCN": ["XPCN01", "XPCN02"],
        "period": (pd.Period("2026-01", "M"), pd.Period("2026-03", "M")),
        "disclosure": Level.SUPPRESS,
        "map_inactive": True,
        "present": False,
        "map_categories": [],
        "unrelated": "x",
    }
    params = encode(state)
    assert params == {
        "place_kind": "PCN",
        "place_PCN": "XPCN01,XPCN02",
        "from": "2026-01",
        "to": "2026-03",
        "disclosure": "suppress",
        "map_inactive": "1",
    }
    back = decode(params)
    assert back["period"] == state["period"] and back["place_PCN"] == state["place_PCN"]
    assert back["map_inactive"] is True and back["disclosure"] == "suppress"
    assert decode({"from": "soon"})["_unreadable"] == ["period"]


def test_adopt_keeps_only_what_is_offered():
    assert adopt("round", [Level.ROUND]) == (Level.ROUND, True)
    assert adopt("off", [Level.ROUND, Level.SUPPRESS]) == (None, False)
    assert adopt(["A", "Z"], ["A", "B"]) == (["A"], True)
    assert adopt(["Z"], ["A", "B"]) == (None, False)


def _open(monkeypatch, params: dict, floor: str | None = None) -> AppTest:
    monkeypatch.delenv("SOCIALRX_DATA", raising=False)
    if floor:
        monkeypatch.setenv("SOCIALRX_MIN_DISCLOSURE", floor)
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(params)
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_link_reproduces_the_view(monkeypatch):
    asked = {"place_kind": "PCN", "place_PCN": "XPCN01", "from": "2026-01", "to": "2026-03",
             "disclosure": "suppress"}  # fmt: skip
    at = _open(monkeypatch, asked, floor="suppress")
    assert at.sidebar.selectbox(key="place_kind").value == "PCN"
    assert at.sidebar.multiselect(key="place_PCN").value == ["XPCN01"]
    assert at.sidebar.radio(key="disclosure").value == Level.SUPPRESS
    assert "01 Jan 2026 to 31 Mar 2026" in at.caption[0].value
    # and the address follows the choices on screen
    at.sidebar.radio(key="disclosure").set_value(Level.ROUND).run()
    assert at.query_params["disclosure"] in ("round", ["round"])
    assert at.query_params["place_PCN"] in ("XPCN01", ["XPCN01"])


def test_a_link_cannot_loosen_disclosure_and_stale_values_fall_back(monkeypatch):
    at = _open(monkeypatch, {"disclosure": "off", "place_kind": "practice",
                             "place_practice": "Z99999"}, floor="round")  # fmt: skip
    assert at.sidebar.radio(key="disclosure").value == Level.ROUND
    notes = " ".join(i.value for i in at.info)
    assert "disclosure level “off”" in notes and "Z99999" in notes
    assert at.sidebar.multiselect(key="place_practice").value == []


def test_presentation_mode_from_the_address(monkeypatch):
    at = _open(monkeypatch, {"present": "1"})
    assert at.sidebar.toggle(key="present").value is True
    assert any(b.label == "Leave presentation mode" for b in at.button)
    at.button(key="leave_present").click().run()
    assert at.sidebar.toggle(key="present").value is False


def test_a_providers_short_link_opens_its_view(monkeypatch):
    monkeypatch.delenv("SOCIALRX_DATA", raising=False)
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({"provider": "ORG007"})
    at.run()
    at.switch_page("pages/capacity.py").run()
    assert not at.exception, at.exception
    assert at.session_state["provider"] == "ORG007"
    assert at.session_state["capacity_tab"] == "My organisation"
    assert at.selectbox(key="provider").value == "ORG007"
