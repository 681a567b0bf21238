"""Figure builders: data in, a `folium.Map` or plotly figure out, testable without a browser.

The asset map. Every string from a data file goes through `socialrx.escape` before it reaches a map;
plotly charts live in `socialrx.charts`.
Colours come from the Okabe-Ito palette, which stays distinct for colour-blind readers.
"""

from __future__ import annotations

import folium
import pandas as pd

from socialrx import vocab
from socialrx.escape import html_link, html_text

OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")
# Sequential blues (ColorBrewer, colour-blind safe) for choropleths, light to dark.
BLUES = (
    "#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6",
    "#4292c6", "#2171b5", "#08519c", "#08306b", "#041c40",
)  # fmt: skip
# One colour per asset category: Paul Tol's colour-blind-safe "muted" and "light" sets. Fifteen
# colours cannot all stay distinct for every reader, so the map also names the category in each
# tooltip and has a layer per category to show one at a time.
CATEGORY_COLOURS = dict(
    zip(
        vocab.ASSET_CATEGORIES,
        (
            "#CC6677", "#332288", "#117733", "#DDCC77", "#88CCEE", "#882255", "#44AA99",
            "#999933", "#AA4499", "#77AADD", "#EE8866", "#FFAABB", "#BBCC33", "#000000", "#DDDDDD",
        ),
        strict=True,
    )
)  # fmt: skip
MAP_CENTRE_UK = (52.8, -1.5)


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
    classes = min(7, len(distinct))
    palette = [BLUES[1 + round(i * 7 / max(classes - 1, 1))] for i in range(classes)]
    if reverse:
        palette.reverse()
    bins = pd.qcut(valid.rank(method="first"), classes, labels=False)
    colours[valid.index] = [palette[int(b)] for b in bins]
    legend = [
        (f"{valid[bins == b].min():,.1f} to {valid[bins == b].max():,.1f}", palette[b])
        for b in range(classes)
    ]
    return colours, legend


def _legend_html(title: str, items: list[tuple[str, str]], corner: str, columns: int = 1) -> str:
    """A legend box that can be folded away (it may cover part of the map); `corner` is CSS
    placing it, e.g. "bottom:40px;left:10px"."""
    rows = "".join(
        f'<div><span style="display:inline-block;width:12px;height:12px;background:{colour};'
        f'margin-right:6px;border:1px solid #555"></span>{html_text(label)}</div>'
        for label, colour in items
    )
    return (
        '<details open style="position:absolute;z-index:9999;background:white;padding:6px 8px;'
        f'border:1px solid #999;border-radius:4px;font:12px sans-serif;{corner}">'
        f'<summary style="cursor:pointer"><b>{html_text(title)}</b></summary>'
        f'<div style="display:grid;grid-template-columns:repeat({columns},auto);'
        f'column-gap:12px">{rows}</div></details>'
    )


def asset_map(
    assets: pd.DataFrame,
    areas=None,
    area_values: pd.Series | None = None,
    value_label: str = "",
    lower_is_darker: bool = False,
    area_notes: pd.Series | None = None,
    focus: tuple[str, ...] = (),
) -> folium.Map:
    """Assets as points coloured by category over areas shaded by a value (e.g. IMD decile).

    `area_values` is indexed by area_code; areas without a value are grey, and say why in
    their tooltip where `area_notes` (by area_code) has a reason. The areas in `focus` are
    outlined and the map opens on them."""
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
    fmap = folium.Map(
        location=MAP_CENTRE_UK,
        zoom_start=6,
        tiles="OpenStreetMap",
        control_scale=True,
        zoom_snap=0.25,
    )
    if bounds:
        fmap.fit_bounds(bounds, padding=(24, 24))  # points on the edge stay clear of controls
    if areas is not None and len(areas):
        _add_areas(fmap, areas, area_values, value_label, lower_is_darker, area_notes, focus)
    layers: dict[str, folium.FeatureGroup] = {}
    for row in placed.itertuples(index=False):
        category = row.category
        if category not in layers:
            layers[category] = folium.FeatureGroup(name=html_text(category)).add_to(fmap)
        colour = CATEGORY_COLOURS.get(category, "#777777")
        faded = row.status != "active"
        folium.CircleMarker(
            location=(row.latitude, row.longitude),
            radius=6,
            color="#333333",
            weight=1,
            fill=True,
            fill_color=colour,
            fill_opacity=0.35 if faded else 0.9,
            tooltip=folium.Tooltip(f"{html_text(row.name)} ({html_text(category)})"),
            popup=folium.Popup(asset_popup_html(row._asdict()), max_width=320, parse_html=False),
        ).add_to(layers[category])
    if layers:
        folium.LayerControl(collapsed=True).add_to(fmap)
        legend = [(c, CATEGORY_COLOURS[c]) for c in vocab.ASSET_CATEGORIES if c in layers]
        box = _legend_html("Asset category", legend, "bottom:50px;left:10px", columns=2)
        fmap.get_root().html.add_child(folium.Element(box))
    return fmap


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


def _add_areas(fmap, areas, area_values, value_label, lower_is_darker, notes, focus) -> None:
    shown = areas[["area_code", "area_name", "geometry"]].copy()
    values = (
        shown["area_code"].map(area_values)
        if area_values is not None
        else pd.Series(pd.NA, index=shown.index)
    )
    colours, breaks = _shade(values, reverse=lower_is_darker)
    shown["fill"] = colours.to_numpy()
    shown["chosen"] = shown["area_code"].isin(focus)
    whole = bool((values.dropna() % 1 == 0).all())
    why = shown["area_code"].map(notes) if notes is not None else pd.Series(pd.NA, shown.index)
    shown["label"] = [
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
    folium.GeoJson(
        shown[["label", "fill", "chosen", "geometry"]].to_json(),
        name=html_text(value_label or "Areas"),
        style_function=lambda f: {
            "fillColor": f["properties"]["fill"],
            "color": "#000000" if f["properties"]["chosen"] else "#666666",
            "weight": 2.5 if f["properties"]["chosen"] else 0.5,
            "fillOpacity": 0.55,
        },
        tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
    ).add_to(fmap)
    if breaks:
        box = _legend_html(value_label, breaks, "bottom:30px;right:10px")
        fmap.get_root().html.add_child(folium.Element(box))
