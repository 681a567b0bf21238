"""Shareable views: the address carries the choices on screen, and a link never loosens
disclosure control or fails on a value the data does not have."""

from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from socialrx.disclosure import Level
from socialrx.views.links import Between, adopt, decode, encode, keep

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


def test_every_kind_of_choice_round_trips():
    state = {
        "map_stale": False,  # on by default: written only when off
        "map_wheelchair": False,  # off by default: not written
        "map_radius": 1700,
        "default_cost": 112.5,
        "salary": 38000.0,
        "spc_baseline": (pd.Period("2024-01", "M"), pd.Period("2025-06", "M")),
        "map_day": None,  # "any day": nothing to write
    }
    params = encode(state)
    assert params == {"map_stale": "0", "map_radius": "1700", "default_cost": "112.5",
                      "salary": "38000", "spc_baseline": "2024-01,2025-06"}  # fmt: skip
    back = decode(params)
    assert back == {k: v for k, v in state.items() if k not in ("map_wheelchair", "map_day")}
    assert decode({"map_radius": "far", "spc_baseline": "2024"})["_unreadable"] == [
        "map_radius",
        "spc_baseline",
    ]


def test_a_kept_value_is_checked_against_what_is_offered_now():
    assert keep("ORG7", ["ORG1", "ORG2"]) == (None, ["ORG7"])  # the default instead
    assert keep("ORG2", ["ORG1", "ORG2"]) == ("ORG2", [])
    assert keep(["A", "Z"], ["A", "B"]) == (["A"], ["Z"])  # a list keeps what is offered
    assert keep(["Z"], ["A", "B"]) == ([], ["Z"])
    months = [pd.Period(m, "M") for m in ("2024-01", "2024-02", "2024-03")]
    assert keep((months[0], pd.Period("2026-09", "M")), months) == (
        None,
        [pd.Period("2026-09", "M")],
    )
    assert keep("round", [Level.ROUND]) == (Level.ROUND, [])  # the option itself
    assert keep(120, Between(0, 100)) == (None, [120]) and keep(None, ["A"]) == (None, [])
    assert adopt(50.5, Between(0, 100)) == (50.5, True) and adopt(-1, Between(0, 100))[1] is False


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
