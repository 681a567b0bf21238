import pandas as pd
import pytest

from socialrx.disclosure import Level
from socialrx.referrals import (
    NOT_CONNECTED,
    connected_referrals,
    monthly_referrals,
    pathway_flows,
    referral_rate_by_area,
    referral_rate_per_1000,
    referrals_by_deprivation,
)


@pytest.fixture
def referrals():
    return pd.DataFrame(
        {
            "referral_id": ["R1", "R2", "R3", "R4"],
            "referral_date": pd.to_datetime(
                ["2024-01-05", "2024-01-20", "2024-03-02", "2024-03-30"]
            ),
            "referrer_type": ["gp practice", "gp practice", "self", None],
            "practice_code": ["P1", "P1", "P2", "P9"],
            "area_code": ["A1", "A1", "A2", "A3"],
        }
    )


@pytest.fixture
def connections():
    return pd.DataFrame(
        {
            "referral_id": ["R1", "R1", "R2"],
            "asset_id": ["X", "Y", "X"],
            "outcome": ["attending", "waiting list", "declined by provider (full)"],
            "started_date": pd.to_datetime(["2024-02-01", None, None]),
        }
    )


def test_connected_means_started_somewhere(referrals, connections):
    assert connected_referrals(referrals, connections).tolist() == [True, False, False, False]


def test_monthly_referrals_include_empty_months(referrals):
    out = monthly_referrals(referrals)
    assert out["month"].dt.strftime("%Y-%m").tolist() == ["2024-01", "2024-02", "2024-03"]
    assert out["referrals"].tolist() == [2, 0, 2]
    assert monthly_referrals(referrals.iloc[:0]).empty


def test_rate_per_1000_by_practice_lists_non_referrers_and_unknowns(referrals):
    practices = pd.DataFrame(
        {
            "practice_code": ["P1", "P2", "P3"],
            "name": ["a", "b", "c"],
            "pcn_name": ["n", "n", "s"],
            "list_size": [1000, 4000, 500],
        }
    )
    out = referral_rate_per_1000(referrals, practices).set_index("practice_code")
    assert out.loc["P1", "rate_per_1000"] == pytest.approx(2.0)  # 2 / 1000 * 1000
    assert out.loc["P2", "rate_per_1000"] == pytest.approx(0.25)  # 1 / 4000 * 1000
    assert out.loc["P3", "referrals"] == 0
    assert out.loc["(not in practices.csv)", "referrals"] == 1


def test_rates_by_area_and_by_deprivation(referrals):
    stats = pd.DataFrame(
        {
            "area_code": ["A1", "A2", "A4"],
            "population_adult": [1000.0, 2000.0, 500.0],
            "imd_decile": [1, 1, 10],
        }
    )
    by_area = referral_rate_by_area(referrals, stats).set_index("area_code")
    assert by_area.loc["A1", "rate_per_1000"] == pytest.approx(2.0)
    assert by_area.loc["A4", "referrals"] == 0
    by_decile = referrals_by_deprivation(referrals, stats).set_index("imd_decile")
    # decile 1: 3 referrals from 3,000 adults; A3 has no decile and is left out
    assert by_decile.loc[1, "referrals"] == 3
    assert by_decile.loc[1, "rate_per_1000"] == pytest.approx(1.0)
    assert by_decile.loc[10, "referrals"] == 0
    assert list(by_decile.index) == [1, 10]


def test_pathway_flows_count_connections_and_unsent(referrals, connections):
    assets = pd.DataFrame(
        {"asset_id": ["X", "Y"], "category": ["physical activity", "arts and creativity"]}
    )
    links = pathway_flows(referrals, connections, assets)
    first = links[links["step"] == 1].set_index(["source", "target"])["count"]
    assert first[("gp practice", "physical activity")] == 2
    assert first[("gp practice", "arts and creativity")] == 1
    assert first[("self", NOT_CONNECTED)] == 1
    assert first[("not recorded", NOT_CONNECTED)] == 1
    second = links[links["step"] == 2].set_index(["source", "target"])["count"]
    assert second[("physical activity", "attending")] == 1
    assert second[("physical activity", "declined by provider (full)")] == 1
    assert second.sum() == 3


def test_practice_ranking_uses_disclosed_rates_so_hidden_counts_keep_no_order():
    practices = pd.DataFrame({"practice_code": ["P1", "P2", "P3"], "name": ["a", "b", "c"],
                              "pcn_name": ["n"] * 3, "list_size": [10_000] * 3})  # fmt: skip
    for p2, p3 in ((5, 3), (3, 5)):
        codes = ["P1"] * 40 + ["P2"] * p2 + ["P3"] * p3
        refs = pd.DataFrame({"practice_code": codes})
        out = referral_rate_per_1000(refs, practices, Level.ROUND)
        assert out["practice_code"].tolist() == ["P1", "P2", "P3"]
        assert out.loc[0, "referrals"] == 40 and out.loc[0, "rate_per_1000"] == pytest.approx(4.0)
        assert out.loc[1:, "referrals"].isna().all() and out.loc[1:, "rate_per_1000"].isna().all()
