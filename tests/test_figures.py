import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box

from socialrx.views.charts import (
    capacity_chart,
    monthly_referrals_chart,
)
from socialrx.views.figures import asset_map, asset_popup_html

EVIL = "Tom's <script>alert(1)</script> `${x}` C:\\users"


def marker_rows(html: str) -> list[list]:
    """The asset points' data as the map's script reads it (every layer's rows, decoded)."""
    rows, at = [], html.find("var data = ")
    while at >= 0:
        start = at + len("var data = ")
        rows += json.JSONDecoder().raw_decode(html, start)[0]
        at = html.find("var data = ", start)
    return rows


def _assets():
    return pd.DataFrame(
        {
            "asset_id": ["A1", "A2"],
            "name": [EVIL, "Walk"],
            "category": ["physical activity", "other"],
            "status": ["active", "inactive"],
            "latitude": [53.43, None],
            "longitude": [-1.35, None],
            "url": ["javascript:alert(1)", "https://example.org"],
            "schedule": ["Tue", None],
            "cost": ["free", None],
            "stale": [True, False],
        }
    )


def test_asset_map_escapes_every_file_value():
    areas = gpd.GeoDataFrame(
        {"area_code": ["E01"], "area_name": [EVIL]},
        geometry=[box(-1.4, 53.4, -1.3, 53.5)],
        crs="EPSG:4326",
    )
    html = asset_map(_assets(), areas, pd.Series({"E01": 3}), "IMD decile").get_root().render()
    assert "<script>alert(1)</script>" not in html
    assert "${x}" not in html and "`${x}`" not in html
    assert "C:\\users" not in html and "C:\\\\users" not in html
    assert "javascript:alert" not in html
    assert "Not verified in the last 12 months" in html
    (row,) = marker_rows(html)  # the unplaced asset is not drawn
    assert row[4].startswith("Tom&#x27;s &lt;script&gt;")  # the name, HTML-escaped
    assert row[5] == "" and row[3] == 1  # no javascript: link; flagged stale


def test_popup_links_only_http():
    assert "<a href" not in asset_popup_html(_assets().iloc[0].to_dict())
    assert '<a href="https://example.org"' in asset_popup_html(_assets().iloc[1].to_dict())


def test_asset_map_with_no_placed_assets_and_no_areas():
    html = asset_map(_assets().iloc[1:]).get_root().render()
    assert "L.circleMarker" not in html and "leaflet" in html.lower()


def _three_assets() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": ["Walk", "Run", "Choir"],
            "category": ["physical activity", "physical activity", "arts and creativity"],
            "latitude": [53.43, 53.44, 53.45],
            "longitude": [-1.35, -1.36, -1.37],
        }
    )


def test_categories_are_layers_of_one_cluster_group():
    """Every category is its own layer in the layer control, but all feed one cluster group,
    so clusters of different categories never sit on one another (WCAG 2.5.8)."""
    html = asset_map(_three_assets()).get_root().render()
    (group,) = re.findall(r"var (marker_cluster_\w+) = L.markerClusterGroup", html)
    parents = re.findall(r"L.featureGroup.subGroup\((\w+), markers\)", html)
    assert parents == [group, group]  # one sub-group per category, both in the one group
    assert '"maxClusterRadius": 70' in html and "socialrx-cluster" in html
    assert "leaflet.featuregroup.subgroup-1.0.2/" in html  # the plugin's script is loaded
    control = html[html.index("overlays :") : html.index("L.control.layers(")]
    assert '"physical activity"' in control and '"arts and creativity"' in control
    assert group not in control  # the group itself is not a layer to switch
    # the cluster icon knows the categories, in the legend's order, with their colours
    assert 'var colours = ["#CC6677", "#332288"], names = ["physical activity", ' in html
    assert "Asset category (a cluster&#x27;s ring: its mix)" in html  # the legend says so


def test_unclustered_map_has_no_cluster_group():
    html = asset_map(_three_assets(), cluster=False).get_root().render()
    assert "L.markerClusterGroup" not in html and "subGroup" not in html
    assert html.count("var group = L.featureGroup();") == 2  # a plain layer per category
    assert "<b>Asset category</b>" in html
    assert sorted(row[4] for row in marker_rows(html)) == ["Choir", "Run", "Walk"]


def test_charts_have_titles_and_axis_labels():
    monthly = pd.DataFrame(
        {
            "month": pd.to_datetime(["2024-01-01", "2024-02-01"]),
            "referrals": [10.0, None],
            "partial": [True, False],
        }
    )
    fig = monthly_referrals_chart(monthly, "1-7 hidden")
    assert fig.layout.title.text == "Referrals per month"
    assert fig.layout.xaxis.title.text == "Month"
    assert fig.layout.yaxis.title.text == "Referrals (people, 1-7 hidden)"
    assert list(fig.data[0].marker.symbol) == ["circle-open", "circle"]  # January is partial
    strain = pd.DataFrame(
        {
            "name": ["<b>a</b>"],
            "asset_id": ["A1"],
            "capacity_per_month": [5],
            "demand_per_month": [7.5],
            "strain": [1.5],
        }
    )
    bars = capacity_chart(strain)
    assert bars.layout.xaxis.title.text == "People per month"
    assert list(bars.data[0].y) == ["&lt;b&gt;a&lt;/b&gt; (A1)"]


def test_decile_shading_has_one_class_per_decile():
    areas = gpd.GeoDataFrame(
        {"area_code": [f"E{i}" for i in range(10)], "area_name": ["x"] * 10},
        geometry=[box(i, 50, i + 1, 51) for i in range(10)],
        crs="EPSG:4326",
    )
    deciles = pd.Series(range(1, 11), index=[f"E{i}" for i in range(10)])
    html = (
        asset_map(_assets(), areas, deciles, "IMD decile", lower_is_darker=True).get_root().render()
    )
    for decile in range(1, 11):
        assert f"></span>{decile}</div>" in html
    assert "#041c40" in html and "#f7fbff" in html  # darkest for decile 1, lightest for 10


def test_chosen_areas_are_outlined_and_hidden_values_say_so():
    areas = gpd.GeoDataFrame(
        {"area_code": ["E1", "E2"], "area_name": ["North", "South"]},
        geometry=[box(-1.4, 53.4, -1.3, 53.5), box(-1.4, 53.2, -1.3, 53.3)],
        crs="EPSG:4326",
    )
    counts = pd.Series([15.0, None], index=["E1", "E2"])
    notes = pd.Series([None, "hidden: 1-7 people"], index=["E1", "E2"])
    fmap = asset_map(_assets(), areas, counts, "Referrals", area_notes=notes, focus=("E2",))
    html = fmap.get_root().render()
    assert "North (E1): Referrals 15" in html and "Referrals 15.0" not in html
    assert "South (E2): hidden: 1-7 people" in html
    # the view opens on the chosen area (53.2 to 53.3), not on both
    assert "[[53.2, -1.4], [53.3, -1.3]]" in html


def _legends(html: str) -> list[str]:
    return re.findall(r"<details class=\"socialrx-legend\".*?</details>", html)


def _categories(n: int) -> pd.DataFrame:
    from socialrx import vocab

    names = list(vocab.ASSET_CATEGORIES)[:n]
    return pd.DataFrame({"name": names, "category": names,
                         "latitude": [53.40 + i / 100 for i in range(n)],
                         "longitude": [-1.35] * n})  # fmt: skip


def test_a_long_category_legend_opens_folded_in_leaflets_corner():
    """The category legend sits in Leaflet's bottom-left corner (stacked above the scale bar,
    not over it) and, with more than four categories, opens on its title alone; every
    category is still in it, to unfold. A short one opens unfolded, in one column."""
    html = asset_map(_categories(12)).get_root().render()
    (legend,) = _legends(html)
    assert 'data-side="left"' in legend and " open" not in legend.split(">")[0]
    assert legend.count("></span>") == 12 and "repeat(2,auto)" in legend
    assert html.count("details.socialrx-legend") == 1  # the mover, once, in the map script
    assert "disableClickPropagation" in html  # a click on the legend is not a map click
    (short,) = _legends(asset_map(_categories(3)).get_root().render())
    assert " open " in short.split(">")[0] and "repeat(1,auto)" in short
    assert short.count("></span>") == 3


def test_shading_a_few_areas_labels_a_class_of_one_value_with_it():
    """Issue 22: a ward's shading legend read "14.4 to 14.4"; and equal values must share a
    class (ranking them apart could colour two areas of 14.4 differently)."""
    from socialrx.views.figures import _shade

    colours, legend = _shade(pd.Series([14.4, 14.8, 14.4, 20.25, 3.1]))
    labels = [label for label, _ in legend]
    assert labels == ["3.1", "14.4", "14.8", "20.2"]  # four distinct values, four classes
    assert colours.iloc[0] == colours.iloc[2]  # the two 14.4s alike
    many = pd.Series(np.linspace(0.5, 99.5, 100))
    _, legend = _shade(many)
    assert len(legend) == 7 and legend[0][0] == "0.5 to 14.5"  # 100 values: 15, 14, 14, ...
