"""The commissioning figures, worked by hand, and the table checked against the asset map's
access and the counts it adds up."""

import pandas as pd
import pytest

from socialrx.data.loader import load_folder
from socialrx.disclosure import Level
from socialrx.metrics import access
from socialrx.metrics import commissioning as c
from socialrx.metrics.selection import WARD, default_selection, place_groups, resolve

DEMO = "data/demo"


def test_growth_is_a_month_ahead_against_a_month_of_the_last_year():
    # 66 people over 6 months is 11 a month; 120 over 12 months is 10 a month: 1.1
    assert c.growth_factor(120, 66, 6) == pytest.approx(1.1)
    assert c.growth_factor(0, 5, 12) == 1.0  # nobody sent: no growth to speak of


def test_people_ahead_share_beyond_not_referred_and_unfunded():
    # 60 people a year, 10% busier, over 6 months: 60 * 1.1 / 2 = 33
    assert c.people_ahead(60, 1.1, 6) == pytest.approx(33)
    # at 150% a third of demand is beyond capacity; at or under 100%, and unknown, none
    assert list(c.share_beyond([150, 100, 80, None])) == pytest.approx([1 / 3, 0, 0, 0])
    # 2,000 adults sent at 1.0 a year per 1,000 where the place sends 2.5: 2 * 1.5 = 3 a year;
    # sent at 3.0, above the place's, none
    assert list(c.not_referred([2000, 1000], [1.0, 3.0], [2.5, 2.5], 12)) == [3.0, 0.0]
    assert list(c.not_referred([2000], [1.0], [2.5], 6)) == [1.5]
    assert list(c.unfunded([5000, 1000], [2000, 3000])) == [3000, 0]


def _row(**change) -> pd.DataFrame:
    row = {
        "category": "social groups and befriending", "place": "W1", "name": "Ward one",
        "adults": 10_000, "need": 8.0, "gap_areas": 2, "gap_adults": 2_000, "sent": 60,
        "place_sent": 300, "place_adults": 100_000, "serving_assets": 2, "serving_sent": 250,
        "capacity_per_month": 10.0, "serving_sent_stated": 240, "serving_started": 50,
        "unit_cost_gbp": 100.0, "funding_gbp": 3_000.0, "growth": 1.1, "months": 12.0,
        "added_per_month": 0.0,
    }  # fmt: skip
    frame = pd.DataFrame([{**row, **change}])
    frame["capacity_per_month"] = frame["capacity_per_month"].astype("Float64")
    return frame


def test_a_row_worked_by_hand():
    shown = c.commissioning_spec(12).disclose(_row(), Level.ROUND).values.iloc[0]
    # every count a multiple of 5 shows as it is
    assert shown["rate_per_1000"] == pytest.approx(6.0)  # 60 / 10,000 adults * 1,000
    assert shown["place_rate_per_1000"] == pytest.approx(3.0)  # 300 / 100,000 * 1,000
    assert shown["forecast"] == pytest.approx(66)  # 60 * 1.1
    # 240 a year to assets stating 10 a month: 20 a month, 200%; ahead 22 a month, 220%
    assert shown["strain_pct"] == pytest.approx(200)
    assert shown["strain_ahead_pct"] == pytest.approx(220)
    assert bool(shown["over_ahead"])
    # beyond capacity: 66 * (1 - 100/220) = 66 * 120/220 = 36; sent above the place's rate,
    # so nobody not referred; unmet 36, costing 36 * £100
    assert shown["beyond"] == pytest.approx(36)
    assert shown["not_referred"] == pytest.approx(0)
    assert shown["unmet"] == pytest.approx(36)
    assert shown["unmet_cost_gbp"] == pytest.approx(3_600)
    # 50 started at £100 = £5,000 of work against £3,000 of funding
    assert shown["value_gbp"] == pytest.approx(5_000)
    assert shown["unfunded_gbp"] == pytest.approx(2_000)


def test_hidden_and_rounded_counts_go_on_at_what_is_shown():
    # 5 sent is hidden: the forecast is not shown, the unmet need goes on with 4 (1-7's middle):
    # 4 * 1.1 * 120/220 = 2.4; sent at 0.4 a year per 1,000 (4 / 10,000) where the place sends
    # 3.0: 2,000 adults * 2.6 / 1,000 = 5.2 not referred
    shown = c.commissioning_spec(12).disclose(_row(sent=5), Level.ROUND)
    values, marks = shown.values.iloc[0], shown.marks.iloc[0]
    assert marks["forecast"] == "*" and marks["rate_per_1000"] == "*"
    assert values["beyond"] == pytest.approx(2.4)
    assert values["not_referred"] == pytest.approx(5.2)
    # 122 sent to assets stating 10 a month shows as 120 (118-122): 98% to 102% a month, no
    # growth: over 100% ahead cannot be told
    shown = c.commissioning_spec(12).disclose(_row(serving_sent_stated=122, growth=1.0),
                                              Level.ROUND)  # fmt: skip
    assert shown.marks["over_ahead"].iloc[0] == "borderline"
    assert shown.values["strain_ahead_pct"].iloc[0] == pytest.approx(100)


def test_a_scenario_worked_by_hand():
    table = _row()
    rows = c.scenario_rows(table, c.Scenario("social groups and befriending", "W1", 10))
    assert list(rows["capacity_with_added"]) == [10, 20]
    shown = c.commissioning_spec(12, scenario=True).disclose(rows, Level.ROUND).values
    before, after = shown.iloc[0], shown.iloc[1]
    # demand ahead 240 * 1.1 = 264 a year; 120 places a year before, 240 after
    assert before["everyone_beyond"] == pytest.approx(144)
    assert after["everyone_beyond"] == pytest.approx(24)
    assert after["strain_ahead_pct"] == pytest.approx(110)  # 22 a month on 20
    # those living here beyond capacity: 66 * (1 - 100/110) = 6
    assert after["beyond"] == pytest.approx(6)
    # the 120 places a year all taken (144 waiting), at £100: £12,000; the gap grows from
    # £2,000 to £2,000 + £12,000
    assert after["taken"] == pytest.approx(120) and before["taken"] == pytest.approx(0)
    assert after["added_cost_gbp"] == pytest.approx(12_000)
    assert before["gap_after_gbp"] == pytest.approx(2_000)
    assert after["gap_after_gbp"] == pytest.approx(14_000)
    # over 6 months: 60 places taken of 72 waiting (264/2 - 60), the gap £1,000 + £6,000
    six = c.commissioning_spec(6, scenario=True).disclose(rows, Level.ROUND).values.iloc[1]
    assert six["taken"] == pytest.approx(60)
    assert six["gap_after_gbp"] == pytest.approx(7_000)
    # a place that is not a row: nothing
    assert c.scenario_rows(table, c.Scenario("physical activity", "W1", 10)).empty


@pytest.fixture(scope="module")
def demo():
    dataset, _ = load_folder(DEMO)
    return dataset


def test_places_are_taken_whole(demo):
    ward = place_groups(demo)[WARD]
    key = ward["key"].iloc[0]
    sel = default_selection(demo)
    one_area = ward.loc[ward["key"] == key, "area_code"].iloc[0]
    chosen = resolve(demo, sel.start, sel.end, "area", (one_area,))
    rows = c.subdivisions(demo, chosen, WARD)
    # the ward the one area lies in, with all its areas, not only the chosen one
    assert set(rows["key"]) == {key}
    assert set(rows["area_code"]) == set(ward.loc[ward["key"] == key, "area_code"])
    assert set(c.subdivisions(demo, sel, WARD)["key"]) == set(ward["key"])


def test_the_demo_table_adds_up_and_agrees_with_the_asset_map(demo):
    sel = default_selection(demo)
    table = c.commissioning_table(demo, sel, WARD, Level.OFF)
    # wards divide the place: their people sent add up to the place's, category by category
    sums = table.groupby("category").agg(sent=("sent", "sum"), place=("place_sent", "first"))
    assert (sums["sent"] == sums["place"]).all()
    # areas of high need and low access as the asset map finds them for one category
    category = "social groups and befriending"
    assets = demo.table("assets")
    assets = assets[(assets["status"] == "active") & (assets["category"] == category)]
    gaps = access.need_and_access(demo.areas, demo.table("area_stats"), assets)
    gap_areas = set(gaps.loc[gaps["quadrant"] == access.QUADRANTS[0], "area_code"])
    wards = place_groups(demo)[WARD]
    expected = wards[wards["area_code"].isin(gap_areas)].groupby("key").size()
    mine = table[table["category"] == category].set_index("place")["gap_areas"]
    assert mine[mine > 0].sort_index().to_dict() == expected.sort_index().to_dict()


def test_places_added_where_none_is_stated_are_the_capacity():
    # no capacity stated: 240 sent to assets stating one is 0; all 100 sent count once 10
    # places a month are added: 100 * 1.1 / 12 = 9.17 a month on 10, 92%
    table = _row(capacity_per_month=None, serving_sent_stated=0, serving_sent=100)
    rows = c.scenario_rows(table, c.Scenario("social groups and befriending", "W1", 10))
    shown = c.commissioning_spec(12, scenario=True).disclose(rows, Level.ROUND)
    assert shown.marks["strain_ahead_pct"].iloc[0] == "–"  # nothing to work out
    assert shown.values["strain_ahead_pct"].iloc[1] == pytest.approx(100 * 110 / 12 / 10)


def test_short_names():
    assert c.short_name("Wath (ward, E05013016)", "ward") == "Wath"
    assert c.short_name("North (synthetic) (neighbourhood)", "neighbourhood") == "North (synthetic)"
