"""Access to community assets: how far each small area is from what it needs, and how much
capacity is within reach of how many people, as the field measures it.

- Nearest distance: from each area's centre (its centroid: LSOA files carry no population
  weighting below the area) to the nearest active asset, straight-line, in British National
  Grid metres.
- Two-step floating catchment area (2SFCA, Luo and Wang 2003): step 1, each asset's capacity
  over the adults living within the radius of it; step 2, each area sums those ratios over the
  assets within the radius of it. The enhanced variant (E2SFCA, Luo and Qi 2009) weights both
  steps by distance band. Scores are places a month per 1,000 adults.

Checked against pysal's `access` package in the tests (its default E2SFCA weights assume
minutes, so the weights here are always passed explicitly).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from socialrx.data.geography import BNG
from socialrx.metrics.recent import Recent

DEFAULT_RADIUS_M = 1600
# E2SFCA distance bands as shares of the radius, and their weights (Luo and Qi 2009's 1.00,
# 0.68, 0.22 for three travel zones).
E2SFCA_BANDS = ((0.5, 1.0), (0.75, 0.68), (1.0, 0.22))
FALLBACK_CAPACITY = 10  # places a month, for a category where no asset states a capacity
REMOTE = ("online", "telephone")
PLACED = ("in person", "hybrid")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
QUADRANTS = ("high need, low access", "high need, high access", "low need, low access",
             "low need, high access")  # fmt: skip


# Each areas table's centres, with the table itself (so its id is never another's): every
# page run is a new thread, where pyproj sets its transformation to BNG up again (30-50 ms),
# and the map, its gaps and commissioning each ask for them
_CENTRES = Recent(8)


def area_centres(areas) -> pd.DataFrame:
    """Each area's centroid in BNG metres (x, y), indexed by area_code; worked out once for an
    areas table (a dataset's is never changed), and only read by those who ask."""

    def centred():
        centres = areas.to_crs(BNG).geometry.centroid
        return areas, pd.DataFrame(
            {"x": centres.x.to_numpy(), "y": centres.y.to_numpy()},
            index=areas["area_code"].to_numpy(),
        )

    return _CENTRES.get(id(areas), centred)[1]


def asset_points(assets: pd.DataFrame) -> pd.DataFrame:
    """Assets with a place, in BNG metres (x, y), with their asset_id."""
    placed = assets.dropna(subset=["latitude", "longitude"])
    points = gpd.GeoSeries(
        gpd.points_from_xy(placed["longitude"], placed["latitude"]), crs="EPSG:4326"
    ).to_crs(BNG)
    return pd.DataFrame(
        {"asset_id": placed["asset_id"].to_numpy(), "x": points.x.to_numpy(),
         "y": points.y.to_numpy()}
    )  # fmt: skip


def distances(centres: pd.DataFrame, points: pd.DataFrame) -> np.ndarray:
    """Straight-line metres from every area centre (rows) to every asset (columns)."""
    # in place, two area-by-asset arrays in all: a region's 853 x 5,000 in 0.03 s, not 0.2
    squared = np.subtract.outer(centres["x"].to_numpy(float), points["x"].to_numpy(float))
    squared *= squared
    dy = np.subtract.outer(centres["y"].to_numpy(float), points["y"].to_numpy(float))
    squared += np.square(dy, out=dy)
    return np.sqrt(squared, out=squared).astype(np.float32)


def band_weights(metres: np.ndarray, radius: float, enhanced: bool) -> np.ndarray:
    """Each distance's weight: 1 within the radius (2SFCA), or by E2SFCA band; 0 beyond."""
    if not enhanced:
        return (metres <= radius).astype(np.float32)
    weights = np.zeros_like(metres, dtype=np.float32)
    for share, weight in reversed(E2SFCA_BANDS):  # inner bands written last, so they win
        weights[metres <= share * radius] = weight
    return weights


def two_step_fca(
    metres: np.ndarray,
    capacity: np.ndarray,
    adults: np.ndarray,
    radius: float = DEFAULT_RADIUS_M,
    enhanced: bool = False,
) -> np.ndarray:
    """Places a month per 1,000 adults for each area (rows of `metres`), from each asset's
    `capacity` (columns) and each area's `adults`. An asset with nobody within reach adds
    nothing (its ratio is undefined, not infinite)."""
    weights = band_weights(metres, radius, enhanced)
    reached = weights.T @ np.nan_to_num(adults.astype(float))  # step 1 denominator per asset
    ratio = np.divide(capacity, reached, out=np.zeros(len(capacity)), where=reached > 0)
    return 1000 * (weights @ ratio)


def nearest(metres: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Each area's distance to its nearest asset among those in `mask` (NaN where none)."""
    chosen = metres if mask is None else metres[:, mask]
    if chosen.shape[1] == 0:
        return np.full(metres.shape[0], np.nan)
    return chosen.min(axis=1).astype(float)


def capacity_assumed(assets: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Each asset's capacity a month: stated, or its category's median stated capacity
    (FALLBACK_CAPACITY where none in the category states one); and which were assumed."""
    stated = assets["capacity_per_month"].astype("Float64")
    medians = stated.groupby(assets["category"]).median()
    fallback = assets["category"].map(medians).astype("Float64").fillna(FALLBACK_CAPACITY)
    assumed = stated.isna()
    return stated.fillna(fallback).astype(float), assumed


def access_scores(
    areas,
    area_stats: pd.DataFrame,
    assets: pd.DataFrame,
    radius: float = DEFAULT_RADIUS_M,
    enhanced: bool = False,
    remote_for_everyone: bool = False,
) -> pd.DataFrame:
    """Per area: adults, distance to the nearest asset, and the 2SFCA (or E2SFCA) score.

    Online and telephone assets have no place: counted for everyone (their capacity shared by
    all the adults of the place) or for no one, as chosen."""
    centres = area_centres(areas)
    adults = (
        centres.index.to_series().map(area_stats.set_index("area_code")["population_adult"])
    ).astype(float)
    capacity, _ = capacity_assumed(assets)
    in_person = assets["delivery"].isin(PLACED) | assets["delivery"].isna()
    located = assets[in_person & assets["latitude"].notna() & assets["longitude"].notna()]
    metres = distances(centres, asset_points(located))
    score = two_step_fca(
        metres, capacity[located.index].to_numpy(), adults.to_numpy(), radius, enhanced
    )
    remote = assets["delivery"].isin(REMOTE)
    total = np.nansum(adults.to_numpy())
    if remote_for_everyone and remote.any() and total > 0:
        score = score + 1000 * capacity[remote].sum() / total
    return pd.DataFrame(
        {
            "area_code": centres.index,
            "population_adult": adults.to_numpy(),
            "nearest_m": nearest(metres),
            "access_per_1000": np.where(np.isnan(adults.to_numpy()), np.nan, score),
        }
    )


def nearest_by_category(areas, assets: pd.DataFrame, categories) -> pd.DataFrame:
    """Per area, the distance in metres to the nearest asset of each category."""
    centres = area_centres(areas)
    points = asset_points(assets)
    metres = distances(centres, points)
    category = assets.set_index("asset_id").loc[points["asset_id"], "category"].to_numpy()
    return pd.DataFrame(
        {c: nearest(metres, category == c) for c in categories}, index=centres.index
    )


def quadrants(
    need: pd.Series,
    access: pd.Series,
    need_cut: float | None = None,
    access_cut: float | None = None,
) -> pd.Series:
    """Each area's need-access quadrant, split at the medians unless thresholds are given.
    `need` must rise with need (e.g. 11 - IMD decile, or an IMD score). An area with no
    places within reach has low access whatever the cut: where most areas have none, the
    median is 0 and "below the median" would leave them all high access."""
    need_cut = need.median() if need_cut is None else need_cut
    access_cut = access.median() if access_cut is None else access_cut
    high_need, low_access = need >= need_cut, (access < access_cut) | (access <= 0)
    labels = np.select(
        [high_need & low_access, high_need, low_access],
        [QUADRANTS[0], QUADRANTS[1], QUADRANTS[2]],
        QUADRANTS[3],
    )
    known = need.notna() & access.notna()
    return pd.Series(labels, index=need.index).where(known)


# The schedule grammar: `Mon 10:00-12:00; Wed,Fri 14:00-16:00`, a day range `Mon-Fri 09:00-17:00`,
# or the words `by appointment` or `varies`; days are the first three letters, any case.
_DAY = "|".join(DAYS)
_PART = re.compile(
    rf"^\s*(?P<days>(?:{_DAY})(?:\s*[-,]\s*(?:{_DAY}))*)\s+\d{{1,2}}[:.]\d{{2}}\s*-\s*"
    r"\d{1,2}[:.]\d{2}\s*$",
    re.IGNORECASE,
)
ANY_DAY = ("by appointment", "varies")


def schedule_days(schedule: object) -> frozenset[str] | None:
    """The days an asset runs by its schedule text, or None where they cannot be read ("day
    not known": blank, by appointment, varies, or free text)."""
    if schedule is None or (not isinstance(schedule, str) and pd.isna(schedule)):
        return None
    text = str(schedule).strip()
    if not text or text.lower() in ANY_DAY:
        return None
    days: set[str] = set()
    for part in text.split(";"):
        match = _PART.match(part)
        if not match:
            return None
        for piece in re.split(r"\s*,\s*", match["days"]):
            ends = [d.strip().title()[:3] for d in piece.split("-")]
            first, last = DAYS.index(ends[0]), DAYS.index(ends[-1])
            days |= set(DAYS[first : last + 1])
    return frozenset(days)


def runs_on(assets: pd.DataFrame, day: str) -> tuple[pd.Series, int]:
    """Mask of assets whose schedule includes `day`, and how many have no readable day."""
    days = assets["schedule"].map(schedule_days)
    unknown = int(days.isna().sum())
    return days.map(lambda d: d is not None and day in d).astype(bool), unknown


# --- where need is high and access is low ---------------------------------------------------


def need_of(area_stats: pd.DataFrame, indicator: str) -> pd.Series:
    """The need indicator per area (indexed by area_code), rising with need: 11 minus the IMD
    decile (decile 1, the most deprived, is need 10), any other indicator as it is."""
    values = area_stats.set_index("area_code")[indicator].astype(float)
    return 11 - values if indicator == "imd_decile" else values


def nearest_column(category: str) -> str:
    """The gap table's column of the distance to the nearest asset of `category`."""
    return f"nearest {category} (m)"


def need_and_access(
    areas,
    area_stats: pd.DataFrame,
    assets: pd.DataFrame,
    radius: float = DEFAULT_RADIUS_M,
    enhanced: bool = False,
    remote_for_everyone: bool = False,
    need: str = "imd_decile",
    need_cut: float | None = None,
    access_cut: float | None = None,
    categories: tuple[str, ...] = (),
    keep: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """Per area: name, adults, need (rising, `need_of`) and the indicator as given
    (`need_as_given`), access (2SFCA, places a month per 1,000 adults, to one decimal), the
    nearest asset (whole metres), the quadrant and, for each of `categories`, the nearest
    asset of it and whether none of them is within `radius` (`none_within_reach`); high need
    and low access first (then the most need, then the least access).

    `assets` are every asset the filters keep, wherever it is: people cross a ward's or a
    neighbourhood's boundary to reach one, and the people near an asset compete for it
    wherever they live, so access (and the medians that split the quadrants) is worked out
    over all `areas`, and only then are the areas in `keep` kept (None: all)."""
    scores = access_scores(areas, area_stats, assets, radius, enhanced, remote_for_everyone)
    given = area_stats.set_index("area_code")[need].astype(float)
    table = scores.assign(
        area_name=scores["area_code"].map(areas.set_index("area_code")["area_name"]),
        need=need_of(area_stats, need).reindex(scores["area_code"]).to_numpy(),
        need_as_given=given.reindex(scores["area_code"]).to_numpy(),
    )
    table["quadrant"] = quadrants(
        table["need"], table["access_per_1000"], need_cut, access_cut
    ).to_numpy()
    if keep is not None:
        table = table[table["area_code"].isin(keep)]
    if categories:
        nearest = nearest_by_category(areas, assets, categories)
        for category in categories:
            table[nearest_column(category)] = table["area_code"].map(nearest[category])
        table["none_within_reach"] = (
            table[[nearest_column(c) for c in categories]].gt(radius).all(axis=1)
        )
    metres = [c for c in table.columns if c.endswith("(m)")] + ["nearest_m"]
    table[metres] = table[metres].round(0).astype("Int64")  # whole metres, read as such
    table["access_per_1000"] = table["access_per_1000"].round(1)
    order = table["quadrant"].map({q: i for i, q in enumerate(QUADRANTS)})
    return (
        table.assign(_order=order)
        .sort_values(["_order", "need", "access_per_1000"], ascending=[True, False, True])
        .drop(columns="_order")
    )


@dataclass(frozen=True)
class GapSummary:
    """What a need and access table (`need_and_access`) says: the areas of high need and low
    access and the adults living there; the first of them (the most need, then the least
    access: `first`, None where there is none), how many share its need (`tied`) and how
    many of those its access too (`tied_access`); and, where categories were chosen, the areas
    of high need with none of them within reach and their adults (None otherwise)."""

    areas: int
    adults: float
    first: pd.Series | None
    tied: int
    tied_access: int
    out_of_reach: int | None
    adults_out_of_reach: float | None


def gap_summary(table: pd.DataFrame) -> GapSummary:
    """The counts and sums behind the asset map's headline cards and its gap panel's answer."""
    gaps = table[table["quadrant"] == QUADRANTS[0]]
    first, tied, tied_access = None, 0, 0
    if len(gaps):
        ranked = gaps.sort_values(["need", "access_per_1000"], ascending=[False, True],
                                  kind="stable")  # fmt: skip
        first = ranked.iloc[0]
        most = gaps["need"] == first["need"]
        tied = int(most.sum())
        tied_access = int((most & (gaps["access_per_1000"] == first["access_per_1000"])).sum())
    out_of_reach = adults_out_of_reach = None
    if "none_within_reach" in table:
        needy = table[table["quadrant"].isin(QUADRANTS[:2])]  # high need, as split
        none = needy[needy["none_within_reach"].fillna(False).astype(bool)]
        out_of_reach, adults_out_of_reach = len(none), float(none["population_adult"].sum())
    return GapSummary(
        len(gaps), float(gaps["population_adult"].sum()), first, tied, tied_access,
        out_of_reach, adults_out_of_reach,
    )  # fmt: skip
