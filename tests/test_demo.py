"""The synthetic demo dataset: deterministic, internally consistent, valid, and shaped like the
story each page should find."""

import pandas as pd
import pytest
from conftest import REPO

from socialrx import vocab
from socialrx.capacity import capacity_strain
from socialrx.demo import EXTRACT_DATE, START_DATE, build_demo, write_demo
from socialrx.disclosure import Level
from socialrx.loader import load_folder

N = 3000  # small, for speed
SEED = 2026


@pytest.fixture(scope="module")
def demo() -> dict:
    return build_demo(N, SEED)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """The demo written as a dataset folder and read back through the loader."""
    folder = tmp_path_factory.mktemp("demo")
    counts = write_demo(folder, N, SEED)
    dataset, report = load_folder(folder)
    return counts, dataset, report


def test_deterministic_for_a_seed(demo):
    again = build_demo(N, SEED)
    assert list(again) == list(demo)
    for name, frame in demo.items():
        if name == "areas":
            assert again[name]["area_code"].tolist() == frame["area_code"].tolist()
            assert again[name].geometry.equals(frame.geometry)
        else:
            pd.testing.assert_frame_equal(again[name], frame, check_exact=True)


def test_different_seeds_differ(demo):
    other = build_demo(N, SEED + 1)
    assert len(other["referrals"]) == N
    assert not other["referrals"].equals(demo["referrals"])
    assert not other["assets"]["name"].equals(demo["assets"]["name"])


def test_referential_integrity(demo):
    referrals, assets = demo["referrals"], demo["assets"]
    connections, outcomes = demo["connections"], demo["outcomes"]
    assert referrals["referral_id"].is_unique and assets["asset_id"].is_unique
    assert connections["referral_id"].isin(referrals["referral_id"]).all()
    assert connections["asset_id"].isin(assets["asset_id"]).all()
    assert outcomes["referral_id"].isin(referrals["referral_id"]).all()
    assert assets["organisation_id"].isin(demo["organisations"]["organisation_id"]).all()
    assert referrals["practice_code"].isin(demo["practices"]["practice_code"]).all()
    assert referrals["link_worker_id"].isin(demo["link_workers"]["link_worker_id"]).all()
    assert referrals["area_code"].isin(demo["area_stats"]["area_code"]).all()
    assert set(demo["area_stats"]["area_code"]) == set(demo["areas"]["area_code"])
    assert demo["funding"]["organisation_id"].isin(demo["organisations"]["organisation_id"]).all()


def test_dates_fall_inside_the_extract_window(demo):
    referrals = demo["referrals"]
    assert referrals["referral_date"].min() >= START_DATE
    for name in ("referrals", "connections", "outcomes"):
        frame = demo[name]
        for column in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[column]):
                assert (frame[column].dropna() <= EXTRACT_DATE).all(), (name, column)
    # No date runs backwards.
    for column in ("first_contact_date", "first_appointment_date", "closed_date"):
        assert not (referrals[column] < referrals["referral_date"]).any(), column
    connections = demo["connections"]
    assert not (connections["started_date"] < connections["referred_date"]).any()


def test_committed_demo_data_validates():
    dataset, report = load_folder(REPO / "data" / "demo")
    assert report.errors == [], report.lines()[:10]
    assert report.unreadable == []
    assert dataset.is_demo and dataset.place_name == "Rotherham"
    assert dataset.extract_date == EXTRACT_DATE
    assert dataset.lsoa_vintage == "2011"
    assert dataset.areas is not None and len(dataset.areas) == 167
    assert len(dataset.table("assets")) == 150


def test_a_written_demo_loads_back_with_no_problems(loaded):
    counts, dataset, report = loaded
    assert report.lines() == []
    assert counts["referrals"] == N
    for name, count in counts.items():
        if name not in ("areas", "dataset"):
            assert len(dataset.table(name)) == count, name
    assert dataset.label == "Rotherham (demo data)"


def test_assets_organisations_and_practices(demo):
    assets = demo["assets"]
    assert len(assets) == 150
    assert set(assets["category"]) == set(vocab.ASSET_CATEGORIES)  # all 15 used
    assert len(vocab.ASSET_CATEGORIES) == 15
    assert len(demo["organisations"]) == 60
    practices = demo["practices"]
    assert len(practices) == 10
    assert practices["pcn_code"].value_counts().to_dict() == {"XPCN01": 5, "XPCN02": 5}
    assert practices["practice_code"].is_unique


def test_referrals_peak_in_winter(demo):
    # The window holds exactly three of each month (October 2023 to September 2026).
    month = demo["referrals"]["referral_date"].dt.month
    winter, summer = month.isin([12, 1, 2]).sum(), month.isin([6, 7, 8]).sum()
    assert winter > 1.2 * summer


def test_referral_rate_higher_in_more_deprived_areas(demo):
    stats = demo["area_stats"].set_index("area_code")
    referrals = demo["referrals"]["area_code"].value_counts()
    stats = stats.assign(referrals=referrals.reindex(stats.index).fillna(0))

    def rate_per_1000(deciles) -> float:
        band = stats[stats["imd_decile"].isin(deciles)]
        return 1000 * band["referrals"].sum() / band["population_adult"].sum()

    assert rate_per_1000([1, 2, 3]) > 1.5 * rate_per_1000([8, 9, 10])


def test_two_practices_hardly_refer(demo):
    counts = demo["referrals"]["practice_code"].value_counts()
    assert set(counts.index[-2:]) == {"X90004", "X90009"}
    assert counts["X90004"] < counts.iloc[:-2].min() / 2


def test_some_assets_over_capacity_in_the_last_12_months(loaded):
    _, dataset, _ = loaded
    connections = dataset.table("connections")
    recent = connections[connections["referred_date"] > EXTRACT_DATE - pd.DateOffset(months=12)]
    strain = capacity_strain(dataset.table("assets"), recent, months=12, level=Level.OFF)
    assert strain["over_capacity"].sum() >= 2
    assert strain["strain"].max() > 1


def test_fewer_follow_ups_than_baselines(demo):
    counts = demo["outcomes"].groupby("timepoint").size()
    assert 0 < counts["follow_up"] < counts["baseline"]
    outcomes = demo["outcomes"]
    for name, measure in vocab.MEASURES.items():
        values = outcomes.loc[outcomes["measure"] == name, "value"]
        assert values.between(measure.low, measure.high).all(), name


def test_a_few_stale_asset_records(loaded):
    _, dataset, _ = loaded
    assert dataset.table("assets")["stale"].sum() == 9


def test_progress_reaches_one(tmp_path):
    seen = []
    write_demo(tmp_path / "demo", 200, 1, lambda fraction, text: seen.append(fraction))
    assert seen[-1] == 1.0
    assert all(0 <= f <= 1 for f in seen)
