"""The asset map as a still image, for the workshop pack: prints on paper and opens offline,
where the live folium map needs Leaflet and map tiles from the internet."""

from __future__ import annotations

import io

import geopandas as gpd
import pandas as pd
from matplotlib.figure import Figure  # drawn in memory: no screen, no pyplot state
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from socialrx.data.geography import BNG
from socialrx.views.figures import CATEGORY_COLOURS
from socialrx.views.figures import _shade as area_colours  # the live map's classes and colours

PLACE_COLOUR = "#0072B2"  # the live map's dashed outline of a chosen place
GAP_COLOUR = "#D55E00"  # high need and low access, as on the live map
MARGIN = 0.06  # of the place's larger side, around it
MARGIN_MIN_M = 300.0  # so a single small area still shows its neighbours


def view_box(bounds, margin: float = MARGIN, least: float = MARGIN_MIN_M) -> tuple:
    """(minx, miny, maxx, maxy) widened on every side by `margin` of the larger side (at
    least `least` metres): the extent the still map opens on."""
    minx, miny, maxx, maxy = bounds
    pad = max(margin * max(maxx - minx, maxy - miny), least)
    return minx - pad, miny - pad, maxx + pad, maxy + pad


def asset_map_png(
    assets: pd.DataFrame,
    areas=None,
    area_values: pd.Series | None = None,
    value_label: str = "",
    lower_is_darker: bool = False,
    width_inches: float = 7.0,
    *,
    focus: tuple[str, ...] = (),
    highlight: tuple[str, ...] = (),
    place=None,
    title: str = "",
) -> bytes:
    """Areas shaded as on the live map (same classes and colours), assets as points coloured
    by category, drawn in British National Grid so distances look right; a PNG.
    See `asset_figure` for what opens where."""
    fig = asset_figure(assets, areas, area_values, value_label, lower_is_darker, width_inches,
                       focus=focus, highlight=highlight, place=place, title=title)  # fmt: skip
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


def asset_figure(
    assets: pd.DataFrame,
    areas=None,
    area_values: pd.Series | None = None,
    value_label: str = "",
    lower_is_darker: bool = False,
    width_inches: float = 7.0,
    *,
    focus: tuple[str, ...] = (),
    highlight: tuple[str, ...] = (),
    place=None,
    title: str = "",
) -> Figure:
    """The still map as a matplotlib figure. As on the live map: `place` (a GeoSeries in WGS84
    and its label: a chosen ward, MSOA, local authority, neighbourhood or PCN catchment) is a
    dashed blue outline the map opens on, named in the title; the areas in `focus` (e.g. those
    holding a chosen PCN's surgeries) are outlined in black and opened on where there is no
    place; the areas in `highlight` get an orange outline. The view is the place's extent
    with a margin (`view_box`), else the areas', else the assets'; the legend lists what is
    in view. Text from files is never read as maths (`$` stays a dollar)."""
    fig = Figure(figsize=(width_inches, width_inches * 0.9), dpi=150)
    ax = fig.subplots()
    legend = []
    shown = areas.to_crs(BNG) if areas is not None and len(areas) else None
    outline = place[0].to_crs(BNG) if place is not None else None
    chosen = shown[shown["area_code"].isin(focus)] if shown is not None and focus else None
    if outline is not None:
        box = view_box(outline.total_bounds)
    elif chosen is not None and len(chosen):
        box = view_box(chosen.total_bounds)
    elif shown is not None:
        box = view_box(shown.total_bounds, least=0)
    else:
        box = None
    if shown is not None:
        values = (
            shown["area_code"].map(area_values)
            if area_values is not None
            else pd.Series(index=shown.index, dtype=float)
        )
        colours, classes = area_colours(values, reverse=lower_is_darker)
        shown.plot(ax=ax, color=colours.to_numpy(), edgecolor="#777777", linewidth=0.2)
        legend += [Patch(facecolor=c, edgecolor="#777777", label=f"{value_label}: {label}")
                   for label, c in classes]  # fmt: skip
        if chosen is not None and len(chosen) and outline is None:
            chosen.boundary.plot(ax=ax, color="black", linewidth=1.2)
            legend.append(Line2D([], [], color="black", linewidth=1.2, label="Chosen areas"))
        gaps = shown[shown["area_code"].isin(highlight)] if highlight else shown.head(0)
        if len(gaps):
            gaps.boundary.plot(ax=ax, color=GAP_COLOUR, linewidth=1.4)
            legend.append(Line2D([], [], color=GAP_COLOUR, linewidth=1.4,
                                 label="High need, low access"))  # fmt: skip
    if outline is not None:
        outline.boundary.plot(ax=ax, color="white", linewidth=3.2)  # clear over dark areas
        outline.boundary.plot(ax=ax, color=PLACE_COLOUR, linewidth=2.2, linestyle=(0, (4, 3)),
                              gid="place-outline")  # fmt: skip
        legend.append(Line2D([], [], color=PLACE_COLOUR, linewidth=2.2, linestyle=(0, (4, 3)),
                             label=place[1]))  # fmt: skip
    placed = assets.dropna(subset=["latitude", "longitude"])
    if len(placed):
        points = pd.DataFrame(placed[["longitude", "latitude", "category"]])
        frame = gpd.GeoDataFrame(
            points,
            geometry=gpd.points_from_xy(points["longitude"], points["latitude"]),
            crs="EPSG:4326",
        ).to_crs(BNG)
        if box is not None:  # the legend lists only the categories in view
            frame = frame.cx[box[0] : box[2], box[1] : box[3]]
        for category, rows in frame.groupby("category", observed=True):
            colour = CATEGORY_COLOURS.get(category, "#444444")
            rows.plot(ax=ax, color=colour, markersize=16, edgecolor="black", linewidth=0.4)
            legend.append(Patch(facecolor=colour, label=str(category)))
    ax.set_axis_off()
    ax.set_aspect("equal")  # adjustable "box": the limits below are kept as set
    if box is not None:
        ax.set_xlim(box[0], box[2])
        ax.set_ylim(box[1], box[3])
    heading = title or (f"{place[1]}: dashed blue outline" if place is not None else "")
    if heading:
        ax.set_title(heading, fontsize=9, loc="left", parse_math=False, wrap=True)
    if legend:
        key = ax.legend(handles=legend, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=6,
                        frameon=False)  # fmt: skip
        for text in key.get_texts():
            text.set_parse_math(False)
    return fig
