"""AppTest of the referral flows page's pathway and SPC panels, started from app.py."""

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGE = "pages/referral_flows.py"
NEW_TITLES = (
    "Referral pathway: where people drop out",
    "The pathway month by month",
    "Waits month by month",
    "Which reasons and referrers most often end in “did not engage” or “declined”",
    "Referrals per month: is a change a signal?",
    "Share connected within 90 days: is a change a signal?",
    "Median wait to first contact: is a change a signal?",
)


@pytest.fixture(scope="module")
def page():
    """The referral flows page on the demo data (one run shared: each takes seconds)."""
    mp = pytest.MonkeyPatch()
    mp.delenv("SOCIALRX_DATA", raising=False)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page(PAGE)
    at.run()
    yield at
    mp.undo()


def _baseline(at: AppTest):
    return next(s for s in at.select_slider if s.label.startswith("Baseline months"))


def _notes(at: AppTest, start: str) -> list[str]:
    return [c.value for c in at.caption if c.value.startswith(start)]


def test_the_page_draws_the_pathway_and_spc_panels(page):
    at = page
    assert not at.exception, at.exception
    assert at.title[0].value == "Referral flows"
    subheaders = [s.value for s in at.header]
    for title in NEW_TITLES:
        assert title in subheaders
    charts = {c.proto.id for c in at.get("plotly_chart")}
    assert len(charts) >= 4 + len(NEW_TITLES) - 1  # the old panels and the new charts
    downloads = [b.proto.file_name if hasattr(b.proto, "file_name") else "" for b in
                 at.get("download_button")]  # fmt: skip
    assert len(downloads) >= 4 + len(NEW_TITLES)
    # the funnel's table: steps, shares and waits as shown (rounded counts)
    funnel = next(d.value for d in at.dataframe if "Share reaching it (%)" in d.value.columns)
    # "received" is the period's total: left out, as a total beside hidden months would be
    assert funnel["Step"].tolist()[0] == "Contacted within 30 days"
    assert int(funnel["Referrals old enough to judge"].iloc[0].replace(",", "")) % 5 == 0
    assert "Too recent to judge" in funnel.columns
    # the SPC charts say where their limits come from and what the latest month shows
    notes = _notes(at, "Centre line and limits from")
    assert len(notes) == 3
    assert all("No target is set" in n for n in notes)
    assert any("NHSRplotthedots" in c.value for c in at.caption)


def test_moving_the_baseline_moves_the_limits(page):
    at = page
    slider = _baseline(at)
    first, last = slider.options[0], slider.options[-1]
    assert (first, last) == ("Oct 2023", "Sep 2026")  # every whole month of the demo
    assert [str(m) for m in slider.value] == ["2023-10", "2026-09"]  # default: all of them
    before = _notes(at, "Centre line and limits from")
    slider.set_range(pd.Period("2023-10", "M"), pd.Period("2024-09", "M")).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Referral flows"
    after = _notes(at, "Centre line and limits from")
    assert after != before
    assert any(f"12 months shown, {first}" in n for n in after), after
    # fewer than 12 months: no limits, and the page says why
    _baseline(at).set_range(pd.Period("2023-10", "M"), pd.Period("2024-03", "M")).run()
    assert not at.exception
    assert sum("fewer than 12" in c.value for c in at.caption) == 3
    _baseline(at).set_range(pd.Period("2023-10", "M"), pd.Period("2026-09", "M")).run()
    assert _notes(at, "Centre line and limits from") == before


def test_every_disclosure_level_and_a_small_place(monkeypatch):
    monkeypatch.delenv("SOCIALRX_DATA", raising=False)
    monkeypatch.setenv("SOCIALRX_MIN_DISCLOSURE", "off")  # a deployment that allows off
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    for level in ("off", "suppress"):
        at.sidebar.radio(key="disclosure").set_value(level).run()  # on the overview
        at.switch_page(PAGE).run()
        assert not at.exception, (level, at.exception)
        assert at.title[0].value == "Referral flows"
        subheaders = [s.value for s in at.header]
        assert all(title in subheaders for title in NEW_TITLES), level
        at.switch_page("app.py").run()
    # one practice: fewer referrals a month, so some months may be hidden (gaps, no signal)
    at.sidebar.radio(key="disclosure").set_value("round").run()
    at.sidebar.selectbox(key="place_kind").set_value("practice").run()
    practice = at.sidebar.multiselect(key="place_practice")
    practice.set_value(["X90001"]).run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Referral flows"
    assert "Referral pathway: where people drop out" in [s.value for s in at.header]
    # its shares of the months rest on fewer than 30 people: automatic charts them by
    # quarter and says why; choosing months says why not, and that quarters can
    assert "Share connected within 90 days: is a change a signal?" in [h.value for h in at.header]
    assert any(c.value.startswith("By quarter, because months cannot be charted") for c in
               at.caption)  # fmt: skip
    at.radio(key="spc_by").set_value("month").run()
    assert not at.exception, at.exception
    assert any(i.value.startswith("Months cannot be charted here") for i in at.info)
    at.radio(key="spc_by").set_value("quarter").run()
    assert "Referrals per quarter: is a change a signal?" in [h.value for h in at.header]
