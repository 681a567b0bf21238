"""The asset map as a still image, for the workshop pack: prints on paper and opens offline,
where the live folium map needs Leaflet and map tiles from the internet."""

from __future__ import annotations

import io

import geopandas as gpd
import pandas as pd
from matplotlib.figure import Figure  # drawn in memory: no screen, no pyplot state
from matplotlib.patches import Patch

from socialrx.data.geography import BNG
from socialrx.views.figures import CATEGORY_COLOURS
from socialrx.views.figures import _shade as area_colours  # the live map's classes and colours


def asset_map_png(
    assets: pd.DataFrame,
    areas=None,
    area_values: pd.Series | None = None,
    value_label: str = "",
    lower_is_darker: bool = False,
    width_inches: float = 7.0,
) -> bytes:
    """Areas shaded as on the live map (same classes and colours), assets as points coloured
    by category, drawn in British National Grid so distances look right; a PNG."""
    fig = Figure(figsize=(width_inches, width_inches * 0.9), dpi=150)
    ax = fig.subplots()
    legend = []
    if areas is not None and len(areas):
        shown = areas.to_crs(BNG)
        values = (
            shown["area_code"].map(area_values)
            if area_values is not None
            else pd.Series(index=shown.index, dtype=float)
        )
        colours, classes = area_colours(values, reverse=lower_is_darker)
        shown.plot(ax=ax, color=colours.to_numpy(), edgecolor="#777777", linewidth=0.2)
        legend += [Patch(facecolor=c, edgecolor="#777777", label=f"{value_label}: {label}")
                   for label, c in classes]  # fmt: skip
    placed = assets.dropna(subset=["latitude", "longitude"])
    if len(placed):
        points = pd.DataFrame(placed[["longitude", "latitude", "category"]])
        frame = gpd.GeoDataFrame(
            points,
            geometry=gpd.points_from_xy(points["longitude"], points["latitude"]),
            crs="EPSG:4326",
        ).to_crs(BNG)
        for category, rows in frame.groupby("category", observed=True):
            colour = CATEGORY_COLOURS.get(category, "#444444")
            rows.plot(ax=ax, color=colour, markersize=16, edgecolor="black", linewidth=0.4)
            legend.append(Patch(facecolor=colour, label=str(category)))
    ax.set_axis_off()
    ax.set_aspect("equal")
    if legend:
        ax.legend(handles=legend, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=6,
                  frameon=False)  # fmt: skip
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()
