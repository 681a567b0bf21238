import pandas as pd
import pytest

from socialrx.capacity import capacity_strain, most_strained, strain_spec, summarise
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


def _shown(assets, connections, months, level):
    table = capacity_strain(assets, connections, months)
    disclosed = strain_spec(months).disclose(table, level)
    return disclosed, summarise(disclosed.values, disclosed.marks)


def test_strain_is_demand_per_month_over_capacity():
    assets, connections = _data()
    out = capacity_strain(assets, connections, months=3).set_index("asset_id")
    # A: 15 sent in 3 months = 5 a month against 5: strain 100%, not over
    assert out.loc["A", "demand_per_month"] == pytest.approx(5.0)
    assert out.loc["A", "strain_pct"] == pytest.approx(100.0)
    assert out.loc["A", "turned_away_or_waiting"] == 5
    assert out.loc["A", "cost_of_demand_gbp"] == pytest.approx(1500.0)
    assert out.loc["B", "strain_pct"] == pytest.approx(20.0)  # 4 a month against 20
    assert pd.isna(out.loc["C", "strain_pct"])  # no capacity stated
    assert not out.loc["A", "over_capacity"] and pd.isna(out.loc["C", "over_capacity"])
    over = capacity_strain(assets, connections, months=2).set_index("asset_id")
    assert over.loc["A", "strain_pct"] == pytest.approx(150.0) and over.loc["A", "over_capacity"]


def test_strain_shown_derives_from_disclosed_counts():
    assets, connections = _data()
    shown, summary = _shown(assets, connections, 3, Level.ROUND)
    values = shown.values.set_index("asset_id")
    assert values.loc["B", "connections"] == 10  # 12 rounds to 10
    assert values.loc["B", "strain_pct"] == pytest.approx(10 / 3 / 20 * 100)
    assert shown.marks.set_index(shown.values["asset_id"]).loc["C", "connections"] == "*"
    assert pd.isna(values.loc["C", "demand_per_month"])
    assert pd.isna(values.loc["A", "turned_away_or_waiting"])  # 5 people: hidden
    # the cost leaves out C, whose 3 people are hidden: A 15 x £100
    assert (summary.cost_gbp, summary.uncosted, summary.stated) == (pytest.approx(1500.0), 1, 2)
    # A: 15 shown as 15 (13-17) against 5 a month for 3 months: 4.3-5.7 a month, borderline
    assert (summary.over, summary.undecided) == (0, 1)
    # only assets with a capacity and someone sent (not hidden) are drawn, most strained first
    assert most_strained(shown.values)["asset_id"].tolist() == ["A", "B"]


def test_a_capacity_of_zero_with_anyone_sent_is_over_and_hidden_demand_is_borderline():
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
    exact = capacity_strain(assets, connections, months=1).set_index("asset_id")
    assert bool(exact.loc["Z", "over_capacity"]) and pd.isna(exact.loc["Z", "strain_pct"])
    assert exact.loc["S", "strain_pct"] == pytest.approx(350.0)
    assert _shown(assets, connections, 1, Level.OFF)[1].over == 2
    # rounded, both counts are 1-7: Z (capacity 0) is over whatever the count, but S (room
    # for 2) could be either, so it is borderline rather than "not over"
    shown, summary = _shown(assets, connections, 1, Level.ROUND)
    answers = shown.text().set_index("asset_id")["over_capacity"]
    assert answers.to_dict() == {"Z": "yes", "S": "borderline"}
    assert (summary.over, summary.undecided) == (1, 1)
    # over 4 months S has room for 8: any 1-7 people fit, so it is judged not over
    longer, summary = _shown(assets, connections, 4, Level.ROUND)
    assert longer.text().set_index("asset_id")["over_capacity"].to_dict() == {"Z": "yes", "S": "no"}
    assert (summary.over, summary.undecided) == (1, 0)


def test_eight_people_in_a_quarter_against_3_a_month_is_never_shown_over():
    # the audit's case: 8 rounds to 10, and 10 in a quarter would be over 3 a month
    assets = pd.DataFrame({"asset_id": ["Q"], "name": ["q"], "organisation_id": ["O"],
                           "category": ["other"], "capacity_per_month": pd.array([3], "Int64"),
                           "cost_per_person_gbp": [None]})  # fmt: skip
    connections = pd.DataFrame({"asset_id": ["Q"] * 8, "outcome": "attending"})
    shown, summary = _shown(assets, connections, 3, Level.ROUND)
    assert shown.values["connections"].iloc[0] == 10
    assert shown.text()["over_capacity"].iloc[0] == "borderline" and summary.over == 0


def test_a_period_shorter_than_a_month_is_held_to_one_months_capacity():
    assets, connections = _data()
    week = capacity_strain(assets, connections, months=7 / 30.4375).set_index("asset_id")
    # B: 12 people in a week against 20 a month is not over capacity; A: 15 against 5 is
    assert week.loc["B", "demand_per_month"] == 12 and not week.loc["B", "over_capacity"]
    assert week.loc["A", "over_capacity"]
    # 3 people (hidden) sent to B in one day: room for 20 in the month, so judged not over
    three = pd.DataFrame({"asset_id": ["B"] * 3, "outcome": "attending"})
    day, summary = _shown(assets, three, 1 / 30.4375, Level.ROUND)
    row = day.text().set_index("asset_id").loc["B"]
    assert row["connections"] == "*" and row["over_capacity"] == "no"
    assert (summary.over, summary.undecided) == (0, 0)
