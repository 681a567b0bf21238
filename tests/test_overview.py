import pandas as pd

from socialrx.data.dataset import Dataset
from socialrx.disclosure import Level
from socialrx.metrics.selection import Selection
from socialrx.views.overview import CONNECTED, headline_panel


def _dataset(referrals_per_month: int = 20) -> Dataset:
    # 20 referrals a month, January to June 2024; half of them started at an asset
    dates = pd.date_range("2024-01-01", "2024-06-30", freq="D")
    rows = []
    for month in range(1, 7):
        days = dates[dates.month == month][:referrals_per_month]
        rows += [(f"R{month}-{i}", day) for i, day in enumerate(days)]
    referrals = pd.DataFrame(rows, columns=["referral_id", "referral_date"]).assign(
        age_band="45-54"
    )
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
        extract_date=pd.Timestamp("2024-09-30"),
    )


def _cards(dataset, selection, level):
    return {c.name: c for c in headline_panel(dataset, selection, level).shown_cards}


def test_headlines_against_the_previous_period():
    second_quarter = Selection(pd.Timestamp("2024-04-01"), pd.Timestamp("2024-06-30"))
    cards = _cards(_dataset(), second_quarter, Level.OFF)
    assert cards["Referrals"].value == "60" and cards["Referrals"].change == "no change from 60"
    # half started at an asset on the day they were referred, all 90 days before the data ends
    assert cards[CONNECTED].value == "50%" and cards[CONNECTED].change == "no change from 50%"
    # with the data ending on 30 June, only 1 April's referral is 90 days old: the rest are too
    # recent to judge, not unconnected
    early = Dataset(tables=_dataset().tables, extract_date=pd.Timestamp("2024-06-30"))
    card = _cards(early, second_quarter, Level.ROUND)[CONNECTED]
    assert card.value == "too few" and card.change == "fewer than 30 people: not judged"
    assert "60 more referrals are too recent" in card.help
    assert cards["Active assets"].value == "1" and cards["Active assets"].change == (
        "no earlier figure"
    )
    # 30 people sent in 3 months = 10 a month against a capacity of 5
    assert cards["Over capacity"].value == "1"
    assert cards["Wellbeing change"].change == "no outcomes table"


def test_no_comparison_before_the_data_starts():
    first_quarter = Selection(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-03-31"))
    cards = _cards(_dataset(), first_quarter, Level.OFF)
    assert cards["Referrals"].change == "no earlier figure" and cards["Referrals"].better is None


def test_small_numbers_are_hidden_not_missing():
    one_month = Selection(pd.Timestamp("2024-06-01"), pd.Timestamp("2024-06-30"))
    cards = _cards(_dataset(5), one_month, Level.ROUND)
    assert cards["Referrals"].value == "*"
    empty = Selection(pd.Timestamp("2024-08-01"), pd.Timestamp("2024-08-31"))
    cards = _cards(_dataset(), empty, Level.ROUND)
    assert cards["Referrals"].value == "0" and cards[CONNECTED].change == "no referrals"


def test_hidden_demand_is_not_counted_as_under_capacity():
    # 5 people a month against a capacity of 5 in one month: 3 people sent (hidden when rounded)
    one_month = Selection(pd.Timestamp("2024-06-01"), pd.Timestamp("2024-06-30"))
    cards = _cards(_dataset(5), one_month, Level.ROUND)
    assert cards["Over capacity"].value == "0"
    assert "1 asset stating a capacity is borderline" in cards["Over capacity"].help


def test_a_missing_table_is_named_not_shown_as_zero():
    dataset = _dataset()
    no_stated = dataset.tables["assets"].assign(capacity_per_month=pd.array([None, None], "Int64"))
    assets_only = Dataset(tables={"assets": no_stated}, extract_date=dataset.extract_date)
    quarter = Selection(pd.Timestamp("2024-04-01"), pd.Timestamp("2024-06-30"))
    cards = _cards(assets_only, quarter, Level.ROUND)
    assert {name: (c.value, c.change) for name, c in cards.items()} == {
        "Referrals": ("–", "no referrals table"),
        CONNECTED: ("–", "no referrals table"),
        "Active assets": ("1", "no earlier figure"),
        "Over capacity": ("–", "no connections table"),
        "Wellbeing change": ("–", "no outcomes table"),
    }
    no_capacity = Dataset(tables={**dataset.tables, "assets": assets_only.tables["assets"]})
    assert _cards(no_capacity, quarter, Level.ROUND)["Over capacity"].change == (
        "no capacity stated"
    )


def _with_outcomes(measure: str, before: list[int], after: list[int]) -> Dataset:
    """The test dataset with one measure for the referrals of two quarters: baseline 5 for
    everyone, follow-ups `before` (first quarter) and `after` (second)."""
    dataset = _dataset(referrals_per_month=20)
    refs = dataset.tables["referrals"]
    rows = []
    for (_, ref), score in zip(refs.iterrows(), before + after, strict=True):
        rows += [
            (ref["referral_id"], measure, "baseline", ref["referral_date"], 5.0),
            (ref["referral_id"], measure, "follow_up", pd.Timestamp("2024-07-31"), float(score)),
        ]
    outcomes = pd.DataFrame(
        rows, columns=["referral_id", "measure", "timepoint", "assessed_date", "value"]
    )
    return Dataset(tables={**dataset.tables, "outcomes": outcomes},
                   extract_date=pd.Timestamp("2024-07-31"))  # fmt: skip


def test_the_wellbeing_card_names_its_measure_and_colours_by_its_better_direction():
    quarter = Selection(pd.Timestamp("2024-04-01"), pd.Timestamp("2024-06-30"))
    # anxiety falls by 1 point in the first quarter and by 2 in the second: better, so green
    dataset = _with_outcomes("ons4_anxiety", [4] * 60, [3] * 60)
    card = _cards(dataset, quarter, Level.ROUND)["ONS4 anxiety change"]
    assert card.value == "-2.0 points" and card.change == "-1.0 points" and card.better is True
    # the change is the difference of the two figures shown: -62/60 = -1.03 and -118/60 =
    # -1.97 show as -1.0 and -2.0, so the change reads -1.0, not the exact -0.93 ("-0.9")
    dataset = _with_outcomes("ons4_anxiety", [4] * 58 + [3, 3], [3] * 58 + [4, 4])
    card = _cards(dataset, quarter, Level.ROUND)["ONS4 anxiety change"]
    assert card.value == "-2.0 points" and card.change == "-1.0 points"


def test_a_change_on_fewer_than_30_people_is_too_few_to_judge():
    one_month = Selection(pd.Timestamp("2024-06-01"), pd.Timestamp("2024-06-30"))
    dataset = _with_outcomes("ons4_happiness", [6] * 60, [7] * 60)
    card = _cards(dataset, one_month, Level.ROUND)["ONS4 happiness change"]
    assert card.value == "too few"  # 20 people paired in June
    assert card.change == "fewer than 30 people: not judged"
    assert _cards(dataset, one_month, Level.OFF)["ONS4 happiness change"].value == "2.0 points"


def test_export_holds_the_figures_shown():
    quarter = Selection(pd.Timestamp("2024-04-01"), pd.Timestamp("2024-06-30"))
    dataset = _dataset(referrals_per_month=21)  # 63 referrals
    panel = headline_panel(dataset, quarter, Level.ROUND)
    table = panel.export().set_index("Figure")
    # 21 a month shows as 20: the card adds up the months as shown, 60 (a total of 63
    # rounded on its own, 65, could narrow a hidden month beside it)
    assert table.loc["Referrals", "Value"] == 60
    assert {c.name: c.value for c in panel.shown_cards}["Referrals"] == "60"
