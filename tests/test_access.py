"""Access measures on a hand-built geography, and against pysal's `access` on a random one."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from socialrx.metrics.access import (
    access_scores,
    band_weights,
    nearest,
    nearest_by_category,
    quadrants,
    runs_on,
    schedule_days,
    two_step_fca,
)

# Four areas on a line (centroids, BNG metres) and three assets; radius 1,600 m.
CENTRES = {"A": (400_000, 300_000), "B": (401_200, 300_000), "C": (404_000, 300_000),
           "D": (420_000, 300_000)}  # fmt: skip
ADULTS = {"A": 1000, "B": 2000, "C": 500, "D": 800}
ASSETS = [("S1", 400_000, 30), ("S2", 402_400, 10), ("S3", 430_000, 5)]


def _metres():
    return np.array(
        [[abs(cx - ax) + abs(cy - 300_000) for _, ax, _ in ASSETS] for cx, cy in CENTRES.values()],
        dtype=float,
    )


def test_two_step_fca_by_hand():
    capacity = np.array([c for *_, c in ASSETS], dtype=float)
    adults = np.array(list(ADULTS.values()), dtype=float)
    score = two_step_fca(_metres(), capacity, adults, radius=1600)
    # S1 reaches A and B (3,000 adults): 30 / 3000 = 0.01; S2 reaches B and C (2,500): 0.004;
    # S3 reaches nobody and adds nothing. Per 1,000 adults: A 10, B 14, C 4, D 0.
    assert score.tolist() == pytest.approx([10.0, 14.0, 4.0, 0.0])
    assert nearest(_metres()).tolist() == [0, 1200, 1600, 10_000]


def test_enhanced_two_step_fca_by_hand():
    capacity = np.array([c for *_, c in ASSETS], dtype=float)
    adults = np.array(list(ADULTS.values()), dtype=float)
    score = two_step_fca(_metres(), capacity, adults, radius=1600, enhanced=True)
    # weights: up to 800 m 1.00, to 1,200 m 0.68, to 1,600 m 0.22
    r1 = 30 / (1000 + 0.68 * 2000)
    r2 = 10 / (0.68 * 2000 + 0.22 * 500)
    assert score.tolist() == pytest.approx(
        [1000 * r1, 1000 * 0.68 * (r1 + r2), 1000 * 0.22 * r2, 0.0]
    )
    assert band_weights(np.array([0.0, 800, 801, 1200, 1600, 1601]), 1600, True).tolist() == (
        pytest.approx([1, 1, 0.68, 0.68, 0.22, 0])
    )


def _geography(rng, n_areas=40, n_assets=25):
    xs, ys = rng.uniform(400_000, 410_000, n_areas), rng.uniform(300_000, 310_000, n_areas)
    areas = gpd.GeoDataFrame(
        {"area_code": [f"E{i:03d}" for i in range(n_areas)]},
        geometry=[box(x - 150, y - 150, x + 150, y + 150) for x, y in zip(xs, ys, strict=True)],
        crs="EPSG:27700",
    ).to_crs("EPSG:4326")
    stats = pd.DataFrame({"area_code": areas["area_code"],
                          "population_adult": rng.integers(800, 2500, n_areas)})  # fmt: skip
    points = gpd.GeoSeries(
        gpd.points_from_xy(rng.uniform(400_000, 410_000, n_assets),
                           rng.uniform(300_000, 310_000, n_assets)), crs="EPSG:27700",
    ).to_crs("EPSG:4326")  # fmt: skip
    assets = pd.DataFrame(
        {
            "asset_id": [f"S{i}" for i in range(n_assets)],
            "category": rng.choice(["physical activity", "arts and creativity"], n_assets),
            "delivery": "in person",
            "latitude": points.y.to_numpy(),
            "longitude": points.x.to_numpy(),
            "capacity_per_month": pd.array(rng.integers(5, 40, n_assets), dtype="Int64"),
        }
    )
    return areas, stats, assets


@pytest.mark.parametrize("enhanced", [False, True])
def test_scores_agree_with_pysal_access(enhanced):
    access = pytest.importorskip("access")
    areas, stats, assets = _geography(np.random.default_rng(3))
    ours = access_scores(areas, stats, assets, radius=2500, enhanced=enhanced)
    centres = areas.to_crs("EPSG:27700").geometry.centroid
    points = gpd.GeoSeries(gpd.points_from_xy(assets["longitude"], assets["latitude"]),
                           crs="EPSG:4326").to_crs("EPSG:27700")  # fmt: skip
    cost = pd.DataFrame(
        [(a, s, float(np.hypot(c.x - p.x, c.y - p.y)))
         for a, c in zip(areas["area_code"], centres, strict=True)
         for s, p in zip(assets["asset_id"], points, strict=True)],
        columns=["origin", "dest", "metres"],
    )  # fmt: skip
    model = access.Access(
        demand_df=stats.set_index("area_code"), demand_value="population_adult",
        supply_df=assets.set_index("asset_id").assign(
            capacity=assets["capacity_per_month"].astype(float).to_numpy()),
        supply_value="capacity", cost_df=cost, cost_origin="origin", cost_dest="dest",
        cost_name="metres",
    )  # fmt: skip
    if enhanced:

        def weight(metres):  # our bands, in metres (access's default weights assume minutes)
            return np.select([metres <= 1250, metres <= 1875, metres <= 2500],
                             [1.0, 0.68, 0.22], 0.0)  # fmt: skip

        theirs = model.enhanced_two_stage_fca(max_cost=2500, weight_fn=weight)
    else:
        theirs = model.two_stage_fca(max_cost=2500)
    theirs = theirs.iloc[:, 0].reindex(ours["area_code"]).fillna(0).to_numpy() * 1000
    assert ours["access_per_1000"].to_numpy() == pytest.approx(theirs, rel=1e-4)


def test_online_assets_count_for_everyone_or_no_one():
    areas, stats, assets = _geography(np.random.default_rng(5), n_assets=5)
    online = pd.DataFrame({"asset_id": ["O1"], "category": ["arts and creativity"],
                           "delivery": ["online"], "latitude": [np.nan], "longitude": [np.nan],
                           "capacity_per_month": pd.array([100], dtype="Int64")})  # fmt: skip
    both = pd.concat([assets, online], ignore_index=True)
    none = access_scores(areas, stats, both)
    everyone = access_scores(areas, stats, both, remote_for_everyone=True)
    added = 1000 * 100 / stats["population_adult"].sum()
    assert (everyone["access_per_1000"] - none["access_per_1000"]).to_numpy() == (
        pytest.approx(np.full(len(areas), added))
    )


def test_missing_capacity_takes_the_category_median():
    areas, stats, assets = _geography(np.random.default_rng(7), n_assets=3)
    assets["category"] = "arts and creativity"
    assets["capacity_per_month"] = pd.array([10, 30, None], dtype="Int64")
    from socialrx.metrics.access import capacity_assumed

    capacity, assumed = capacity_assumed(assets)
    assert capacity.tolist() == [10, 30, 20] and assumed.tolist() == [False, False, True]


def test_nearest_by_category_and_quadrants():
    areas, stats, assets = _geography(np.random.default_rng(9), n_areas=6, n_assets=8)
    table = nearest_by_category(areas, assets, ["physical activity", "housing advice"])
    assert table["housing advice"].isna().all() and table["physical activity"].notna().all()
    need = pd.Series([9, 8, 2, 1], index=list("abcd"))
    access = pd.Series([1.0, 5.0, 1.0, 5.0], index=list("abcd"))
    assert quadrants(need, access).tolist() == [
        "high need, low access",
        "high need, high access",
        "low need, low access",
        "low need, high access",
    ]
    assert quadrants(need, access, need_cut=9, access_cut=0.5).tolist()[0] == (
        "high need, high access"
    )


def test_no_places_within_reach_is_low_access_even_when_that_is_the_median():
    # Solihull with two categories: most areas have nothing within reach, so the median is 0
    need = pd.Series([9, 9, 2, 2, 9], index=list("abcde"))
    access = pd.Series([0.0, 0.0, 0.0, 3.0, 4.0], index=list("abcde"))
    assert quadrants(need, access).tolist() == [
        "high need, low access",
        "high need, low access",
        "low need, low access",
        "low need, high access",
        "high need, high access",
    ]


def test_schedule_grammar():
    assert schedule_days("Mon 10:00-12:00; Wed,Fri 14:00-16:00") == {"Mon", "Wed", "Fri"}
    assert schedule_days("mon-wed 9.30-11.00") == {"Mon", "Tue", "Wed"}
    for unknown in ("by appointment", "Varies", "", None, "first Tuesday of the month"):
        assert schedule_days(unknown) is None
    frame = pd.DataFrame({"schedule": ["Tue 10:00-12:00", "varies", "Thu 18:00-20:00"]})
    mask, unknown = runs_on(frame, "Tue")
    assert mask.tolist() == [True, False, False] and unknown == 1
