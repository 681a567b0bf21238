"""Geography: boundaries in, areas assigned to points; computed in BNG metres, drawn in WGS84."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

WGS84 = "EPSG:4326"
BNG = "EPSG:27700"
# The UK bounding box of the data contract.
UK_LAT = (49.8, 60.9)
UK_LON = (-8.7, 1.8)


def in_uk(lat: pd.Series, lon: pd.Series) -> pd.Series:
    """True where a WGS84 point falls inside the UK bounding box."""
    return lat.between(*UK_LAT) & lon.between(*UK_LON)


def areas_to_wgs84(areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Boundaries in WGS84 whatever CRS they came in (BNG assumed when none is declared
    and the coordinates are clearly metres)."""
    if areas.crs is None:
        minx = areas.total_bounds[0]
        areas = areas.set_crs(BNG if abs(minx) > 180 else WGS84)
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
