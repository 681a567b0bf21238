"""The asset map at a region's size, beside two plain folium maps of the same assets and areas.

`naive_map` is what folium's tutorials lead to (a `MarkerCluster` of markers with popups,
boundaries at full resolution); `lean_map` is folium at its leanest (`FastMarkerCluster` with
its data as arrays, boundaries simplified to 50 m in British National Grid) with a name in each
popup and no shading, legend or escaping. Built in the same run as
`socialrx.views.figures.asset_map`, so the ratio holds on a noisy machine.
"""

from __future__ import annotations

import time

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from folium.plugins import FastMarkerCluster, MarkerCluster

from socialrx import vocab

HOSTILE = ("</script><script>alert(1)</script>", "`${x}` tick", "C:\\users\\me", "Tom's & Jo's")


def synthetic_assets(areas: gpd.GeoDataFrame, n: int = 5000, seed: int = 1) -> pd.DataFrame:
    """`n` assets at random points inside the areas, every category, some hostile names."""
    rng = np.random.default_rng(seed)
    geoms = np.asarray(areas.geometry.array)
    which = rng.integers(0, len(geoms), n)
    lat, lon = np.empty(n), np.empty(n)
    for i, a in enumerate(which):
        minx, miny, maxx, maxy = geoms[a].bounds
        while True:
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if shapely.contains_xy(geoms[a], x, y):
                lat[i], lon[i] = round(y, 5), round(x, 5)
                break
    names = [f"Community group {i}" for i in range(n)]
    for i, text in enumerate(HOSTILE):
        names[i] = text
    return pd.DataFrame(
        {
            "asset_id": [f"A{i:05d}" for i in range(n)],
            "name": names,
            "category": rng.choice(vocab.ASSET_CATEGORIES, n),
            "status": rng.choice(["active", "active", "active", "inactive"], n),
            "latitude": lat,
            "longitude": lon,
            "url": np.where(rng.random(n) < 0.5, "https://example.org/group", None),
            "schedule": rng.choice(["Tue 10:00-12:00", "Thu 18:00-20:00", None], n),
            "cost": rng.choice(["free", "low cost", "paid"], n),
            "stale": rng.random(n) < 0.1,
            "area_code": areas["area_code"].to_numpy()[which],
        }
    )


def naive_map(assets: pd.DataFrame, areas: gpd.GeoDataFrame) -> folium.Map:
    """A MarkerCluster of markers with popups over full-resolution boundaries."""
    fmap = folium.Map(location=(53.45, -1.3), zoom_start=10)
    folium.GeoJson(
        areas[["area_code", "area_name", "geometry"]].to_json(),
        tooltip=folium.GeoJsonTooltip(fields=["area_name"]),
    ).add_to(fmap)
    cluster = MarkerCluster().add_to(fmap)
    for row in assets.itertuples(index=False):
        folium.Marker(
            (row.latitude, row.longitude),
            popup=folium.Popup(f"{row.name}<br>{row.category}", max_width=320),
            tooltip=row.name,
        ).add_to(cluster)
    return fmap


def lean_map(assets: pd.DataFrame, areas: gpd.GeoDataFrame) -> folium.Map:
    """FastMarkerCluster with its data as arrays over boundaries simplified to 50 m."""
    fmap = folium.Map(location=(53.45, -1.3), zoom_start=10)
    simple = areas[["area_code", "geometry"]].to_crs(27700)
    simple["geometry"] = simple.geometry.simplify(50)
    folium.GeoJson(simple.to_crs(4326).to_json()).add_to(fmap)
    data = assets[["latitude", "longitude", "name"]].to_numpy().tolist()
    callback = (
        "function (row) { var m = L.circleMarker(new L.LatLng(row[0], row[1])); "
        "m.bindPopup(row[2]); return m; }"
    )
    FastMarkerCluster(data, callback=callback).add_to(fmap)
    return fmap


def timed_html(build) -> tuple[float, int]:
    """Seconds to build the map and render its HTML (what the page sends), and the bytes."""
    started = time.perf_counter()
    html = build().get_root().render()
    return time.perf_counter() - started, len(html.encode())
