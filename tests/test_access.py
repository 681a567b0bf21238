"""Access measures on a hand-built geography, and against pysal's `access` on a random one."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from socialrx.metrics import access
from socialrx.metrics.access import (
    QUADRANTS,
    access_scores,
    band_weights,
    gap_summary,
    nearest,
    nearest_by_category,
    nearest_column,
    need_and_access,
    need_of,
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


def test_an_areas_tables_centres_are_worked_out_once():
    areas, _, _ = _geography(np.random.default_rng(3), n_areas=5)
    first = access.area_centres(areas)
    assert access.area_centres(areas) is first
    # another table (a copy) is worked out again, to the same centres in BNG metres
    again = access.area_centres(areas.copy())
    assert again is not first
    pd.testing.assert_frame_equal(again, first)
    assert list(first.index) == list(areas["area_code"])
    assert ((first["x"] > 400_000) & (first["x"] < 410_000)).all()


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


def _line_geography():
    """The four areas and three assets above as data: small squares around the centres, the
    assets as points, both in WGS84 as loaded; IMD deciles A 1, B 8, C 2, D 3."""
    areas = gpd.GeoDataFrame(
        {"area_code": list(CENTRES), "area_name": [f"Area {c}" for c in CENTRES]},
        geometry=[box(x - 100, y - 100, x + 100, y + 100) for x, y in CENTRES.values()],
        crs="EPSG:27700",
    ).to_crs("EPSG:4326")
    stats = pd.DataFrame({"area_code": list(CENTRES), "population_adult": list(ADULTS.values()),
                          "imd_decile": [1, 8, 2, 3]})  # fmt: skip
    points = gpd.GeoSeries(gpd.points_from_xy([x for _, x, _ in ASSETS], [300_000] * 3),
                           crs="EPSG:27700").to_crs("EPSG:4326")  # fmt: skip
    assets = pd.DataFrame({
        "asset_id": [a for a, *_ in ASSETS],
        "category": ["physical activity", "arts and creativity", "physical activity"],
        "delivery": "in person", "latitude": points.y.to_numpy(),
        "longitude": points.x.to_numpy(),
        "capacity_per_month": pd.array([c for *_, c in ASSETS], dtype="Int64"),
    })  # fmt: skip
    return areas, stats, assets


def test_need_of_turns_the_decile_round_so_need_rises():
    stats = pd.DataFrame({"area_code": ["a", "b"], "imd_decile": [1, 10], "score": [3.5, 1.0]})
    assert need_of(stats, "imd_decile").tolist() == [10, 1]  # 11 - decile
    assert need_of(stats, "score").tolist() == [3.5, 1.0]  # any other indicator as it is


def test_need_and_access_table_by_hand():
    areas, stats, assets = _line_geography()
    table = need_and_access(areas, stats, assets, radius=1700,
                            categories=("physical activity",)).set_index("area_code")  # fmt: skip
    # within 1,700 m, as test_two_step_fca_by_hand: access A 10, B 14, C 4, D 0 places a month
    # per 1,000 adults. Need (11 - decile) A 10, B 3, C 9, D 8: median 8.5, so A and C are of
    # high need; access median (4 + 10) / 2 = 7, so C and D have low access (D also none)
    assert table["access_per_1000"].to_dict() == {"C": 4.0, "A": 10.0, "D": 0.0, "B": 14.0}
    assert table["need"].to_dict() == {"C": 9, "A": 10, "D": 8, "B": 3}
    assert table["need_as_given"].to_dict() == {"C": 2, "A": 1, "D": 3, "B": 8}
    assert table["quadrant"].tolist() == list(QUADRANTS[:1] + QUADRANTS[1:])  # C, A, D, B
    # nearest asset in whole metres: A at S1 (0), B 1,200 from S1, C 1,600 from S2, D 10,000
    # from S3; the nearest physical activity (S1 or S3): C 4,000 m, D 10,000 m, so neither has
    # one within 1,700 m
    assert table["nearest_m"].to_dict() == {"C": 1600, "A": 0, "D": 10_000, "B": 1200}
    assert table[nearest_column("physical activity")].to_dict() == {
        "C": 4000, "A": 0, "D": 10_000, "B": 1200}  # fmt: skip
    assert table["none_within_reach"].to_dict() == {"C": True, "A": False, "D": True, "B": False}
    found = gap_summary(table.reset_index())
    # high need, low access: C alone, 500 adults; of high need (A, C) none within reach: C
    assert (found.areas, found.adults, found.tied, found.tied_access) == (1, 500.0, 1, 1)
    assert found.first["area_code"] == "C"
    assert (found.out_of_reach, found.adults_out_of_reach) == (1, 500.0)
    # a chosen place keeps its areas, split by the whole dataset's medians
    kept = need_and_access(areas, stats, assets, radius=1700, keep=("A", "D"))
    assert kept["area_code"].tolist() == ["A", "D"]
    assert kept["quadrant"].tolist() == [QUADRANTS[1], QUADRANTS[2]]
    assert "none_within_reach" not in kept


def test_gap_summary_counts_ties_at_the_most_need_and_the_least_access():
    table = pd.DataFrame({
        "area_code": list("abcde"),
        "quadrant": [QUADRANTS[0]] * 3 + [QUADRANTS[1], QUADRANTS[2]],
        "need": [10, 10, 9, 10, 1], "access_per_1000": [0.0, 0.0, 0.0, 5.0, 0.0],
        "population_adult": [100.0, 200.0, 300.0, 400.0, 500.0],
    })  # fmt: skip
    found = gap_summary(table)
    # a, b, c: 600 adults; a and b share the most need (10) and the least access (0)
    assert (found.areas, found.adults, found.tied, found.tied_access) == (3, 600.0, 2, 2)
    assert found.first["area_code"] == "a"  # the table's order breaks the tie
    assert found.out_of_reach is None  # no category chosen
    empty = gap_summary(table.assign(quadrant=QUADRANTS[3]))
    assert (empty.areas, empty.adults, empty.first) == (0, 0.0, None)


def test_distances_are_straight_line_metres_from_each_centre_to_each_asset():
    centres = pd.DataFrame({"x": [0.0, 300.0], "y": [0.0, 400.0]}, index=["E1", "E2"])
    points = pd.DataFrame({"asset_id": ["A", "B", "C"], "x": [3.0, 300.0, 0.0],
                           "y": [4.0, 0.0, 0.0]})  # fmt: skip
    metres = access.distances(centres, points)
    assert metres.dtype == np.float32
    assert metres.tolist() == [[5.0, 300.0, 0.0], [np.hypot(297, 396), 400.0, 500.0]]
    # as np.hypot gives them, for a region's spread of British National Grid points
    rng = np.random.default_rng(3)
    centres = pd.DataFrame(rng.uniform([400_000, 380_000], [460_000, 420_000], (300, 2)),
                           columns=["x", "y"])  # fmt: skip
    points = pd.DataFrame(rng.uniform([400_000, 380_000], [460_000, 420_000], (900, 2)),
                          columns=["x", "y"])  # fmt: skip
    dx = centres["x"].to_numpy()[:, None] - points["x"].to_numpy()[None, :]
    dy = centres["y"].to_numpy()[:, None] - points["y"].to_numpy()[None, :]
    assert np.array_equal(access.distances(centres, points), np.hypot(dx, dy).astype(np.float32))
