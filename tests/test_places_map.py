"""The places people plan by on the map, in share links and in the workshop pack's --place:
the chosen ward or neighbourhood outlined, an area's ward, MSOA, local authority and
neighbourhood named on a click, links carrying the new kinds."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from socialrx.data.loader import load_folder
from socialrx.disclosure import Level
from socialrx.metrics import selection
from socialrx.views import asset_map as view
from socialrx.views import links
from socialrx.views.figures import asset_map

REPO = Path(__file__).resolve().parent.parent
APP = str(REPO / "app.py")
WARD = "E05012993"  # Anston & Woodsetts: 9 of the demo's LSOAs


@pytest.fixture(scope="module")
def demo_whole(demo):
    """The shared demo (conftest.py) and its default period."""
    return demo, selection.default_selection(demo)


def test_the_chosen_ward_is_outlined_and_the_map_opens_on_it(demo_whole):
    dataset, whole = demo_whole
    ward = selection.resolve(dataset, whole.start, whole.end, selection.WARD, (WARD,))
    assert len(ward.area_codes) == 9
    outline, label = view.place_outline(dataset, ward)
    assert label == f"Anston & Woodsetts (ward, {WARD})"
    mine = dataset.areas[dataset.areas["area_code"].isin(ward.area_codes)].to_crs(27700)
    assert abs(outline.to_crs(27700).area.iloc[0] - mine.area.sum()) < 0.01 * mine.area.sum()
    panel = next(p for p in view.panels(dataset, ward, Level.ROUND) if p.name == "asset_map")
    html = panel.chart(None).get_root().render()
    assert "Anston \\u0026amp; Woodsetts (ward" in html or "Anston &amp; Woodsetts (ward" in html
    assert "8 6" in html  # the dashed outline's style
    # drawn before the layer control lists the layers: a layer named after it is undefined
    # when the control is made, and Leaflet throws, leaving the whole map blank
    assert html.index('"dashArray": "8 6"') < html.index("L.control.layers(")
    # areas chosen one by one are outlined one by one, as before: no dissolved outline
    areas = selection.resolve(dataset, whole.start, whole.end, selection.AREA, ward.area_codes)
    assert view.place_outline(dataset, areas) is None
    assert view.place_outline(dataset, whole) is None


def test_an_outline_label_is_escaped(demo_whole):
    dataset, whole = demo_whole
    ward = selection.resolve(dataset, whole.start, whole.end, selection.WARD, (WARD,))
    outline, _ = view.place_outline(dataset, ward)
    fmap = asset_map(dataset.table("assets").head(0), None, place=(outline, "<b>`${x}`\\</b>"))
    html = fmap.get_root().render()
    assert "<b>" not in html and "${x}" not in html


def test_a_click_on_an_area_names_its_ward_msoa_la_and_neighbourhood(demo_whole):
    dataset, _ = demo_whole
    area = dataset.areas[dataset.areas["area_code"] == "E01007657"].iloc[0]
    inside = area.geometry.representative_point()
    none = dataset.table("assets").head(0)
    title, rows = view.clicked_details(dataset, none, None, inside.y, inside.x)
    found = dict(rows)
    assert found["ward"] == f"Anston & Woodsetts (ward, {WARD})"
    assert found["MSOA"] == "Rotherham 029 (MSOA)"
    assert found["local authority"] == "Rotherham (local authority, E08000018)"
    hood = dataset.table("neighbourhoods").set_index("area_code").loc["E01007657", "neighbourhood"]
    assert found["neighbourhood"] == f"{hood} (neighbourhood)"
    mine = pd.DataFrame({"neighbourhood": ["Ours"], "area_code": ["E01007657"]})
    _, rows = view.clicked_details(dataset, none, None, inside.y, inside.x, mine)
    assert dict(rows)["neighbourhood"] == "Ours (neighbourhood)"


def test_links_carry_the_new_kinds():
    state = {"place_kind": "local authority", "place_local_authority": ["E08000018"],
             "place_ward": [WARD], "place_MSOA": ["Rotherham 012"],
             "place_neighbourhood": ["Ours"], "place_PCN_catchment": ["XPCN01"]}  # fmt: skip
    assert links.decode(links.encode(state)) == state


def _open(monkeypatch, params: dict) -> AppTest:
    monkeypatch.delenv("SOCIALRX_DATA", raising=False)
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(params)
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_link_to_a_ward_opens_it(monkeypatch):
    at = _open(monkeypatch, {"place_kind": "ward", "place_ward": WARD})
    assert at.sidebar.multiselect(key="place_ward").value == [WARD]
    assert "Anston & Woodsetts" in at.caption[0].value.replace("\\", "")


def test_a_link_to_an_unknown_neighbourhood_says_how_to_bring_it(monkeypatch):
    at = _open(monkeypatch, {"place_kind": "neighbourhood", "place_neighbourhood": "Ours"})
    notes = " ".join(i.value for i in at.info)
    assert "neither one of the team's saved neighbourhoods" in notes
    assert "neighbourhoods.csv" in notes
    assert at.sidebar.selectbox(key="place_kind").value == selection.WHOLE


def test_the_pack_takes_a_ward(capsys, demo_whole):
    from socialrx.__main__ import _pack_selection

    dataset, _ = demo_whole
    chosen, words = _pack_selection(dataset, f"ward:{WARD}", None, None)
    assert chosen.place_kind == selection.WARD and len(chosen.area_codes) == 9
    assert words == f"Anston & Woodsetts (ward, {WARD})"
    hood, _ = _pack_selection(dataset, "neighbourhood:Rotherham North East (synthetic)", None, None)
    assert len(hood.area_codes) == 25


def test_the_pack_still_map_opens_on_the_chosen_ward_and_outlines_it(demo_whole):
    """The printed map is the interactive map's view of a chosen ward: the axes' limits are the
    ward's bounds (British National Grid) widened by 6% of its larger side, the dashed blue
    outline is drawn, the title names the ward, and the legend lists only categories in view."""
    from matplotlib.colors import to_hex

    from socialrx.views.static_map import asset_figure, view_box

    dataset, whole = demo_whole
    ward = selection.resolve(dataset, whole.start, whole.end, selection.WARD, (WARD,))
    outline = view.place_outline(dataset, ward)
    assets = dataset.table("assets")
    ax = asset_figure(assets, dataset.areas, place=outline).axes[0]
    minx, miny, maxx, maxy = outline[0].to_crs(27700).total_bounds
    pad = max(0.06 * max(maxx - minx, maxy - miny), 300)
    assert view_box((minx, miny, maxx, maxy)) == (minx - pad, miny - pad, maxx + pad, maxy + pad)
    assert ax.get_xlim() == pytest.approx((minx - pad, maxx + pad))
    assert ax.get_ylim() == pytest.approx((miny - pad, maxy + pad))
    (line,) = [c for c in ax.collections if c.get_gid() == "place-outline"]
    assert to_hex(line.get_edgecolor()[0]) == "#0072b2"
    assert line.get_linestyle()[0][1] is not None  # dashed, not solid
    assert ax.get_title(loc="left") == f"Anston & Woodsetts (ward, {WARD}): dashed blue outline"
    shown = {t.get_text() for t in ax.get_legend().get_texts()}
    assert f"Anston & Woodsetts (ward, {WARD})" in shown
    whole_map = {t.get_text() for t in asset_figure(assets, dataset.areas).axes[0]
                 .get_legend().get_texts()}  # fmt: skip
    assert shown - {outline[1]} < whole_map  # fewer categories in a ward's view
    # the panel's still is this map: the whole dataset's still opens on every area instead
    panel = next(p for p in view.panels(dataset, ward, Level.ROUND) if p.name == "asset_map")
    assert panel.still()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_still_map_of_a_pcn_opens_on_its_surgeries_areas(demo_whole):
    """A PCN is not a place by residence: as on the interactive map, the areas holding its
    surgeries are outlined in black and the view opens on them; the title names the PCN."""
    from socialrx.views.static_map import asset_figure, view_box

    dataset, whole = demo_whole
    pcn, name = next(iter(selection.place_options(dataset)[selection.PCN].items()))
    chosen = selection.resolve(dataset, whole.start, whole.end, selection.PCN, (pcn,))
    focus = view._focus(dataset, chosen)
    assert focus
    ax = asset_figure(dataset.table("assets"), dataset.areas, focus=focus,
                      title=view._still_title(dataset, chosen, None, focus)).axes[0]  # fmt: skip
    mine = dataset.areas[dataset.areas["area_code"].isin(focus)].to_crs(27700)
    box = view_box(mine.total_bounds)
    assert ax.get_xlim() == pytest.approx((box[0], box[2]))
    assert ax.get_ylim() == pytest.approx((box[1], box[3]))
    assert ax.get_title(loc="left").startswith(f"{name}: the areas holding the surgeries")
    assert "Chosen areas" in {t.get_text() for t in ax.get_legend().get_texts()}


def test_a_dollar_in_a_place_name_prints_as_a_dollar(demo_whole):
    """Text from files is not matplotlib maths: an unbalanced `$` would otherwise stop the
    pack, and `$x^2$` would print as a formula."""
    from socialrx.views.static_map import asset_figure, asset_map_png

    dataset, whole = demo_whole
    ward = selection.resolve(dataset, whole.start, whole.end, selection.WARD, (WARD,))
    outline, _ = view.place_outline(dataset, ward)
    odd = (outline, "Cost $5 and $x^2$ {{ x }}")
    assert asset_map_png(dataset.table("assets"), dataset.areas, place=odd)[:4] == b"\x89PNG"
    ax = asset_figure(dataset.table("assets"), dataset.areas, place=odd).axes[0]
    assert ax.get_title(loc="left") == "Cost $5 and $x^2$ {{ x }}: dashed blue outline"


REAL = Path("/work/shared/realdata")
SOLIHULL = {
    "areas.geojson": "boundaries/LSOA_2021__Solihull_subset__BSol-mapR__wgs84.geojson",
    "imd.csv": "imd/File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators__Solihull"
    "_E08000029_subset.csv",
    "lookup.csv": "lookups/LSOA21_to_Ward22_to_LAD22_Lookup_EW_v3.csv",
}


def test_real_solihull_files_no_placed_asset_a_ward_chosen(tmp_path):
    """Solihull's published boundaries, IoD 2025 File 7 and ONS ward lookup, with an asset that
    has no place: the live map opens on the boundaries (not a 100 km view of nothing), and the
    pack's still map of a ward (Bickenhill) opens on the ward with its outline."""
    import shutil

    from socialrx.views.static_map import asset_figure, view_box

    if not all((REAL / source).exists() for source in SOLIHULL.values()):
        pytest.skip("the real Solihull files are not here")
    for name, source in SOLIHULL.items():
        shutil.copy(REAL / source, tmp_path / name)
    (tmp_path / "assets.csv").write_text(
        "asset_id,name,category\nA1,Walk,physical activity\n", encoding="utf-8"
    )
    dataset, _ = load_folder(tmp_path)
    whole = selection.default_selection(dataset)
    panel = next(p for p in view.panels(dataset, whole, Level.ROUND) if p.name == "asset_map")
    minx, miny, maxx, maxy = dataset.areas.total_bounds
    assert f"[[{miny}, {minx}], [{maxy}, {maxx}]]" in panel.figure.get_root().render()
    ward = selection.resolve(dataset, whole.start, whole.end, selection.WARD, ("E05001284",))
    outline = view.place_outline(dataset, ward)
    assert outline[1] == "Bickenhill (ward, E05001284)"
    ax = asset_figure(dataset.table("assets"), dataset.areas, place=outline).axes[0]
    box = view_box(outline[0].to_crs(27700).total_bounds)
    assert ax.get_xlim() == pytest.approx((box[0], box[2]))
    assert ax.get_ylim() == pytest.approx((box[1], box[3]))


def test_access_in_a_chosen_place_counts_the_assets_and_people_beyond_its_boundary(demo_whole):
    """People cross a ward's boundary to reach an asset: each of the ward's areas has the
    access, nearest asset and quadrant it has in the whole dataset (a tester's Solihull area
    read 1.4 places per 1,000 for the whole place and 0 with its neighbourhood chosen)."""
    dataset, whole = demo_whole
    ward = selection.resolve(dataset, whole.start, whole.end, selection.WARD, (WARD,))
    assets = dataset.table("assets")
    everywhere = view.gap_table(dataset, whole, assets, view.Reach(), ("physical activity",))
    chosen = view.gap_table(dataset, ward, assets, view.Reach(), ("physical activity",))
    assert sorted(chosen["area_code"]) == sorted(ward.area_codes)
    columns = ["access_per_1000", "nearest_m", "nearest physical activity (m)", "quadrant"]
    expected = everywhere.set_index("area_code").loc[chosen["area_code"], columns]
    pd.testing.assert_frame_equal(chosen.set_index("area_code")[columns], expected)
    # and the page's own panels pass every asset the filters keep, not only the ward's
    panels = view.panels(dataset, ward, Level.ROUND, categories=("physical activity",))
    [cards] = [p for p in panels if p.cards]
    in_need = (chosen["quadrant"] == "high need, low access").sum()
    assert cards.cards[0].value == f"{in_need:,} area{'s' if in_need != 1 else ''}"
