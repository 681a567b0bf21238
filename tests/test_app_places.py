"""AppTest of the places people plan by on the demo: pick a ward or a neighbourhood, see the
figures change and the page name the place; draw a neighbourhood in the sidebar, find it saved
for the team, download it, load it back and get the same place and figures."""

import io
import os
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from socialrx.data.loader import load_folder
from socialrx.metrics import selection
from socialrx.team.store import open_store

APP = str(Path(__file__).resolve().parent.parent / "app.py")
DEMO = Path(__file__).resolve().parent.parent / "data" / "demo"


def _overview(monkeypatch) -> AppTest:
    monkeypatch.delenv("SOCIALRX_DATA", raising=False)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def _cards(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _place_caption(at: AppTest) -> str:
    shown = (c.value.replace("\\", "") for c in at.caption)  # markdown escapes removed
    return next(text for text in shown if "(demo data) ·" in text)


def test_a_ward_changes_the_figures_and_the_page_names_it(monkeypatch):
    at = _overview(monkeypatch)
    whole = _cards(at)
    at.selectbox(key="place_kind").set_value("ward").run()
    at.multiselect(key="place_ward").set_value(["E05012993"]).run()
    assert not at.exception, at.exception
    assert "Anston & Woodsetts (ward, E05012993)" in _place_caption(at)
    assert _cards(at) != whole
    at.switch_page("pages/asset_map.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Asset map"
    assert "Anston & Woodsetts (ward, E05012993)" in _place_caption(at)
    assert not any("does not narrow this page" in i.value for i in at.info)  # a ward does


def test_a_neighbourhood_from_the_demo_file(monkeypatch):
    at = _overview(monkeypatch)
    whole = _cards(at)
    name = "Rotherham North West (synthetic)"
    at.selectbox(key="place_kind").set_value("neighbourhood").run()
    at.multiselect(key="place_neighbourhood").set_value([name]).run()
    assert not at.exception, at.exception
    assert f"{name} (neighbourhood)" in _place_caption(at)
    assert _cards(at) != whole


def test_a_neighbourhood_drawn_in_the_app_joins_the_picker_and_round_trips(
    monkeypatch, tmp_path, demo
):
    at = _overview(monkeypatch)
    at.text_input(key="nb_name").input("Castle and Woodsetts")
    at.multiselect(key="nb_wards").set_value(["E05012993"])
    at.multiselect(key="nb_areas").set_value(["E01007665"])
    at.button(key="nb_save").click().run()
    assert not at.exception, at.exception
    # the form is cleared for the next neighbourhood
    assert at.text_input(key="nb_name").value == ""
    assert at.multiselect(key="nb_wards").value == [] == at.multiselect(key="nb_areas").value
    at.selectbox(key="place_kind").set_value("neighbourhood").run()
    at.multiselect(key="place_neighbourhood").set_value(["Castle and Woodsetts"]).run()
    assert not at.exception, at.exception
    assert "Castle and Woodsetts (neighbourhood)" in _place_caption(at)
    in_app = _cards(at)
    labels = [e.proto.label for e in at.get("download_button")]
    assert "Download neighbourhoods.csv" in labels
    # saved for the team: in the store, and offered to the next person (a new session)
    frame = open_store(os.environ["SOCIALRX_DB"]).neighbourhoods()
    drawn = frame[frame["neighbourhood"] == "Castle and Woodsetts"]
    other = _overview(monkeypatch)
    other.selectbox(key="place_kind").set_value("neighbourhood").run()
    assert (
        "Castle and Woodsetts (neighbourhood)"
        in other.multiselect(key="place_neighbourhood").options
    )
    ward = set(demo.table("area_lookup").query("ward_code == 'E05012993'")["area_code"])
    assert set(drawn["area_code"]) == ward | {"E01007665"}

    # what the download button holds, written with the demo files and loaded back
    from socialrx.escape import csv_bytes

    folder = tmp_path / "mine"
    folder.mkdir()
    for file in DEMO.iterdir():
        if file.is_file() and file.name != "neighbourhoods.csv":
            (folder / file.name).write_bytes(file.read_bytes())
    (folder / "neighbourhoods.csv").write_bytes(csv_bytes(frame))
    back = pd.read_csv(io.BytesIO(csv_bytes(frame)), dtype=str)
    assert back.equals(frame.reset_index(drop=True).astype(str))
    reloaded, report = load_folder(folder)
    assert not report.errors
    chosen = selection.resolve(
        reloaded,
        *selection.month_period(
            pd.Period("2025-10", "M"), pd.Period("2026-09", "M"), pd.Timestamp("2026-09-30")
        ),
        selection.NEIGHBOURHOOD,
        ("Castle and Woodsetts",),
    )
    assert set(chosen.area_codes) == ward | {"E01007665"}

    monkeypatch.setenv("SOCIALRX_DATA", str(folder))
    again = AppTest.from_file(APP, default_timeout=120)
    again.run()
    again.selectbox(key="place_kind").set_value("neighbourhood").run()
    again.multiselect(key="place_neighbourhood").set_value(["Castle and Woodsetts"]).run()
    assert not again.exception, again.exception
    assert _cards(again) == in_app


def test_a_neighbourhood_saved_elsewhere_is_offered_on_the_next_run_read_once_a_run(monkeypatch):
    """The store's neighbourhoods are read once a run (the sidebar's read is kept for the
    page's other asks), and afresh on the next: one another person saved meanwhile is
    offered without a new session."""
    from socialrx.team.store import Store

    at = _overview(monkeypatch)
    at.selectbox(key="place_kind").set_value("neighbourhood").run()
    assert "Elsewhere (neighbourhood)" not in at.multiselect(key="place_neighbourhood").options
    open_store(os.environ["SOCIALRX_DB"]).save_neighbourhood("Elsewhere", ["E01007665"], by="x")
    reads = []
    read = Store.neighbourhoods
    monkeypatch.setattr(Store, "neighbourhoods", lambda self: reads.append(1) or read(self))
    at.run()
    assert not at.exception, at.exception
    assert "Elsewhere (neighbourhood)" in at.multiselect(key="place_neighbourhood").options
    assert len(reads) == 1


def test_removing_the_chosen_neighbourhood_falls_back_to_the_whole_dataset(monkeypatch):
    at = _overview(monkeypatch)
    at.text_input(key="nb_name").input("Ours")
    at.multiselect(key="nb_areas").set_value(["E01007665"])
    at.button(key="nb_save").click().run()
    at.selectbox(key="place_kind").set_value("neighbourhood").run()
    at.multiselect(key="place_neighbourhood").set_value(["Ours"]).run()
    assert "Ours (neighbourhood)" in _place_caption(at)
    at.selectbox(key="nb_remove").set_value("Ours").run()
    at.button(key="nb_remove_button").click().run()
    assert not at.exception, at.exception
    assert "Ours" not in at.multiselect(key="place_neighbourhood").options
    # the demo's own neighbourhoods stay; the choice of "Ours" is gone
    assert at.multiselect(key="place_neighbourhood").value == []
    assert "the whole dataset" in _place_caption(at)


def test_a_nameless_neighbourhood_is_not_saved(monkeypatch):
    at = _overview(monkeypatch)
    at.multiselect(key="nb_areas").set_value(["E01007665"])
    at.button(key="nb_save").click().run()
    assert not at.exception, at.exception
    assert any("Give the neighbourhood a name" in c.value for c in at.caption)


def test_a_pcn_says_where_it_does_not_narrow_the_page_and_a_ward_does_not(monkeypatch):
    at = _overview(monkeypatch)
    at.selectbox(key="place_kind").set_value("PCN").run()
    at.multiselect(key="place_PCN").set_value(["XPCN01"]).run()
    # assets, providers and places where people live are not a practice's
    for page in ("pages/asset_map.py", "pages/capacity.py", "pages/commissioning.py"):
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        assert any("a PCN or practice choice does not narrow this page" in i.value
                   for i in at.info), page  # fmt: skip
