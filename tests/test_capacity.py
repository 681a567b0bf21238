import pandas as pd
import pytest

from socialrx.capacity import capacity_strain, most_strained, summarise
from socialrx.disclosure import Level


def _data():
    assets = pd.DataFrame(
        {
            "asset_id": ["A", "B", "C"],
            "name": ["a", "b", "c"],
            "organisation_id": ["O1", "O1", "O2"],
            "category": ["other"] * 3,
            "capacity_per_month": pd.array([5, 20, None], dtype="Int64"),
            "cost_per_person_gbp": [100.0, None, 10.0],
        }
    )
    outcomes = ["attending"] * 10 + ["waiting list"] * 2 + ["declined by provider (full)"] * 3
    connections = pd.DataFrame(
        {"asset_id": ["A"] * 15 + ["B"] * 12 + ["C"] * 3, "outcome": outcomes + ["attending"] * 15}
    )
    return assets, connections


def test_strain_is_demand_per_month_over_capacity():
    assets, connections = _data()
    out = capacity_strain(assets, connections, months=3, level=Level.OFF).set_index("asset_id")
    # A: 15 sent in 3 months = 5 a month against 5: strain 1.0, not over
    assert out.loc["A", "demand_per_month"] == pytest.approx(5.0)
    assert out.loc["A", "strain"] == pytest.approx(1.0)
    assert out.loc["A", "turned_away_or_waiting"] == 5
    assert out.loc["A", "cost_of_demand_gbp"] == pytest.approx(1500.0)
    assert out.loc["B", "strain"] == pytest.approx(0.2)  # 4 a month against 20
    assert pd.isna(out.loc["C", "strain"])  # no capacity stated
    assert (summarise(out).over, summarise(out).undecided) == (0, 0)
    over = capacity_strain(assets, connections, months=2, level=Level.OFF).set_index("asset_id")
    assert over.loc["A", "strain"] == pytest.approx(1.5) and over.loc["A", "over_capacity"]
    assert (summarise(over).over, summarise(over).undecided) == (1, 0)


def test_strain_derives_from_disclosed_counts():
    assets, connections = _data()
    out = capacity_strain(assets, connections, months=3, level=Level.ROUND).set_index("asset_id")
    assert out.loc["B", "connections"] == 10  # 12 rounds to 10
    assert out.loc["B", "strain"] == pytest.approx(10 / 3 / 20)
    assert pd.isna(out.loc["C", "connections"])  # 3 people: hidden
    assert pd.isna(out.loc["C", "demand_per_month"])
    assert pd.isna(out.loc["A", "turned_away_or_waiting"])  # 5 people: hidden
    # the cost leaves out C, whose 3 people are hidden: A 15 x £100 rounds to 15 x £100
    summary = summarise(out.reset_index())
    assert (summary.cost_gbp, summary.uncosted, summary.stated) == (pytest.approx(1500.0), 1, 2)
    # only assets with a capacity and someone sent (not hidden) are drawn, most strained first
    assert most_strained(out.reset_index())["asset_id"].tolist() == ["A", "B"]


def test_a_capacity_of_zero_with_anyone_sent_is_over_and_hidden_demand_is_undecided():
    assets = pd.DataFrame(
        {
            "asset_id": ["Z", "S"],
            "name": ["closed list", "small"],
            "organisation_id": ["O1", "O1"],
            "category": ["other"] * 2,
            "capacity_per_month": pd.array([0, 2], dtype="Int64"),
            "cost_per_person_gbp": [None, None],
        }
    )
    connections = pd.DataFrame({"asset_id": ["Z"] * 3 + ["S"] * 7, "outcome": "attending"})
    exact = capacity_strain(assets, connections, months=1, level=Level.OFF).set_index("asset_id")
    assert bool(exact.loc["Z", "over_capacity"]) and pd.isna(exact.loc["Z", "strain"])
    assert exact.loc["S", "strain"] == pytest.approx(3.5)
    assert (summarise(exact.reset_index()).over, summarise(exact).undecided) == (2, 0)
    # rounded, both counts are 1-7: Z (capacity 0) is over whatever the count, but S (room
    # for 2) could be either, so it is undecided rather than "not over"
    hidden = capacity_strain(assets, connections, months=1, level=Level.ROUND)
    hidden = hidden.set_index("asset_id")
    assert bool(hidden.loc["Z", "over_capacity"]) and pd.isna(hidden.loc["S", "over_capacity"])
    assert (summarise(hidden).over, summarise(hidden).undecided) == (1, 1)
    # over 4 months S has room for 8: any 1-7 people fit, so it is judged not over
    longer = capacity_strain(assets, connections, months=4, level=Level.ROUND)
    assert longer.set_index("asset_id").loc["S", "over_capacity"] == False  # noqa: E712
    assert (summarise(longer).over, summarise(longer).undecided) == (1, 0)


def test_a_period_shorter_than_a_month_is_held_to_one_months_capacity():
    assets, connections = _data()
    week = capacity_strain(assets, connections, months=7 / 30.4375, level=Level.OFF)
    week = week.set_index("asset_id")
    # B: 12 people in a week against 20 a month is not over capacity; A: 15 against 5 is
    assert week.loc["B", "demand_per_month"] == 12 and not week.loc["B", "over_capacity"]
    assert week.loc["A", "over_capacity"]
    # 3 people (hidden) sent to B in one day: room for 20 in the month, so judged not over
    three = pd.DataFrame({"asset_id": ["B"] * 3, "outcome": "attending"})
    day = capacity_strain(assets, three, months=1 / 30.4375, level=Level.ROUND)
    day = day.set_index("asset_id")
    assert pd.isna(day.loc["B", "connections"]) and day.loc["B", "over_capacity"] == False  # noqa: E712
    assert (summarise(day).over, summarise(day).undecided) == (0, 0)
