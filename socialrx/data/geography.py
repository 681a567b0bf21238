"""Geography: boundaries in, areas assigned to points; computed in BNG metres, drawn in WGS84."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from socialrx.data.problems import WARNING, Report

WGS84 = "EPSG:4326"
BNG = "EPSG:27700"
# The UK bounding box of the data contract.
UK_LAT = (49.8, 60.9)
UK_LON = (-8.7, 1.8)


def in_uk(lat: pd.Series, lon: pd.Series) -> pd.Series:
    """True where a WGS84 point falls inside the UK bounding box."""
    return lat.between(*UK_LAT) & lon.between(*UK_LON)


def areas_to_wgs84(areas: gpd.GeoDataFrame, file: str, report: Report) -> gpd.GeoDataFrame | None:
    """Boundaries in WGS84 whatever CRS they came in. Coordinates in metres are British National
    Grid when no CRS is declared, or when the file claims degrees (GeoJSON readers assume
    WGS84 for a file without a `crs` member); anything else is reported, not guessed."""
    if areas.empty:
        return areas.set_crs(WGS84, allow_override=True)
    minx, miny, maxx, maxy = areas.total_bounds
    in_metres = max(abs(minx), abs(maxx)) > 180 or max(abs(miny), abs(maxy)) > 90
    geographic = areas.crs is None or areas.crs.is_geographic
    if in_metres and geographic:
        if not (minx >= 0 and miny >= 0 and maxx <= 700_000 and maxy <= 1_300_000):
            report.add(file, "the coordinates are neither longitude/latitude nor British "
                       "National Grid metres: save the boundaries with their CRS")  # fmt: skip
            return None
        if areas.crs is not None:
            report.add(file, "the coordinates are metres, though the file says degrees: read "
                       "as British National Grid (EPSG:27700)", WARNING)  # fmt: skip
        areas = areas.set_crs(BNG, allow_override=True)
    elif areas.crs is None:
        areas = areas.set_crs(WGS84)
    return areas.to_crs(WGS84)


def area_of_points(lat: pd.Series, lon: pd.Series, areas: gpd.GeoDataFrame) -> pd.Series:
    """The area_code of the area containing each point (NA outside every area)."""
    result = pd.Series(pd.NA, index=lat.index, dtype="string")
    placed = lat.notna() & lon.notna()
    if areas is None or areas.empty or not placed.any():
        return result
    points = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(lon[placed], lat[placed]), index=lat.index[placed], crs=WGS84
    )
    joined = gpd.sjoin(
        points.to_crs(BNG),
        areas[["area_code", "geometry"]].to_crs(BNG),
        how="left",
        predicate="within",
    )
    joined = joined[~joined.index.duplicated(keep="first")]
    result.loc[joined.index] = joined["area_code"].astype("string")
    return result
