"""The asset map at a region's size: small enough to send, and every file string escaped in the
data its script reads (timings are benchmarked, never asserted: see benchmarks/)."""

import json
import re
import shutil
import subprocess

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from socialrx import vocab
from socialrx.views.figures import (
    ASSET_MARKER_JS,
    CLUSTER_ICON_JS,
    CLUSTER_SIZES,
    asset_map,
    asset_popup_html,
    html_text,  # socialrx.escape's, with braces as entities too (see figures.py)
    simplified_geometry,
)

HOSTILE = [
    "</script><script>alert(1)</script>",
    "back`tick",
    "${x} and `${x}`",
    "C:\\users\\me",
    'Tom\'s <b>"group"</b> & more',
]
ASSETS = 5000


def marker_rows(html: str) -> list[list]:
    """Every layer's point data, decoded as the map's script reads it."""
    rows, at = [], html.find("var data = ")
    while at >= 0:
        start = at + len("var data = ")
        rows += json.JSONDecoder().raw_decode(html, start)[0]
        at = html.find("var data = ", start)
    return rows


def raw_data(html: str) -> str:
    """The point data as it stands in the page's script, before decoding."""
    parts, at = [], html.find("var data = ")
    while at >= 0:
        start = at + len("var data = ")
        _, end = json.JSONDecoder().raw_decode(html, start)
        parts.append(html[start:end])
        at = html.find("var data = ", end)
    return "".join(parts)


@pytest.fixture(scope="module")
def region():
    """~850 areas of about 1 km (a grid in British National Grid near Sheffield) and 5,000
    assets among them, the first few with hostile names and links."""
    corners = [(x, y) for x in range(420_000, 450_000, 1000) for y in range(370_000, 399_000, 1000)]
    cells = [box(x, y, x + 1000, y + 1000) for x, y in corners]
    areas = gpd.GeoDataFrame(
        {"area_code": [f"E0{i:07d}" for i in range(len(cells))],
         "area_name": [f"Area {i}" for i in range(len(cells))]},
        geometry=cells, crs="EPSG:27700",
    ).to_crs("EPSG:4326")  # fmt: skip
    rng = np.random.default_rng(7)
    names = [f"Group {i}" for i in range(ASSETS)]
    names[: len(HOSTILE)] = HOSTILE
    urls = ["https://example.org/a?b=1&c=`2`"] * ASSETS
    urls[:4] = ["javascript:alert(1)", "data:text/html,<script>", " HTTP://Example.org ", None]
    minx, miny, maxx, maxy = areas.total_bounds
    assets = pd.DataFrame(
        {
            "asset_id": [f"A{i}" for i in range(ASSETS)],
            "name": names,
            "category": rng.choice(vocab.ASSET_CATEGORIES, ASSETS),
            "status": rng.choice(["active", "inactive", "temporarily closed"], ASSETS),
            "latitude": rng.uniform(miny, maxy, ASSETS),
            "longitude": rng.uniform(minx, maxx, ASSETS),
            "url": urls,
            "schedule": rng.choice(["Tue 10:00-12:00", "${x}`", None], ASSETS),
            "cost": rng.choice(["free", "C:\\cost", None], ASSETS),
            "stale": pd.array(rng.random(ASSETS) < 0.1, dtype="boolean"),
        }
    )
    return assets, areas


@pytest.fixture(scope="module")
def html(region) -> str:
    assets, areas = region
    deciles = pd.Series(np.arange(len(areas)) % 10 + 1, index=areas["area_code"].to_numpy())
    fmap = asset_map(assets, areas, deciles, "IMD decile", lower_is_darker=True,
                     focus=tuple(areas["area_code"][:3]))  # fmt: skip
    return fmap.get_root().render()


def test_region_map_is_under_2_mb_with_every_point(html, region):
    assets, areas = region
    assert len(areas) >= 850
    assert len(html.encode()) < 2 * 1024 * 1024
    assert len(marker_rows(html)) == ASSETS
    assert html.count("L.markerClusterGroup") == 1  # one cluster group for every category
    assert html.count("L.featureGroup.subGroup(") == len(vocab.ASSET_CATEGORIES)  # a layer each
    assert html.count('"fillColor"') == len(areas)  # every area shaded
    for decile in range(1, 11):
        assert f"></span>{decile}</div>" in html  # the legend


def test_hostile_text_is_escaped_in_the_script_data(html):
    data = raw_data(html)
    # nothing in the data can end the script, open a template literal or escape a character
    for dangerous in ("</script", "<script", "`", "${", "C:\\users", "C:\\\\users"):
        assert dangerous not in data
    assert "\\" not in data.replace("\\u0026", "").replace("\\u003c", "").replace("\\u003e", "")
    assert "alert(1)</script>" not in html and "`${x}`" not in html
    rows = marker_rows(html)
    names = {row[4] for row in rows}
    for text in HOSTILE:
        assert html_text(text) in names  # decoded, each name is its HTML-escaped self
    links = {row[4]: row[5] for row in rows}
    assert [links[html_text(t)] for t in HOSTILE[:4]] == ["", "", "HTTP://Example.org", ""]
    assert "https://example.org/a?b=1&amp;c=&#x60;2&#x60;" in {row[5] for row in rows}


def test_areas_are_simplified_and_rounded(region):
    _, areas = region
    outlines = simplified_geometry(areas)
    assert len(outlines) == len(areas)
    for ring in outlines[0]["coordinates"]:
        for lon, lat in ring:
            assert round(lon, 5) == lon and round(lat, 5) == lat
    assert simplified_geometry(areas) is outlines  # cached for the same boundaries


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the map's script")
def test_script_builds_the_same_popup_as_python(region):
    """The script's tooltip and popup for each point equal the Python-built HTML."""
    assets, areas = region
    sample = assets.iloc[list(range(12)) + [100, 2000, 4999]]
    fmap = asset_map(sample, areas)
    rows = marker_rows(fmap.get_root().render())
    # layers come in vocabulary order; within a layer, rows keep the table's order
    order = sorted(range(len(sample)), key=lambda i: (
        vocab.ASSET_CATEGORIES.index(sample["category"].iloc[i]), i))  # fmt: skip
    categories = [html_text(sample["category"].iloc[i]) for i in order]
    script = (
        "const L = {circleMarker: (at, o) => ({at, o, bindTooltip(t) { this.tip = t; },"
        " bindPopup(f) { this.pop = f; }})};\n"
        + ASSET_MARKER_JS
        + f"\nconst rows = {json.dumps(rows)};\nconst cats = {json.dumps(categories)};\n"
        "console.log(JSON.stringify(rows.map((r, i) => {"
        " const m = socialrx_asset(r, cats[i], '#000'); return [m.tip, m.pop()]; })));"
    )
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    built = json.loads(out.stdout)
    for (tooltip, popup), i in zip(built, order, strict=True):
        asset = sample.iloc[i].to_dict()
        asset["stale"] = bool(asset["stale"])
        assert popup == asset_popup_html(asset)
        assert tooltip == f"{html_text(asset['name'])} ({html_text(asset['category'])})"


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the map's script")
def test_cluster_icon_counts_its_categories_in_the_legend_order():
    """A cluster's icon: its count, a ring of its categories' shares in the legend's order and
    its mix in words; 30 to 50 px by the count's digits (WCAG 2.5.8 asks for 24)."""
    icon = CLUSTER_ICON_JS % {
        "colours": json.dumps(["#111111", "#222222", "#333333"]),
        "names": json.dumps(["arts", "walks &amp; runs", "other"]),
        "sizes": json.dumps(list(CLUSTER_SIZES)),
    }
    script = (
        "const L = {divIcon: o => o, point: (x, y) => [x, y]};\n"
        f"const icon = {icon};\n"
        "const cluster = cats => ({getAllChildMarkers: () => cats.map(c => ({options: "
        "{category: c}}))});\n"
        "const one = icon(cluster(['other', 'walks &amp; runs', 'walks &amp; runs', 'other', "
        "'walks &amp; runs', 'walks &amp; runs', 'walks &amp; runs', 'other']));\n"
        "const sizes = [9, 10, 99, 100, 999, 1000].map(n => icon(cluster(Array(n).fill('arts')))"
        ".iconSize[0]);\n"
        "console.log(JSON.stringify([one, sizes]));"
    )
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    one, sizes = json.loads(out.stdout)
    assert one["className"] == "socialrx-cluster" and one["iconSize"] == [30, 30]
    # 5 of 8 walks (225 degrees), then 3 of 8 other (135); no arts, so no slice for it
    assert "conic-gradient(#222222 0.0deg 225.0deg,#333333 225.0deg 360.0deg)" in one["html"]
    assert 'title="8 assets: 5 walks &amp; runs, 3 other"' in one["html"]
    assert ">8</span>" in one["html"] and "width:18px;height:18px" in one["html"]
    assert sizes == [30, 36, 36, 42, 42, 50]
    assert min(CLUSTER_SIZES) >= 24


def test_practices_are_one_layer_of_escaped_rows_switched_off(region):
    assets, areas = region
    practices = pd.DataFrame(
        {
            "practice_code": [f"C{i:05d}" for i in range(150)],
            "name": ["</script>`${x}` C:\\users"] + [f"Surgery {i}" for i in range(149)],
            "latitude": np.linspace(53.3, 53.6, 150),
            "longitude": np.linspace(-1.6, -1.2, 150),
        }
    )
    html = asset_map(assets.iloc[:10], areas, practices=practices).get_root().render()
    rows = [row for row in marker_rows(html) if str(row[-1]).startswith("GP practice")]
    assert len(rows) == 150
    assert rows[0][2] == f"GP practice: {html_text(practices['name'][0])} (C00000)"
    assert "`${x}`" not in html and "C:\\users" not in html
    assert html.count("L.circleMarker([row[0], row[1]], {radius: 5") == 1  # one script
    layer = re.search(
        r"var (\w+) = \(function \(\) \{\s*var callback = function \(row\) "
        r"\{ return L.circleMarker\(\[row\[0\], row\[1\]\], \{radius: 5",
        html,
    )
    assert f"{layer.group(1)}.addTo" not in html  # off until switched on in the layer control
    assert html.count(".addTo(") > 10  # the asset layers are on


def test_template_syntax_in_file_text_is_not_run_on_the_server():
    """folium compiles each rendered script as a Jinja template again: `{{ 7*7 }}` in a name,
    code, status or label must reach the page as text, never as 49."""
    areas = gpd.GeoDataFrame(
        {"area_code": ["{{ 5*5 }}"], "area_name": ["{{ 8*8 }}"]},
        geometry=[box(-1.4, 53.4, -1.3, 53.5)],
        crs="EPSG:4326",
    )
    assets = pd.DataFrame(
        {
            "name": ["{{ 7*7 }} {% if 1 %}ran{% endif %} {{ dict(id=1)|first }}"],
            "category": ["other"],
            "status": ["{{ 6*7 }}"],
            "latitude": [53.45],
            "longitude": [-1.35],
            "url": ["https://example.org/{{ 3*3 }}"],
        }
    )
    practices = pd.DataFrame(
        {"practice_code": ["{{ 9*9 }}"], "name": ["{{ 2*2 }}"], "latitude": [53.4],
         "longitude": [-1.3]}
    )  # fmt: skip
    fmap = asset_map(assets, areas, pd.Series({"{{ 5*5 }}": 3}), "{{ 4*4 }}", practices=practices)
    html = fmap.get_root().render()
    assert "{{" not in html and "{%" not in html
    for sum_ in ("7*7", "6*7", "5*5", "8*8", "9*9", "4*4", "2*2", "3*3"):
        assert sum_ in html  # still there as text
    (row,) = [r for r in marker_rows(html) if len(r) == 9]
    assert row[4].startswith("&#x7B;&#x7B; 7*7 &#x7D;&#x7D; &#x7B;% if 1 %&#x7D;ran")
    assert row[6] == "&#x7B;&#x7B; 6*7 &#x7D;&#x7D;"
