"""Figure builders: data in, a `folium.Map` or plotly figure out, testable without a browser.

The asset map. Every string from a data file goes through `socialrx.escape` before it reaches a map;
plotly charts live in `socialrx.views.charts`.
Colours come from the Okabe-Ito palette, which stays distinct for colour-blind readers.
"""

from __future__ import annotations

import hashlib
import json
import re

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from folium.plugins import FeatureGroupSubGroup, MarkerCluster
from jinja2 import Template

from socialrx import vocab
from socialrx.escape import html_link, html_text, script_text
from socialrx.views import map_assets
from socialrx.views.palette import BLUES, CATEGORY_COLOURS, OKABE_ITO  # noqa: F401 - named here too

MAP_CENTRE_UK = (52.8, -1.5)
# Street level. Set on the map itself: with no tiles to say it, the cluster group refuses a map
# without a maxZoom ("Map has no maxZoom specified") and no point is drawn.
MAX_ZOOM = 18


def _shade(values: pd.Series, reverse: bool = False) -> tuple[pd.Series, list[tuple[str, str]]]:
    """A colour per value and the legend: one class per value for up to ten whole numbers
    (deciles), otherwise seven equal-count classes labelled with their ranges."""
    numbers = values.astype("Float64").astype(float)
    valid = numbers.dropna()
    colours = pd.Series("#dddddd", index=values.index)
    if valid.empty:
        return colours, []
    distinct = sorted(valid.unique())
    if len(distinct) <= 10 and all(v == int(v) for v in distinct):
        step = (len(BLUES) - 1) / max(len(distinct) - 1, 1)
        palette = [BLUES[round(i * step)] for i in range(len(distinct))]
        if reverse:
            palette.reverse()
        lookup = dict(zip(distinct, palette, strict=True))
        colours[valid.index] = valid.map(lookup)
        return colours, [(f"{v:,.0f}", lookup[v]) for v in distinct]
    # classes of (about) equal counts whose edges fall between distinct values: an area's
    # value is in one class only, and a class of one value is labelled with it, not "14.4 to
    # 14.4" (a ward holds only a handful of areas)
    if len(distinct) <= 7:  # a class per value
        bins = valid.map({v: i for i, v in enumerate(distinct)})
    else:
        bins = pd.Series(pd.qcut(valid, 7, labels=False, duplicates="drop"), index=valid.index)
    classes = int(bins.max()) + 1
    palette = [BLUES[1 + round(i * 7 / max(classes - 1, 1))] for i in range(classes)]
    if reverse:
        palette.reverse()
    colours[valid.index] = [palette[int(b)] for b in bins]
    legend = []
    for b in range(classes):
        low, high = valid[bins == b].min(), valid[bins == b].max()
        label = f"{low:,.1f}" if f"{low:,.1f}" == f"{high:,.1f}" else f"{low:,.1f} to {high:,.1f}"
        legend.append((label, palette[b]))
    return colours, legend


def _legend_html(
    title: str, items: list[tuple[str, str]], side: str, columns: int = 1, folded: bool = False
) -> str:
    """A legend box that can be folded away (it may cover part of the map), as a Leaflet
    control in the bottom `side` ("left" or "right") corner: Leaflet stacks it above the scale bar
    or the attribution instead of over them, and a click on it is not a click on the map.
    `folded` legends open on their title alone; a reader's opening or folding it is kept for
    the browser tab (sessionStorage), so a rerun of the page does not fold it again."""
    rows = "".join(
        f'<div><span style="background:{colour}"></span>{html_text(label)}</div>'
        for label, colour in items
    )
    return (
        "<style>.socialrx-legend span{display:inline-block;width:12px;height:12px;"
        "box-sizing:border-box;"
        "margin-right:6px;border:1px solid #555}</style>"
        f'<details class="socialrx-legend" data-side="{side}"{"" if folded else " open"} '
        'style="background:white;padding:6px 8px;border:1px solid #999;border-radius:4px;'
        'font:12px sans-serif;max-width:45vw">'
        f'<summary style="cursor:pointer"><b>{html_text(title)}</b></summary>'
        f'<div style="display:grid;grid-template-columns:repeat({columns},auto);'
        f'column-gap:12px">{rows}</div></details>'
    )


# Moves each legend into its corner of the map and keeps its open or folded state for the tab.
# Part of the map's own script (`_Legends`), not a <script> in the page: streamlit-folium puts
# the page's HTML in with innerHTML, where a script never runs, and then runs the map's script.
LEGEND_JS = """(function (map) {
  var legends = document.querySelectorAll("details.socialrx-legend");
  legends.forEach(function (box, i) {
    var corner = map.getContainer().querySelector(".leaflet-bottom.leaflet-" + box.dataset.side);
    if (corner) {
      box.classList.add("leaflet-control");
      corner.insertBefore(box, corner.firstChild);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
    }
    var key = "socialrx-legend-" + i;
    try {
      var kept = sessionStorage.getItem(key);
      if (kept !== null) { box.open = kept === "1"; }
      box.addEventListener("toggle", function () {
        sessionStorage.setItem(key, box.open ? "1" : "0");
      });
    } catch (e) {}  // storage refused: the legend still folds, just not remembered
  });
})"""


class _Legends(MacroElement):
    """`LEGEND_JS`, once per map, run on the map once it exists."""

    _template = Template(
        "{% macro script(this, kwargs) %}{{ this.code }}({{ this._parent.get_name() }});"
        "{% endmacro %}"
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "SocialrxLegends"
        self.code = LEGEND_JS


FOLD_OVER = 4  # a category legend longer than this opens folded to its title


# Shown where the map should be until its script has drawn it (the script removes it): a map
# whose scripts cannot load or run says so instead of being a blank space.
NOT_DRAWN_HTML = (
    '<div class="socialrx-not-drawn" style="padding:12px;margin:8px;font:14px sans-serif;'
    'background:#fff;border:2px solid #D55E00;border-radius:4px">The map could not be drawn: '
    "its scripts did not load or run (is JavaScript turned off?). Only its legends can be "
    "shown without them.</div>"
)

# The end of the map's script: the map is drawn, so the notice above goes; with no tiles, the
# corner that credits them says why the ground is blank.
DRAWN_JS = """(function (map, credit) {
  document.querySelectorAll(".socialrx-not-drawn").forEach(function (box) { box.remove(); });
  if (credit && map.attributionControl) { map.attributionControl.addAttribution(credit); }
})"""


class _Drawn(MacroElement):
    """`DRAWN_JS`, run last in the map's script."""

    _template = Template(
        "{% macro script(this, kwargs) %}{{ this.code }}({{ this._parent.get_name() }}, "
        "{{ this.credit|tojson }});{% endmacro %}"
    )

    def __init__(self, credit: str) -> None:
        super().__init__()
        self._name = "SocialrxDrawn"
        self.code = DRAWN_JS
        self.credit = credit


def _tiles() -> dict:
    """`tiles` and `attr` for `folium.Map`, as the deployment names them
    (`map_assets.map_tiles`); a tile server's credit escaped like any text on the map."""
    chosen = map_assets.map_tiles()
    if chosen.url is None:
        return {"tiles": None}
    if chosen.url == map_assets.OPENSTREETMAP:
        return {"tiles": "OpenStreetMap"}
    return {"tiles": chosen.url, "attr": html_text(chosen.attribution)}


def asset_map(
    assets: pd.DataFrame,
    areas=None,
    area_values: pd.Series | None = None,
    value_label: str = "",
    lower_is_darker: bool = False,
    area_notes: pd.Series | None = None,
    focus: tuple[str, ...] = (),
    *,
    cluster: bool = True,
    highlight: tuple[str, ...] = (),
    practices: pd.DataFrame | None = None,
    place=None,
) -> folium.Map:
    """Assets as points coloured by category over areas shaded by a value (e.g. IMD decile).

    `area_values` is indexed by area_code; areas without a value are grey, and say why in
    their tooltip where `area_notes` (by area_code) has a reason. The areas in `focus` are
    outlined and the map opens on them.

    Built to stay small at a region's size (5,000 assets, ~850 areas: well under 2 MB of
    HTML): the points of each category are a layer whose data is an array of escaped strings,
    and one shared script draws each point and builds its tooltip and popup (the same HTML as
    `asset_popup_html`) when it is opened; every category's layer feeds one cluster group, so
    clusters of different categories never stack (each shows its categories' mix as a ring);
    areas are simplified to ~50 m in British National Grid and rounded to 5 decimals.
    `cluster=False` draws every point unclustered (the same data and script), for a small place
    or a printed map. The areas in `highlight` (e.g. high need, low access) get a thick orange
    outline without moving the view; `practices` (name, latitude, longitude) are a layer of
    their own to switch on. `place` (a GeoSeries in WGS84 and its label) is the chosen ward,
    neighbourhood or other place by residence, outlined over the areas."""
    placed = assets.dropna(subset=["latitude", "longitude"])
    chosen = areas[areas["area_code"].isin(focus)] if areas is not None and focus else None
    areas_in_view = chosen if chosen is not None and len(chosen) else areas
    if areas_in_view is not None and len(areas_in_view):  # the place, so the view does not jump
        minx, miny, maxx, maxy = areas_in_view.total_bounds
        bounds = [[miny, minx], [maxy, maxx]]
    elif len(placed):
        bounds = [
            [placed["latitude"].min(), placed["longitude"].min()],
            [placed["latitude"].max(), placed["longitude"].max()],
        ]
    else:
        bounds = None
    tiles = _tiles()
    fmap = folium.Map(
        location=MAP_CENTRE_UK, zoom_start=6, control_scale=True, zoom_snap=0.25,
        maxZoom=MAX_ZOOM, **tiles,
    )  # fmt: skip
    fmap.get_root().html.add_child(folium.Element(NOT_DRAWN_HTML))
    if bounds:
        fmap.fit_bounds(bounds, padding=(24, 24))  # points on the edge stay clear of controls
    if areas is not None and len(areas):
        _add_areas(fmap, areas, area_values, value_label, lower_is_darker, area_notes, focus,
                   highlight)  # fmt: skip
    if place is not None:  # before the layer control, which lists every layer drawn so far
        _add_place_outline(fmap, *place)
    if practices is not None:
        _add_practices(fmap, practices)
    codes, present = pd.factorize(placed["category"])
    present = [str(c) for c in present]
    shown = [c for c in vocab.ASSET_CATEGORIES if c in present]
    shown += sorted(set(present) - set(shown))  # not in the vocabulary (the loader refuses)
    if shown:
        _AssetMarkers().add_to(fmap)  # the one script every category's layer calls
        rows = _marker_rows(placed)
        legend = [(c, CATEGORY_COLOURS.get(c, OTHER_COLOUR)) for c in shown]
        group = _asset_clusters(legend).add_to(fmap) if cluster else None
        for name in shown:
            members = np.flatnonzero(codes == present.index(name))
            _category_layer(name, [rows[i] for i in members], group).add_to(fmap)
        folium.LayerControl(collapsed=True).add_to(fmap)
        title = "Asset category (a cluster's ring: its mix)" if cluster else "Asset category"
        box = _legend_html(title, legend, "left", columns=2 if len(legend) > 8 else 1,
                           folded=len(legend) > FOLD_OVER)  # fmt: skip
        fmap.get_root().html.add_child(folium.Element(box))
    if shown or (areas is not None and len(areas)):
        _Legends().add_to(fmap)
    _Drawn(map_assets.NO_TILES_ATTRIBUTION if tiles["tiles"] is None else "").add_to(fmap)
    return map_assets.local_files(fmap)


OTHER_COLOUR = "#777777"  # a category outside the vocabulary (the loader refuses these)
# One row per placed asset, in this order; every text is already escaped by `html_text` (and
# the URL is blank unless it is http(s)), so the script only joins trusted pieces.
MARKER_FIELDS = ("lat", "lon", "faded", "stale", "name", "url", "status", "schedule", "cost")


def _marker_rows(placed: pd.DataFrame) -> list[list]:
    """The points' data for the map's script: coordinates rounded to 5 decimals (about 1 m)
    and escaped text, as plain lists (JSON arrays are a fraction of a marker's HTML)."""
    n = len(placed)

    def text(column: str) -> list[str]:
        if column not in placed:
            return [""] * n
        values = placed[column].tolist()
        escaped = {v: html_text(v) for v in set(values)}  # statuses, costs: a few values each
        return [escaped[v] for v in values]

    def links(values) -> list[str]:
        return [html_text(v.strip()) if isinstance(v, str) and _HTTP.match(v.strip()) else ""
                for v in values]  # fmt: skip

    lat = placed["latitude"].astype(float).round(5).tolist()
    lon = placed["longitude"].astype(float).round(5).tolist()
    status = placed["status"] if "status" in placed else pd.Series("active", index=placed.index)
    faded = (status.astype("string").fillna("active") != "active").astype(int).tolist()
    stale = (
        placed["stale"].astype("boolean").fillna(False).astype(int).tolist()
        if "stale" in placed
        else [0] * n
    )
    urls = links(placed["url"].tolist()) if "url" in placed else [""] * n
    return [
        list(row)
        for row in zip(lat, lon, faded, stale, text("name"), urls, text("status"),
                       text("schedule"), text("cost"), strict=True)
    ]  # fmt: skip


_HTTP = re.compile(r"(?i)^https?://")
# Clusters: chunked so thousands of points do not freeze the page; every point on its own
# from street level (zoom 15), where a planner reads names. One cluster group holds every
# category, so clusters of different categories never stack (WCAG 2.5.8 asks for 24 px targets
# not covered by another): icons are 30 to 50 px and gather points within 70 px, so neighbours
# stay apart (none overlapped at zooms 8 to 14 on 4,381 South Yorkshire assets).
CLUSTER_OPTIONS = {
    "chunkedLoading": True,
    "maxClusterRadius": 70,
    "disableClusteringAtZoom": 15,
    "spiderfyOnMaxZoom": False,  # never reached: every point is its own from zoom 15
    "showCoverageOnHover": False,
}
CLUSTER_SIZES = (30, 36, 42, 50)  # px: up to 9 points, 99, 999, more (a count's digits fit)

# A cluster's icon: its count in black on a white disc, inside a ring split by category in the
# legend's order (a CSS conic gradient), and its mix in words on hover. The colours and names
# are the legend's (`colours`, `names`); each point carries its category's (escaped) name.
CLUSTER_ICON_JS = """function (cluster) {
    var colours = %(colours)s, names = %(names)s, sizes = %(sizes)s;
    var children = cluster.getAllChildMarkers(), n = children.length, counts = {};
    for (var i = 0; i < children.length; i++) {
        var c = children[i].options.category;
        counts[c] = (counts[c] || 0) + 1;
    }
    var stops = [], words = [], at = 0;
    for (var j = 0; j < colours.length; j++) {
        var k = counts[names[j]];
        if (!k) { continue; }
        var to = at + 360 * k / n;
        stops.push(colours[j] + " " + at.toFixed(1) + "deg " + to.toFixed(1) + "deg");
        words.push(k + " " + names[j]);
        at = to;
    }
    var size = sizes[n < 10 ? 0 : n < 100 ? 1 : n < 1000 ? 2 : 3], inner = size - 12;
    return L.divIcon({
        html: '<div title="' + n + " assets: " + words.join(", ") + '" style="width:' + size
            + "px;height:" + size + "px;box-sizing:border-box;border-radius:50%%;"
            + "border:1px solid #333;background:conic-gradient(" + stops.join(",") + ");"
            + 'display:flex;align-items:center;justify-content:center"><span style="font:bold '
            + "12px sans-serif;width:" + inner + "px;height:" + inner + "px;line-height:" + inner
            + 'px;border-radius:50%%;background:#fff;color:#000;text-align:center">'
            + n + "</span></div>",
        className: "socialrx-cluster",
        iconSize: L.point(size, size),
    });
}"""


def _asset_clusters(legend: list[tuple[str, str]]) -> MarkerCluster:
    """The one cluster group every category's layer adds its points to (not itself in the
    layer control: the categories are)."""
    icon = CLUSTER_ICON_JS % {
        "colours": json.dumps([colour for _, colour in legend]),
        "names": json.dumps([html_text(name) for name, _ in legend]),
        "sizes": json.dumps(list(CLUSTER_SIZES)),
    }
    return MarkerCluster(control=False, icon_create_function=icon, options=CLUSTER_OPTIONS)


def _category_layer(category: str, rows: list[list], group: MarkerCluster | None) -> folium.Layer:
    """One category's points as one layer (the layer control shows or hides it): a sub-group
    of the shared cluster `group`, or, with no group, a plain group of unclustered points."""
    colour = CATEGORY_COLOURS.get(category, OTHER_COLOUR)
    call = f"function (row) {{ return socialrx_asset(row, {script_text(category)}, {script_text(colour)}); }}"  # noqa: E501
    if group is None:
        return _PointLayer(rows, call, name=html_text(category))
    return _CategoryGroup(group, rows, call, name=html_text(category))


# The script shared by every category's layer: one point from one row of `MARKER_FIELDS`, its
# tooltip and (built when opened) its popup, the same HTML as `asset_popup_html`. Every piece it
# joins was escaped in Python.
ASSET_MARKER_JS = """
function socialrx_asset(row, category, colour) {
    var marker = L.circleMarker([row[0], row[1]], {radius: 6, color: "#333333", weight: 1,
        fill: true, fillColor: colour, fillOpacity: row[2] ? 0.35 : 0.9, category: category});
    marker.bindTooltip(row[4] + " (" + category + ")");
    marker.bindPopup(function () {
        var name = row[5] ? '<a href="' + row[5] + '" target="_blank" rel="noopener">' + row[4]
            + "</a>" : row[4];
        var lines = ["<b>" + name + "</b>", category];
        if (row[6]) { lines.push("Status: " + row[6]); }
        if (row[7]) { lines.push("When: " + row[7]); }
        if (row[8]) { lines.push("Cost: " + row[8]); }
        if (row[3]) { lines.push("<i>Not verified in the last 12 months</i>"); }
        return lines.join("<br>");
    }, {maxWidth: 320});
    return marker;
}
"""


class _AssetMarkers(MacroElement):
    """`ASSET_MARKER_JS`, once per map, before the layers that call it."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}")

    def __init__(self) -> None:
        super().__init__()
        self._name = "SocialrxAssetMarkers"
        self.code = ASSET_MARKER_JS


class _PointLayer(folium.map.Layer):
    """Unclustered points drawn by the shared script from rows of data (`cluster=False`)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var callback = {{ this.callback }};
            var data = {{ this.data|tojson }};
            var group = L.featureGroup();
            for (var i = 0; i < data.length; i++) { callback(data[i]).addTo(group); }
            return group;  // on the map when shown (folium's Layer adds it), else in the control
        })();
        {% endmacro %}
        """
    )

    def __init__(self, rows: list[list], callback: str, name: str, show: bool = True) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "SocialrxPoints"
        self.data = rows
        self.callback = callback


class _CategoryGroup(FeatureGroupSubGroup):
    """One category's points drawn by the shared script from rows of data, in a sub-group of
    the shared cluster group (Leaflet.FeatureGroup.SubGroup): switched off in the layer
    control, its points leave the clusters."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var callback = {{ this.callback }};
            var data = {{ this.data|tojson }};
            var markers = [];
            for (var i = 0; i < data.length; i++) { markers.push(callback(data[i])); }
            return L.featureGroup.subGroup({{ this._group.get_name() }}, markers);
        })();
        {% endmacro %}
        """
    )

    def __init__(self, group: MarkerCluster, rows: list[list], callback: str, name: str) -> None:
        super().__init__(group, name=name)
        self._name = "SocialrxCategory"
        self.data = rows
        self.callback = callback


def asset_popup_html(asset: dict) -> str:
    """The popup of one asset: every value escaped, the link only if it is http(s)."""
    lines = [
        f"<b>{html_link(asset.get('url'), asset.get('name'))}</b>",
        html_text(asset.get("category")),
    ]
    for label, key in (("Status", "status"), ("When", "schedule"), ("Cost", "cost")):
        value = asset.get(key)
        if value is not None and not pd.isna(value):
            lines.append(f"{label}: {html_text(value)}")
    if asset.get("stale") is True:
        lines.append("<i>Not verified in the last 12 months</i>")
    return "<br>".join(lines)


SIMPLIFY_METRES = 50  # invisible at the zoom a place is seen at; a fraction of the vertices
BNG, WGS84 = "EPSG:27700", "EPSG:4326"


def simplified_geometry(areas, tolerance: float = SIMPLIFY_METRES) -> list[dict]:
    """The areas' outlines for the map as GeoJSON geometry mappings: simplified in British
    National Grid to `tolerance` metres (neighbours keep a shared edge where the areas form a
    clean coverage; otherwise each outline is simplified on its own, staying valid) and
    rounded to 5 decimals of a degree (about 1 m). Cached per set of outlines, since a
    dataset's boundaries do not change between reruns."""
    geoms = np.asarray(areas.geometry.array)
    digest = hashlib.sha256()
    for wkb in shapely.to_wkb(geoms, hex=False):
        digest.update(b"-" if wkb is None else len(wkb).to_bytes(8, "little") + wkb)
    return _simplified(digest.hexdigest(), str(areas.crs), tolerance, geoms)


_SIMPLIFIED: dict[tuple, list[dict]] = {}
_SIMPLIFIED_KEPT = 8  # datasets' outlines kept (a few hundred kB each)


def _simplified(digest: str, crs: str, tolerance: float, geoms) -> list[dict]:
    key = (digest, crs, tolerance)
    if key not in _SIMPLIFIED:
        bng = gpd.GeoSeries(geoms, crs=crs).to_crs(BNG).array
        flat = np.asarray(bng)
        try:  # neighbours keep one shared edge where the outlines tile the place cleanly
            if not shapely.coverage_is_valid(flat):
                raise ValueError("outlines overlap or leave slivers")
            simple = shapely.coverage_simplify(flat, tolerance)
        except Exception:  # noqa: BLE001 - no clean coverage (or an older GEOS): one by one
            simple = shapely.simplify(flat, tolerance, preserve_topology=True)
        wgs = np.asarray(gpd.GeoSeries(simple, crs=BNG).to_crs(WGS84).array)
        rounded = shapely.transform(wgs, lambda xy: np.round(xy, 5))
        texts = (t or "null" for t in shapely.to_geojson(rounded).tolist())  # null: no outline
        mappings = json.loads("[" + ",".join(texts) + "]")  # one parse, not one per area
        if len(_SIMPLIFIED) >= _SIMPLIFIED_KEPT:
            _SIMPLIFIED.pop(next(iter(_SIMPLIFIED)))
        _SIMPLIFIED[key] = mappings
    return _SIMPLIFIED[key]


def _add_practices(fmap, practices: pd.DataFrame) -> None:
    """GP practices as small white rings in a layer of their own, off until switched on: one
    layer drawn from rows of data (escaped names), not a folium marker per practice."""
    placed = practices.dropna(subset=["latitude", "longitude"])
    rows = [
        [round(float(lat), 5), round(float(lon), 5),
         f"GP practice: {html_text(name)} ({html_text(code)})"]
        for name, code, lat, lon in zip(placed["name"], placed["practice_code"],
                                        placed["latitude"], placed["longitude"], strict=True)
    ]  # fmt: skip
    ring = (
        "function (row) { return L.circleMarker([row[0], row[1]], {radius: 5, color: "
        '"#000000", weight: 2.5, fill: true, fillColor: "#ffffff", fillOpacity: 1})'
        ".bindTooltip(row[2]); }"
    )
    _PointLayer(rows, ring, name="GP practices", show=False).add_to(fmap)


def _add_areas(
    fmap, areas, area_values, value_label, lower_is_darker, notes, focus, highlight=()
) -> None:
    shown = areas[["area_code", "area_name"]]
    values = (
        shown["area_code"].map(area_values)
        if area_values is not None
        else pd.Series(pd.NA, index=shown.index)
    )
    colours, breaks = _shade(values, reverse=lower_is_darker)
    chosen = shown["area_code"].isin(focus).tolist()
    marked = shown["area_code"].isin(highlight).tolist()
    whole = bool((values.dropna() % 1 == 0).all())
    why = shown["area_code"].map(notes) if notes is not None else pd.Series(pd.NA, shown.index)
    labels = [
        f"{html_text(name)} ({html_text(code)})"
        + (
            f": {html_text(value_label)} {v:,.{0 if whole else 1}f}"
            if not pd.isna(v)
            else (f": {html_text(note)}" if isinstance(note, str) else "")
        )
        for name, code, v, note in zip(
            shown["area_name"], shown["area_code"], values, why, strict=True
        )
    ]
    outlines = simplified_geometry(areas)
    # each feature carries its own style: no per-feature Python style function to run
    features = [
        {
            "type": "Feature",
            "properties": {
                "label": label,
                "style": {
                    "fillColor": fill,
                    "color": "#D55E00" if gap else "#000000" if focused else "#666666",
                    "weight": 3.5 if gap else 2.5 if focused else 0.5,
                    "fillOpacity": 0.55,
                },
            },
            "geometry": geometry,
        }
        for label, fill, focused, gap, geometry in zip(
            labels, colours.tolist(), chosen, marked, outlines, strict=True
        )
        if geometry is not None
    ]
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=html_text(value_label or "Areas"),
        tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
    ).add_to(fmap)
    if breaks:
        box = _legend_html(value_label, breaks, "right")
        fmap.get_root().html.add_child(folium.Element(box))


def _add_place_outline(fmap: folium.Map, outline, label: str) -> None:
    """The chosen place's boundary (a ward, MSOA, local authority, neighbourhood or PCN
    catchment: its small areas dissolved, a GeoSeries in WGS84) as a thick dashed blue line
    over the shaded areas, unfilled so clicks reach the areas beneath."""
    folium.GeoJson(
        json.loads(outline.to_json()),
        name=html_text(label),
        style_function=lambda _: {
            "color": "#0072B2",
            "weight": 4,
            "dashArray": "8 6",
            "fill": False,
        },  # fmt: skip
        tooltip=folium.Tooltip(html_text(label)),
    ).add_to(fmap)
