"""AppTest of the asset map's gap analysis: filters, reach and the answer to download."""

from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def _panel_answers(at: AppTest) -> list:
    """The page's markdown but its summary ("What this page found", which opens the page with
    the panels' answers): the panels' own answers among it."""
    return [m for m in at.markdown if not m.value.startswith("**What this page found**")]


def _map(monkeypatch) -> AppTest:
    monkeypatch.delenv("SOCIALRX_DATA", raising=False)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("pages/asset_map.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Asset map"
    return at


def _gaps(at: AppTest):
    return next(d.value for d in at.dataframe if "Need and access" in d.value.columns)


def test_which_deprived_areas_have_no_activity_or_befriending_within_reach(monkeypatch):
    at = _map(monkeypatch)
    at.multiselect(key="map_categories").set_value(
        ["physical activity", "social groups and befriending"]
    ).run()
    assert not at.exception
    cards = {m.label: m.value for m in at.metric}
    areas, adults = cards["None within 1,600 m"], cards["Adults there"]
    gaps = _gaps(at)
    assert {"Nearest physical activity (m)", "Nearest social groups and befriending (m)"} <= set(
        gaps.columns
    )
    needy = gaps[gaps["Need (higher = more)"] >= gaps["Need (higher = more)"].median()]
    none = needy[
        (needy["Nearest physical activity (m)"] > 1600)
        & (needy["Nearest social groups and befriending (m)"] > 1600)
    ]
    assert areas == f"{len(none):,} areas" and adults == f"{none['Adults'].sum():,.0f}"
    assert gaps.iloc[0]["Need and access"] == "high need, low access"  # the answer comes first


def test_the_gap_panel_answers_how_many_areas_and_adults_and_the_most_deprived(monkeypatch):
    at = _map(monkeypatch)
    at.multiselect(key="map_categories").set_value(["social groups and befriending"]).run()
    assert not at.exception
    gaps = _gaps(at)
    high_low = gaps[gaps["Need and access"] == "high need, low access"]
    answer = next(m.value for m in _panel_answers(at) if "have high need and low access" in m.value)
    # the demo: every one of them in IMD decile 1 has no befriending within 1,600 m
    assert answer == (
        f"**{len(high_low)} areas, home to {high_low['Adults'].sum():,.0f} adults, have high need "
        "and low access to social groups and befriending; the most deprived (IMD decile 1) are "
        "20 of them, all with no places within reach, among them Rotherham 032D (E01007662). 53 "
        "areas of high need (68,181 adults) have none of the chosen within 1,600 m.**"
    )
    assert (len(high_low), high_low["Adults"].sum()) == (53, 68_181)
    cards = {m.label: m.value for m in at.metric}
    assert cards["High need, low access"] == "53 areas" and cards["Adults living there"] == "68,181"


def test_gap_answer_by_hand():
    from socialrx.views.asset_map import Reach, gap_answer

    table = pd.DataFrame({
        "area_code": ["E1", "E2", "E3"], "area_name": ["North 1", "North 2", "South"],
        "quadrant": ["high need, low access"] * 2 + ["low need, high access"],
        "need": [10.0, 9.0, 2.0], "need_as_given": [1.0, 2.0, 9.0],
        "access_per_1000": [0.2, 0.0, 5.0], "population_adult": [1200.0, 800.0, 900.0],
    })  # fmt: skip
    # two areas of high need and low access, 2,000 adults; E1 alone in the most deprived decile
    assert gap_answer(table, Reach(), ()) == (
        "2 areas, home to 2,000 adults, have high need and low access to community assets; the "
        "most deprived is North 1 (E1), IMD decile 1, with 0.2 places a month per 1,000 adults."
    )
    both_first = table.assign(need=[10.0, 10.0, 2.0], need_as_given=[1.0, 1.0, 9.0])
    assert gap_answer(both_first, Reach(), ("arts and creativity",)) == (
        "2 areas, home to 2,000 adults, have high need and low access to arts and creativity; "
        "the most deprived (IMD decile 1) are 2 of them, the least served North 2 (E2), with "
        "no places within reach."
    )
    assert gap_answer(table.assign(quadrant="low need, high access"), Reach(), ()) == (
        "No area has both high need and low access to community assets."
    )


def test_a_longer_reach_and_distance_weights_change_the_scores(monkeypatch):
    at = _map(monkeypatch)
    before = _gaps(at).set_index("Code")["Places a month per 1,000 adults"]
    at.slider(key="map_radius").set_value(3200).run()
    wider = _gaps(at).set_index("Code")["Places a month per 1,000 adults"]
    assert (wider.reindex(before.index) != before).any()
    at.toggle(key="map_enhanced").set_value(True).run()
    assert not at.exception
    assert any("enhanced 2SFCA" in c.value for c in at.caption)


def test_filters_by_day_cost_and_wheelchair(monkeypatch):
    at = _map(monkeypatch)
    every = len(next(d.value for d in at.dataframe if "Asset" in d.value.columns))
    at.selectbox(key="map_day").set_value("Tue").run()
    at.toggle(key="map_wheelchair").set_value(True).run()
    at.multiselect(key="map_costs").set_value(["free"]).run()
    assert not at.exception
    assets = next(d.value for d in at.dataframe if "Asset" in d.value.columns)
    assert 0 < len(assets) < every
    assert set(assets["Cost"]) == {"free"} and all(w.startswith("Tue") for w in assets["When"])


def test_a_click_on_the_map_describes_what_it_points_at(demo):
    from socialrx.metrics.selection import default_selection
    from socialrx.views.asset_map import Reach, clicked_details, gap_table

    dataset = demo
    assets = dataset.table("assets")
    asset = assets.dropna(subset=["latitude"]).iloc[0]
    title, rows = clicked_details(dataset, assets, None, asset["latitude"], asset["longitude"])
    assert title == asset["name"] and ("category", asset["category"]) in rows
    # a click inside an area, away from any asset, describes the area and its access
    area = dataset.areas.iloc[0]
    inside = area.geometry.representative_point()
    far = assets.drop(assets.index)  # no assets: the click can only be on the area
    gaps = gap_table(dataset, default_selection(dataset), assets, Reach(), ())
    title, rows = clicked_details(dataset, far, gaps, inside.y, inside.x)
    assert title == area["area_name"] and ("area code", area["area_code"]) in rows
    assert any(field == "Places a month per 1,000 adults" for field, _ in rows)
    assert clicked_details(dataset, assets, gaps, 0.0, 0.0) is None  # the sea off Africa


def test_click_details_read_as_numbers_people_use(demo):
    """An area's details: adults with a thousands separator, distances in whole metres with
    their unit, access to one decimal, the area's IMD decile from area_stats (the demo's
    E01007657 is decile 7), yes/no for a flag."""
    from socialrx.views.asset_map import clicked_details

    dataset = demo
    code = "E01007657"
    inside = dataset.areas.set_index("area_code").loc[code, "geometry"].representative_point()
    gaps = pd.DataFrame({"area_code": [code], "area_name": ["x"], "population_adult": [1503.0],
                         "nearest_m": [2674.0], "access_per_1000": [12.345], "need": [4.0],
                         "nearest arts and creativity (m)": [812.4],
                         "none_within_reach": [True]})  # fmt: skip
    none = dataset.table("assets").head(0)
    _, rows = clicked_details(dataset, none, gaps, inside.y, inside.x)
    found = dict(rows)
    assert found["Adults"] == "1,503"
    assert found["Nearest asset"] == "2,674 m"
    assert found["Places a month per 1,000 adults"] == "12.3"
    assert found["Need (higher = more)"] == "4"
    assert found["Nearest arts and creativity"] == "812 m"
    assert found["None of the chosen within reach"] == "yes"
    assert found["IMD decile (1 = most deprived)"] == "7"
    # an asset's capacity reads as a whole number, its check date as a date
    assets = dataset.table("assets").dropna(subset=["latitude", "capacity_per_month"])
    asset = assets.iloc[0]
    _, rows = clicked_details(dataset, assets, None, asset["latitude"], asset["longitude"])
    found = dict(rows)
    assert found["capacity per month"] == f"{asset['capacity_per_month']:,.0f}"
    assert "." not in found["capacity per month"]


def test_no_boundaries_and_no_placed_assets_say_why_instead_of_an_empty_map(tmp_path):
    """Neither boundaries nor an asset with a location: no map of an empty country, but the
    missing pieces named; boundaries without assets: the map opens on the boundaries."""
    import shutil

    from socialrx.data.loader import load_folder
    from socialrx.disclosure import Level
    from socialrx.metrics.selection import default_selection
    from socialrx.views import asset_map as view

    (tmp_path / "assets.csv").write_text(
        "asset_id,name,category,postcode\nA1,Walk,physical activity,S60 1AA\n", encoding="utf-8"
    )
    dataset, _ = load_folder(tmp_path)
    panel = next(p for p in view.panels(dataset, default_selection(dataset), Level.ROUND)
                 if p.name == "asset_map")  # fmt: skip
    assert panel.figure is None
    assert "areas.geojson" in panel.empty and "no postcode file was loaded" in panel.empty
    only = tmp_path / "areas_only"
    only.mkdir()
    shutil.copy(Path(APP).parent / "data" / "demo" / "areas.geojson", only)
    dataset, _ = load_folder(only)
    panel = next(p for p in view.panels(dataset, default_selection(dataset), Level.ROUND)
                 if p.name == "asset_map")  # fmt: skip
    minx, miny, maxx, maxy = dataset.areas.total_bounds
    html = panel.figure.get_root().render()
    assert f"[[{miny}, {minx}], [{maxy}, {maxx}]]" in html  # fit to the boundaries


def test_a_map_whose_files_the_server_cannot_serve_says_so(monkeypatch):
    """The live map loads Leaflet from the app's static folder: where the files are missing
    (or static serving is off) the page says why the map may be blank and how to start it."""
    from socialrx.views import map_assets

    at = _map(monkeypatch)
    assert not [w for w in at.warning if "The map may not draw" in w.value]
    monkeypatch.setattr(map_assets, "missing_files", lambda: ["leaflet-1.9.3/leaflet.js"])
    at.run()
    (warning,) = [w.value for w in at.warning if "The map may not draw" in w.value]
    assert "1 of its files are missing from" in warning and "`make run`" in warning
