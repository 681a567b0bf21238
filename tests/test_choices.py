"""Every kept choice is checked against the data on screen: on every page, choices made on the
demo, then a second data folder, then uploaded files, then the demo again; no error, and a
choice the new data does not offer falls back with a note naming it. The same walk of a page's
choices first checks that the address carries them all (`test_links_walk`)."""

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from widgets import APP, PAGES, keyed, round_trips, walk_page

from socialrx.escape import markdown_text

# A second data folder unlike the demo: other categories, providers, practices and PCN,
# months in 2019 (the demo's run from 2023 to 2026) and one outcome measure of the demo's four.
ASSETS = (
    "asset_id,name,organisation_id,category,latitude,longitude,capacity_per_month\n"
    "B1,Riverside printmaking,O1,arts and creativity,53.43,-1.35,6\n"
    "B2,Allotment club,O2,nature and gardening,53.42,-1.36,4\n"
    "B3,Sketching group,O1,arts and creativity,53.44,-1.34,5\n"
)
ORGANISATIONS = "organisation_id,name,type\nO1,Riverside Arts,charity\nO2,Green Hands,charity\n"
PRACTICES = (
    "practice_code,name,pcn_code,pcn_name,list_size\nP00001,Hill Surgery,QPCN1,Hill PCN,5000\n"
)
REFERRALS = "referral_id,referral_date,referrer_type,practice_code,age_band,status\n" + "".join(
    f"S{i},2019-{1 + i % 12:02d}-{1 + i % 27:02d},gp practice,P00001,45-54,open\n"
    for i in range(90)
)
CONNECTIONS = "referral_id,asset_id,referred_date,outcome\n" + "".join(
    f"S{i},B{1 + i % 3},2019-{1 + i % 12:02d}-{1 + i % 27:02d},attending\n" for i in range(90)
)
OUTCOMES = "referral_id,measure,timepoint,assessed_date,value\n" + "".join(
    f"S{i},swemwbs,baseline,2019-{1 + i % 12:02d}-{1 + i % 27:02d},{18 + i % 5}\n"
    f"S{i},swemwbs,follow_up,2019-12-28,{20 + i % 6}\n"
    for i in range(60)
)
SECOND = {
    "assets.csv": ASSETS,
    "organisations.csv": ORGANISATIONS,
    "practices.csv": PRACTICES,
    "referrals.csv": REFERRALS,
    "connections.csv": CONNECTIONS,
    "outcomes.csv": OUTCOMES,
}
# The upload: a third dataset, its months in 2021.
UPLOAD = {
    "assets.csv": (
        "asset_id,name,category,latitude,longitude\nU1,Walk,physical activity,53.43,-1.35\n"
    ),
    "referrals.csv": "referral_id,referral_date,referrer_type\n"
    + "".join(f"U{i},2021-{1 + i % 12:02d}-10,self\n" for i in range(40)),
}


OPTIONS = {"selectbox", "multiselect", "radio", "select_slider"}


def _choice(widget) -> tuple[list[str], list[str]]:
    """The values chosen, and how the widget shows them."""
    value = widget.value
    values = [v for v in (value if isinstance(value, list | tuple) else [value]) if v is not None]
    return [str(v) for v in values], [str(widget.format_func(v)) for v in values]


def _chosen(at: AppTest) -> dict[str, tuple[list[str], list[str]]]:
    """The choices of every keyed widget with options (others offer the same on any data)."""
    widgets = keyed(at, True) | keyed(at, False)
    return {key: _choice(w) for key, w in widgets.items() if w.type in OPTIONS}


def _notes(at: AppTest) -> str:
    return " ".join(i.value for i in at.info)


def _reset_with_a_note(before: dict, at: AppTest, where: str) -> None:
    """Every choice kept as before, or named in a note (a widget the new data does not draw at
    all, such as a page needing a table it lacks, has nothing to keep)."""
    notes, now = _notes(at), _chosen(at)
    for key, (values, shown) in before.items():
        if key not in now or not values or set(values) <= set(now[key][0]):
            continue
        named = any(markdown_text(v) in notes for v in values + shown)  # as the note writes it
        assert named, (where, key, values, now[key], notes)


@pytest.mark.parametrize("page", [p for p in PAGES if p])
def test_choices_fall_back_with_a_note_as_the_data_changes(page, tmp_path, monkeypatch,
                                                           app_as_served):  # fmt: skip
    monkeypatch.delenv("SOCIALRX_DATA", raising=False)
    monkeypatch.setenv("SOCIALRX_MIN_DISCLOSURE", "off")  # the level has a choice in the link
    second = tmp_path / "second"
    second.mkdir()
    for name, text in SECOND.items():
        (second / name).write_text(text, encoding="utf-8")
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    # the sidebar's choices on the demo: a PCN and a shorter period
    at.sidebar.selectbox(key="place_kind").set_value("PCN").run()
    at.sidebar.multiselect(key="place_PCN").set_value(["XPCN01"]).run()
    months = at.sidebar.select_slider(key="period")
    months.set_range(pd.Period("2025-01", "M"), pd.Period("2025-12", "M")).run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    done = walk_page(at)  # every choice of the page (and of its tabs) away from its default
    round_trips(at, page, done)  # a fresh session opened on the address has them all
    before = _chosen(at)

    monkeypatch.setenv("SOCIALRX_DATA", str(second))  # the second folder
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == PAGES[page]
    notes = _notes(at)
    assert "The PCN chosen before, “XPCN01”" in notes  # not among this data's PCNs
    assert "The period chosen before, Jan 2025 to Dec 2025, is not in this data" in notes
    _reset_with_a_note(before, at, "second folder")

    before = _chosen(at)
    del before["data_source"]  # changed here, by the visitor
    at.sidebar.radio(key="data_source").set_value("Upload files").run()
    assert not at.exception, at.exception
    at.sidebar.file_uploader(key="uploads").set_value(
        [(name, text.encode(), "text/csv") for name, text in UPLOAD.items()]
    ).run()
    assert not at.exception, at.exception
    assert at.title[0].value == PAGES[page]
    assert "Data: **your data**" in " ".join(c.value for c in at.sidebar.caption)
    assert not any("Add at least assets.csv" in i.value for i in at.sidebar.info)
    _reset_with_a_note(before, at, "upload")

    at.sidebar.radio(key="data_source").set_value("Data folder").run()
    monkeypatch.delenv("SOCIALRX_DATA")  # back to the demo
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == PAGES[page]
    assert "Rotherham (demo data)" in " ".join(c.value for c in at.sidebar.caption)
