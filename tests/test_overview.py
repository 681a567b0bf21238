import pandas as pd
import pytest

from socialrx.dataset import Dataset
from socialrx.disclosure import Level
from socialrx.overview import headline_figures, headline_table
from socialrx.selection import Selection


def _dataset(referrals_per_month: int = 20) -> Dataset:
    # 20 referrals a month, January to June 2024; half of them started at an asset
    dates = pd.date_range("2024-01-01", "2024-06-30", freq="D")
    rows = []
    for month in range(1, 7):
        days = dates[dates.month == month][:referrals_per_month]
        rows += [(f"R{month}-{i}", day) for i, day in enumerate(days)]
    referrals = pd.DataFrame(rows, columns=["referral_id", "referral_date"])
    connections = pd.DataFrame({
        "referral_id": referrals["referral_id"][::2].to_numpy(),
        "asset_id": "A1",
        "referred_date": referrals["referral_date"][::2].to_numpy(),
        "started_date": referrals["referral_date"][::2].to_numpy(),
        "outcome": "attending",
    })  # fmt: skip
    assets = pd.DataFrame({"asset_id": ["A1", "A2"], "status": ["active", "inactive"],
                           "capacity_per_month": pd.array([5, None], "Int64"),
                           "cost_per_person_gbp": [10.0, None], "name": ["a", "b"],
                           "organisation_id": ["O", "O"], "category": ["other"] * 2})  # fmt: skip
    return Dataset(
        tables={"referrals": referrals, "connections": connections, "assets": assets},
        extract_date=pd.Timestamp("2024-06-30"),
    )


def test_headlines_against_the_previous_period():
    second_quarter = Selection(pd.Timestamp("2024-04-01"), pd.Timestamp("2024-06-30"))
    figures = {f.name: f for f in headline_figures(_dataset(), second_quarter, Level.OFF)}
    assert figures["Referrals"].value == 60 and figures["Referrals"].previous == 60
    assert figures["Referrals"].change == 0
    assert figures["Connected"].value == pytest.approx(50.0)
    assert figures["Active assets"].value == 1 and not figures["Active assets"].compared
    # 30 people sent in 3 months = 10 a month against a capacity of 5
    assert figures["Over capacity"].value == 1
    assert figures["Wellbeing change"].missing == "no outcomes table"


def test_no_comparison_before_the_data_starts():
    first_quarter = Selection(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-03-31"))
    figures = {f.name: f for f in headline_figures(_dataset(), first_quarter, Level.OFF)}
    assert not figures["Referrals"].compared and figures["Referrals"].change is None


def test_small_numbers_are_hidden_not_missing():
    one_month = Selection(pd.Timestamp("2024-06-01"), pd.Timestamp("2024-06-30"))
    figures = {f.name: f for f in headline_figures(_dataset(5), one_month, Level.ROUND)}
    assert figures["Referrals"].value is None and figures["Referrals"].missing is None
    assert figures["Connected"].value is None
    empty = Selection(pd.Timestamp("2024-08-01"), pd.Timestamp("2024-08-31"))
    figures = {f.name: f for f in headline_figures(_dataset(), empty, Level.ROUND)}
    assert figures["Referrals"].value == 0 and figures["Connected"].missing == "no referrals"


def test_hidden_demand_is_not_counted_as_under_capacity():
    # 5 people a month against a capacity of 5 in one month: 3 people sent (hidden when rounded)
    one_month = Selection(pd.Timestamp("2024-06-01"), pd.Timestamp("2024-06-30"))
    figures = {f.name: f for f in headline_figures(_dataset(5), one_month, Level.ROUND)}
    assert figures["Over capacity"].value == 0
    assert "1 asset stating a capacity had 1-7 people" in figures["Over capacity"].help


def test_export_table_stars_hidden_and_blanks_missing():
    one_month = Selection(pd.Timestamp("2024-06-01"), pd.Timestamp("2024-06-30"))
    table = headline_table(headline_figures(_dataset(5), one_month, Level.ROUND))
    rows = table.set_index("figure")
    assert rows.loc["Referrals", "value"] == "*"
    assert rows.loc["Active assets", "value"] == 1
    assert rows.loc["Active assets", "previous period"] is None
    assert rows.loc["Wellbeing change", "value"] is None  # no outcomes at all


def test_a_missing_table_is_named_not_shown_as_zero():
    dataset = _dataset()
    no_stated = dataset.tables["assets"].assign(capacity_per_month=pd.array([None, None], "Int64"))
    assets_only = Dataset(tables={"assets": no_stated}, extract_date=dataset.extract_date)
    quarter = Selection(pd.Timestamp("2024-04-01"), pd.Timestamp("2024-06-30"))
    figures = {f.name: f.missing for f in headline_figures(assets_only, quarter, Level.ROUND)}
    assert figures == {
        "Referrals": "no referrals table",
        "Connected": "no referrals table",
        "Active assets": None,
        "Over capacity": "no connections table",
        "Wellbeing change": "no outcomes table",
    }
    no_capacity = Dataset(tables={**dataset.tables, "assets": assets_only.tables["assets"]})
    figures = {f.name: f for f in headline_figures(no_capacity, quarter, Level.ROUND)}
    assert figures["Over capacity"].missing == "no capacity stated"


def test_export_keeps_the_precision_shown_on_screen():
    quarter = Selection(pd.Timestamp("2024-04-01"), pd.Timestamp("2024-06-30"))
    dataset = _dataset(referrals_per_month=21)  # 63 referrals, 31 connected: 49.206...%
    rows = headline_table(headline_figures(dataset, quarter, Level.OFF)).set_index("figure")
    assert rows.loc["Referrals", "value"] == 63 and isinstance(rows.loc["Referrals", "value"], int)
    assert rows.loc["Connected", "value"] == 49.2  # one decimal, as the card shows
