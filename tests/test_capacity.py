import pandas as pd
import pytest

from socialrx.disclosure import Level
from socialrx.metrics.capacity import capacity_strain, most_strained, strain_spec, summarise


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


def _exact(assets, connections, months):
    """The strain table's figures at level off: exact, from the exact counts."""
    table = capacity_strain(assets, connections, months)
    return strain_spec().disclose(table, Level.OFF).values


def _shown(assets, connections, months, level):
    table = capacity_strain(assets, connections, months)
    disclosed = strain_spec(months).disclose(table, level)
    return disclosed, summarise(disclosed.values)


def test_strain_is_demand_per_month_over_capacity():
    assets, connections = _data()
    out = _exact(assets, connections, months=3).set_index("asset_id")
    # A: 15 sent in 3 months = 5 a month against 5: strain 100%, not over
    assert out.loc["A", "demand_per_month"] == pytest.approx(5.0)
    assert out.loc["A", "strain_pct"] == pytest.approx(100.0)
    assert out.loc["A", "turned_away_or_waiting"] == 5
    assert out.loc["A", "cost_of_demand_gbp"] == pytest.approx(1500.0)
    assert out.loc["B", "strain_pct"] == pytest.approx(20.0)  # 4 a month against 20
    assert pd.isna(out.loc["C", "strain_pct"])  # no capacity stated
    assert not out.loc["A", "over_capacity"] and pd.isna(out.loc["C", "over_capacity"])
    over = _exact(assets, connections, months=2).set_index("asset_id")
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
    exact = _exact(assets, connections, months=1).set_index("asset_id")
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
    week = _exact(assets, connections, months=7 / 30.4375).set_index("asset_id")
    # B: 12 people in a week against 20 a month is not over capacity; A: 15 against 5 is
    assert week.loc["B", "demand_per_month"] == 12 and not week.loc["B", "over_capacity"]
    assert week.loc["A", "over_capacity"]
    # 3 people (hidden) sent to B in one day: room for 20 in the month, so judged not over
    three = pd.DataFrame({"asset_id": ["B"] * 3, "outcome": "attending"})
    day, summary = _shown(assets, three, 1 / 30.4375, Level.ROUND)
    row = day.text().set_index("asset_id").loc["B"]
    assert row["connections"] == "*" and row["over_capacity"] == "no"
    assert (summary.over, summary.undecided) == (0, 0)


# ---------------------------------------------------------------------------------------------
# Providers rated, one provider over time, category x month, what if.

from socialrx.metrics import capacity  # noqa: E402


def _providers():
    """Seven providers, one asset each, sent people in one month."""
    caps = {"P1": 10, "P2": 10, "P3": 100, "P4": 100, "P5": 100, "P6": None, "P7": 0}
    sent = {"P1": 12, "P2": 20, "P3": 50, "P4": 90, "P5": 85, "P6": 40, "P7": 10}
    assets = pd.DataFrame(
        {
            "asset_id": [f"A{p}" for p in caps],
            "name": [f"asset {p}" for p in caps],
            "organisation_id": list(caps),
            "category": ["other"] * len(caps),
            "capacity_per_month": pd.array(list(caps.values()), dtype="Int64"),
            "cost_per_person_gbp": [None] * len(caps),
        }
    )
    rows = [(f"A{p}", "attending") for p, n in sent.items() for _ in range(n)]
    connections = pd.DataFrame(rows, columns=["asset_id", "outcome"])
    # P2: 3 of its 20 on a waiting list, 2 turned away full, 1 not suitable
    p2 = connections.index[connections["asset_id"] == "AP2"]
    connections.loc[p2[:3], "outcome"] = "waiting list"
    connections.loc[p2[3:5], "outcome"] = "declined by provider (full)"
    connections.loc[p2[5:6], "outcome"] = "declined by provider (not suitable)"
    return assets, connections


def _rated(level):
    assets, connections = _providers()
    table = capacity.group_strain(assets, connections, 1, capacity.provider_of(assets))
    shown = capacity.group_spec().disclose(table, level)
    rating = capacity.ratings(shown.values)
    return table.set_index("group"), dict(zip(table["group"], rating, strict=True))


def test_provider_strain_by_hand():
    table, _ = _rated(Level.OFF)
    assert table.loc["P1", "sent"] == 12 and table.loc["P1", "capacity_per_month"] == 10
    strain = capacity.group_spec().disclose(table.reset_index(), Level.OFF).values
    assert strain.set_index("group").loc["P1", "strain_pct"] == pytest.approx(120.0)
    assert strain.set_index("group").loc["P5", "strain_pct"] == pytest.approx(85.0)
    # P2's people not taken, by reason
    assert table.loc["P2", ["waiting_list", "declined_full", "declined_not_suitable",
                            "not_taken"]].tolist() == [3, 2, 1, 6]  # fmt: skip
    # no capacity stated: its people are not in any strain
    assert table.loc["P6", "sent_stated"] == 0 and pd.isna(table.loc["P6", "capacity_per_month"])


def test_ratings_exact_and_rounded_with_borderline():
    _, exact = _rated(Level.OFF)
    assert exact == {
        "P1": "over 100%",
        "P2": "over 100%",
        "P3": "under 85%",
        "P4": "85-100%",
        "P5": "85-100%",  # exactly 85% is in the 85-100% band
        "P6": "capacity not stated",
        "P7": "over 100% (capacity 0)",
    }
    _, rounded = _rated(Level.ROUND)
    # 12 shows as 10 (8-12 against 10): rounding decides, so borderline, never "over" or not
    assert rounded["P1"] == "borderline: about 100%"
    assert rounded["P2"] == "over 100%"  # 20 shows as 20: 18-22, over 10 whatever
    assert rounded["P3"] == "under 85%" and rounded["P4"] == "85-100%"
    assert rounded["P5"] == "borderline: about 85%"  # 85 shows as 85: 83-87
    assert rounded["P6"] == "capacity not stated"
    assert rounded["P7"] == "over 100% (capacity 0)"


def test_hidden_demand_rating_says_what_every_count_from_1_to_7_gives():
    assets = pd.DataFrame({"asset_id": ["S", "L"], "name": ["s", "l"],
                           "organisation_id": ["O1", "O2"],
                           "category": ["other"] * 2,
                           "capacity_per_month": pd.array([2, 100], "Int64"),
                           "cost_per_person_gbp": [None, None]})  # fmt: skip
    connections = pd.DataFrame({"asset_id": ["S"] * 3 + ["L"] * 3, "outcome": "attending"})
    table = capacity.group_strain(assets, connections, 1, capacity.provider_of(assets))
    shown = capacity.group_spec().disclose(table, Level.ROUND)
    rating = dict(zip(table["group"], capacity.ratings(shown.values), strict=True))
    # 1-7 against 2: could be 50% or 350%; against 100: under 85% whatever it is
    assert rating == {"O1": "borderline: about 100%", "O2": "under 85%"}
    assert pd.isna(shown.values["strain_pct"]).all()  # hidden count, no strain shown


def _timeline():
    assets = pd.DataFrame({"asset_id": ["A", "B"], "name": ["a", "b"],
                           "organisation_id": ["O", "O"],
                           "category": ["other"] * 2,
                           "capacity_per_month": pd.array([2, None], "Int64"),
                           "cost_per_person_gbp": [None, None]})  # fmt: skip
    rows = (
        [("A", "2024-01-10", "2024-01-20", "attending")] * 3
        + [("A", "2024-02-10", None, "waiting list")] * 2
        + [("A", "2024-05-01", None, "declined by provider (full)")]
        + [("B", "2024-03-03", "2024-03-10", "stopped")] * 4
        + [("A", "2023-12-31", "2024-01-05", "attending")]  # before the period
    )
    connections = pd.DataFrame(
        rows, columns=["asset_id", "referred_date", "started_date", "outcome"]
    )
    connections["referred_date"] = pd.to_datetime(connections["referred_date"])
    connections["started_date"] = pd.to_datetime(connections["started_date"])
    return assets, connections


def test_provider_activity_by_quarter_by_hand():
    assets, connections = _timeline()
    start, end = pd.Timestamp("2024-01-01"), pd.Timestamp("2024-06-30")
    table = capacity.provider_activity(assets, connections, start, end, "quarter")
    together = table[table["asset_id"] == "all"].set_index("label")
    q1 = together.loc["2024 Q1"]
    assert (q1["sent"], q1["sent_stated"], q1["started"], q1["stayed"], q1["waiting_list"]) == (
        9, 5, 7, 3, 2)  # fmt: skip
    assert q1["months"] == 3 and q1["capacity"] == 6  # 2 a month for 3 months
    shown = capacity.activity_spec().disclose(table, Level.OFF).values
    shown = shown[shown["asset_id"] == "all"].set_index("label")
    assert shown.loc["2024 Q1", "strain_pct"] == pytest.approx(5 / 6 * 100)
    assert not shown.loc["2024 Q1", "over_100"]
    # shares from the counts as shown: 7 of 9 started (78%), 3 of those 7 stayed (43%); both
    # rest on fewer than 30 people, so once rounded they are "too few"
    assert shown.loc["2024 Q1", "started_pct"] == 78 and shown.loc["2024 Q1", "stayed_pct"] == 43
    rounded = capacity.activity_spec().disclose(table, Level.ROUND)
    first = rounded.marks.index[(table["asset_id"] == "all") & (table["label"] == "2024 Q1")][0]
    assert rounded.values.loc[first, "sent"] == 10  # 9 shown as 10; 7 started hidden
    # a whole under 30 people is "too few" before a hidden part would make it "*"
    assert rounded.marks.loc[first, ["started_pct", "stayed_pct"]].tolist() == ["too few"] * 2
    assert together.loc["2024 Q2", "declined_full"] == 1 and together.loc["2024 Q2", "sent"] == 1
    # by month: six rows for all its assets together, plus six per asset
    monthly = capacity.provider_activity(assets, connections, start, end, "month")
    assert len(monthly) == 18 and monthly["sent"].sum() == 2 * 10
    # Jan 3, Feb 2, Mar 4, Apr 0, May 1, Jun 0: four of the six months shown as `*`
    shown = capacity.activity_spec().disclose(monthly, Level.ROUND).values
    assert capacity.mostly_hidden(shown.loc[shown["asset_id"] == "all", "sent"])
    assert not capacity.mostly_hidden(pd.Series([10.0, None, 0.0], dtype="Float64"))


def test_category_month_strain_by_hand():
    assets, connections = _timeline()
    table = capacity.category_month_strain(assets, connections, pd.Timestamp("2024-01-01"),
                                           pd.Timestamp("2024-03-31"))  # fmt: skip
    # only A states a capacity (2 a month): Jan 3, Feb 2, Mar 0 (B's people are not counted)
    assert table["sent_stated"].tolist() == [3, 2, 0]
    shown = capacity.CATEGORY_MONTH_SPEC.disclose(table, Level.OFF).values
    assert shown["strain_pct"].tolist() == pytest.approx([150.0, 100.0, 0.0])


def _scenario_data():
    assets = pd.DataFrame(
        {
            "asset_id": ["A", "B", "C"],
            "name": ["a", "b", "c"],
            "organisation_id": ["O1", "O2", "O2"],
            "category": ["physical activity", "arts and creativity", "physical activity"],
            "capacity_per_month": pd.array([10, 5, None], "Int64"),
            "cost_per_person_gbp": [None] * 3,
        }
    )
    rows = [("A", "2024-06-15")] * 120 + [("B", "2024-03-01")] * 60 + [("C", "2024-09-01")] * 24
    rows += [("A", "2023-06-01")] * 50  # more than 12 months before the end: left out
    connections = pd.DataFrame(rows, columns=["asset_id", "referred_date"])
    connections["referred_date"] = pd.to_datetime(connections["referred_date"])
    connections["outcome"] = "attending"
    connections["started_date"] = connections["referred_date"].where(connections["asset_id"] == "A")
    return assets, connections


def test_what_if_growth_and_added_capacity_by_hand():
    assets, connections = _scenario_data()
    base = capacity.scenario_base(assets, connections, pd.Timestamp("2024-12-31"))
    scenario = capacity.Scenario(growth=0.5, added_at_category={"physical activity": 5})
    spec = capacity.group_spec(growth=0.5)
    providers = capacity.scenario_rows(base, scenario, "provider")
    shown = spec.disclose(providers, Level.OFF)
    values = shown.values.set_index("group")
    # O1: 120 sent, +50% = 180 a year = 15 a month against 10 + 5 added: 100%, not over
    assert values.loc["O1", "capacity_per_month"] == 15 and values.loc["O1", "added_per_month"] == 5
    assert values.loc["O1", "strain_pct"] == pytest.approx(100.0)
    # O2: 60 to B (capacity 5) + 24 to C (none stated): 90 a year on B = 150%, 30 beyond
    assert values.loc["O2", "strain_pct"] == pytest.approx(150.0)
    beyond = capacity.beyond_capacity(shown.values, 0.5)
    assert dict(zip(shown.values["group"], beyond, strict=True)) == {"O1": 0, "O2": 30}
    rating = capacity.ratings(shown.values).tolist()
    assert rating == ["85-100%", "over 100%"]
    # who would start: O1's 180 all fit and all started last year; none of O2's started
    with_starts = capacity.scenario_spec(0.5).disclose(providers, Level.OFF).values
    assert capacity.projected_starts(with_starts, 0.5).tolist() == [180, 0]
    # nothing changed: O1 is at 120 / 12 = 10 a month against 10
    now = capacity.group_spec().disclose(
        capacity.scenario_rows(base, capacity.Scenario(), "provider"), Level.OFF
    )
    assert now.values.set_index("group").loc["O1", "strain_pct"] == pytest.approx(100.0)
    # by category: capacity added at a provider is shared over its rows by stated capacity
    categories = capacity.scenario_rows(
        base, capacity.Scenario(added_at_provider={"O2": 10}), "category"
    ).set_index("group")
    assert categories.loc["arts and creativity", "capacity_per_month"] == 15
    assert categories.loc["physical activity", "capacity_per_month"] == 10


def test_what_if_strain_with_nothing_changed_equals_the_period_s_strain():
    """A provider x category row mixing assets with and without a capacity keeps only the
    demand on those stating one in its strain, as the system view does."""
    assets, connections = _scenario_data()
    assets.loc[2, "organisation_id"] = "O1"  # C (no capacity) joins A in O1, same category
    end = pd.Timestamp("2024-12-31")
    base = capacity.scenario_base(assets, connections, end)
    rows = capacity.scenario_rows(base, capacity.Scenario(), "provider").set_index("group")
    recent = connections[connections["referred_date"] > pd.Timestamp("2023-12-31")]
    system = capacity.group_strain(assets, recent, 12, capacity.provider_of(assets))
    system = system.set_index("group")
    assert rows.loc["O1", "sent_stated"] == system.loc["O1", "sent_stated"] == 120
    assert rows.loc["O1", "sent"] == 144
    # capacity added where none was stated brings that row's demand in
    added = capacity.scenario_rows(
        base, capacity.Scenario(added_at_category={"physical activity": 0}), "provider"
    )
    assert added.set_index("group").loc["O1", "sent_stated"] == 120


def _steady(monthly: list[int], capacity_per_month: int = 10):
    """One provider with one asset, sent `monthly` people in the months from January 2024."""
    assets = pd.DataFrame({"asset_id": ["A"], "name": ["a"], "organisation_id": ["O"],
                           "category": ["other"],
                           "capacity_per_month": pd.array([capacity_per_month], "Int64"),
                           "cost_per_person_gbp": [None]})  # fmt: skip
    dates = [f"2024-{m + 1:02d}-10" for m, n in enumerate(monthly) for _ in range(n)]
    connections = pd.DataFrame({"asset_id": "A", "referred_date": pd.to_datetime(dates),
                                "started_date": pd.NaT, "outcome": "attending"})  # fmt: skip
    return assets, connections


def test_a_providers_strain_over_the_period_and_its_trend_by_hand():
    assets, connections = _steady([12, 8, 9, 11, 13, 12])
    start, end = pd.Timestamp("2024-01-01"), pd.Timestamp("2024-06-30")
    spans = capacity.provider_spans(assets, connections, start, end, "month")
    assert spans["span"].tolist() == ["whole period", "latest", "before"]
    assert spans["sent_stated"].tolist() == [65, 36, 29] and spans["months"].tolist() == [6, 3, 3]
    shown = capacity.group_spec().disclose(spans, Level.ROUND)
    # each span's count shown on its own: 65, 35 (33-37), 30 (28-32), against 10 a month:
    # 65 / 6 / 10 = 108%; 35 / 3 / 10 = 117%; 30 / 3 / 10 = 100%, which 28-32 leaves open
    assert shown.values["strain_pct"].round(0).tolist() == [108, 117, 100]
    assert capacity.ratings(shown.values).tolist() == [
        "over 100%", "over 100%", "borderline: about 100%"]  # fmt: skip
    assert capacity.span_answer(shown.values, "O") == (
        "Over the whole period O was at 108% (over 100%) of the capacity stated. In the last 3 "
        "months: 117% (over 100%), against 100% (borderline: about 100%) in the 3 months "
        "before (rising)."
    )
    # the same figure as the system view gives a provider for the same months
    system = capacity.group_strain(assets, connections, 6, capacity.provider_of(assets))
    assert capacity.group_spec().disclose(system, Level.ROUND).values["strain_pct"].round(
        0).tolist() == [108]  # fmt: skip
    # too few months for a trend: the whole period only; a hidden count says so
    short = capacity.provider_spans(assets, connections[:5], start, pd.Timestamp("2024-03-31"))
    words = capacity.span_answer(capacity.group_spec().disclose(short, Level.ROUND).values, "O")
    # 5 people (hidden) in 3 months against 30: 3-23%, under 85% whatever it is
    assert words == (
        "Over the whole period O was at a level not shown to keep small counts hidden "
        "(under 85%) of the capacity stated."
    )


def test_strain_is_one_function_in_every_table():
    """The asset table, the group tables, a provider's months and the category heat give the
    same strain for the same people and months (a part month held to a whole one)."""
    assets, connections = _steady([12, 8, 9, 11, 13, 12])
    start, end = pd.Timestamp("2024-06-01"), pd.Timestamp("2024-06-15")  # half a month
    chosen = connections[connections["referred_date"].between(start, end)]  # June's 12
    one = capacity.strain_spec().disclose(capacity.capacity_strain(assets, chosen, 0.5), Level.OFF)
    group = capacity.group_spec().disclose(
        capacity.group_strain(assets, chosen, 0.5, assets["asset_id"]), Level.OFF
    )
    month = capacity.activity_spec().disclose(
        capacity.provider_activity(assets, connections, start, end), Level.OFF
    )
    heat = capacity.CATEGORY_MONTH_SPEC.disclose(
        capacity.category_month_strain(assets, connections, start, end), Level.OFF
    )
    # 12 people in half a month, held to a whole month's capacity of 10: 120%
    for table in (one, group, month, heat):
        assert table.values["strain_pct"].iloc[0] == pytest.approx(120.0)
    assert month.values["capacity"].iloc[0] == 10


def test_answers_say_only_what_the_tables_show():
    # seven providers rounded: P1 borderline (12 as 10), P2 and P7 over, P4 85-100%
    assets, connections = _providers()
    table = capacity.group_strain(assets, connections, 1, capacity.provider_of(assets))
    shown = capacity.group_spec().disclose(table, Level.ROUND).values
    assert capacity.rated_answer(shown, "provider") == (
        "2 of 6 providers stating a capacity were sent more people than they can take; 1 more "
        "is borderline; 1 is at 85-100% of capacity."
    )
    assets, connections = _data()
    strain = capacity.capacity_strain(assets, connections, 3)
    values = capacity.strain_spec().disclose(strain, Level.ROUND).values
    # A borderline (15 shown: 13-17 against 15 in 3 months), B not over: 0 of 2
    assert capacity.assets_answer(values) == (
        "0 of 2 assets stating a capacity were sent more people than they can take; 1 more is "
        "borderline."
    )


def test_people_beyond_capacity_are_counted_asset_by_asset():
    """Spare room at one of a provider's assets does not take another's people: the provider
    is under capacity as a whole, yet 30 people a year are beyond the full asset."""
    assets = pd.DataFrame(
        {
            "asset_id": ["FULL", "ROOM"],
            "name": ["full", "room"],
            "organisation_id": ["O1", "O1"],
            "category": ["other", "other"],
            "capacity_per_month": pd.array([10, 10], "Int64"),
            "cost_per_person_gbp": [100.0, None],
        }
    )
    rows = [("FULL", "2024-05-01")] * 150 + [("ROOM", "2024-05-01")] * 30
    connections = pd.DataFrame(rows, columns=["asset_id", "referred_date"])
    connections["referred_date"] = pd.to_datetime(connections["referred_date"])
    connections["outcome"] = "attending"
    connections["started_date"] = connections["referred_date"]
    base = capacity.scenario_base(assets, connections, pd.Timestamp("2024-12-31"))
    each = capacity.scenario_assets(base, capacity.Scenario())
    shown = capacity.scenario_spec().disclose(each, Level.OFF).values
    assert capacity.beyond_capacity(shown).tolist() == [30, 0]
    # who would start: all of ROOM's 30; FULL's 150 less the 30 beyond
    assert capacity.projected_starts(shown).tolist() == [120, 30]
    provider = capacity.scenario_rows(base, capacity.Scenario(), "provider")
    rated = capacity.scenario_spec().disclose(provider, Level.OFF)
    assert capacity.ratings(rated.values).tolist() == ["under 85%"]  # 75%
    # 10 a month added at the provider goes by stated capacity: 5 to each
    added = capacity.scenario_assets(base, capacity.Scenario(added_at_provider={"O1": 10}))
    assert added["capacity_per_month"].tolist() == [15, 15]


def test_the_rating_says_what_the_two_judgements_say_for_every_count():
    """The rating (a Derived code, for words and ranking) and the two band judgements shown in
    the table are worked out from the same bounds by the same function: never at odds."""
    words = {
        "under 85%": ("no", "no"),
        "85-100%": ("yes", "no"),
        "over 100%": ("yes", "yes"),
        "borderline: about 85%": ("borderline", "no"),
        "over 100% (capacity 0)": ("yes", "yes"),
        "capacity 0, nobody sent": ("no", "no"),
    }
    sent = [n for _ in range(13) for n in range(60)]
    table = pd.DataFrame(
        {
            "sent": sent,
            "sent_stated": sent,
            "months": 1.0,
            "capacity_per_month": [float(r) for r in range(13) for _ in range(60)],
        }
    )
    for column in ("waiting_list", "declined_full", "declined_not_suitable", "not_taken"):
        table[column] = 0
    for months in (1.0, 3.0):
        for level in (Level.ROUND, Level.OFF):
            shown = capacity.group_spec().disclose(table.assign(months=months), level)
            text = shown.text()
            for rating, at_least, over in zip(capacity.ratings(shown.values), text["at_least_85"],
                                              text["over_100"], strict=True):  # fmt: skip
                if rating == "borderline: about 100%":
                    assert over == "borderline"
                else:
                    assert (at_least, over) == words[rating], (months, rating)


def test_what_if_by_provider_rests_on_its_assets_as_shown():
    assets, connections = _scenario_data()
    assets.loc[3] = ["D", "d", "O2", "other", 2, None]  # sent 5 people: hidden
    extra = connections.iloc[:5].assign(asset_id="D")
    connections = pd.concat([connections, extra], ignore_index=True)
    base = capacity.scenario_base(assets, connections, pd.Timestamp("2024-12-31"))
    scenario = capacity.Scenario(growth=0.5)
    rows = capacity.scenario_rows(base, scenario, "provider")
    rows["funding_gbp"] = rows["group"].map({"O1": 5_000.0, "O2": 0.0})
    each = capacity.scenario_assets(base, scenario, default_cost=100)
    basis = {"assets": capacity.scenario_spec(0.5).disclose(each, Level.ROUND)}
    shown = capacity.scenario_spec(0.5, "provider").disclose(rows, Level.ROUND, basis)
    values = shown.values.set_index("group")
    # A: 120 x 1.5 = 180 a year against 10 x 12 = 120: 60 beyond; the 120 it can take all
    # started last year: 120 x £100 (assumed) = £12,000, against £5,000 of funding
    assert values.loc["O1", ["beyond_capacity", "value_gbp", "gap_gbp"]].tolist() == [
        60, 12_000, 7_000]  # fmt: skip
    # O2: B 60 x 1.5 = 90 against 60: 30 beyond; C states no capacity; D's 5 are hidden, so
    # left out (and counted); nobody at B or C started: no value
    assert values.loc["O2", ["beyond_capacity", "value_gbp", "hidden_assets"]].tolist() == [
        30, 0, 1]  # fmt: skip
    # the group's own counts are shown on their own: O2 sent 60 + 24 + 5 = 89, shown as 90
    assert values.loc["O2", "sent"] == 90


def test_capacity_added_where_none_is_stated_is_shared_equally_never_by_demand():
    # the auditor's attack: 5 places a month added at a provider whose two assets state no
    # capacity were split 11 to 3 by their exact demand (5 x 11/14, 5 x 3/14), giving away a
    # hidden asset's 3 people; shared equally, 2.5 each, whatever the demand
    base = pd.DataFrame(
        {
            "asset_id": ["A", "B", "C"],
            "provider": ["P", "P", "Q"],
            "category": ["other"] * 3,
            "capacity_per_month": pd.array([None, None, 4], dtype="Float64"),
            "sent": [11, 3, 9],
            "sent_stated": [0, 0, 9],
            "cost_per_person_gbp": [None, None, None],
        }
    )
    out = capacity.scenario_assets(base, capacity.Scenario(added_at_provider={"P": 5.0}))
    assert out["added_per_month"].tolist() == [2.5, 2.5, 0.0]
    # where assets state a capacity, by that capacity (not person-level)
    out = capacity.scenario_assets(base, capacity.Scenario(added_at_category={"other": 8.0}))
    assert out["added_per_month"].tolist() == [0.0, 0.0, 8.0]


def test_what_a_providers_assets_state_and_the_headline_count_by_hand():
    assets, connections = _data()  # A, B of O1 (capacity 5, 20), C of O2 (none)
    assert capacity.assets_per_provider(assets).to_dict() == {"O1": 2, "O2": 1}
    stated = capacity.capacity_stated(assets)
    # 3 assets, 2 stating a capacity: 3 - 2 = 1 states none; none states 0
    assert (stated.assets, stated.stated, stated.unstated, stated.any_zero) == (3, 2, 1, False)
    zero = assets.assign(capacity_per_month=pd.array([0, None, None], dtype="Int64"))
    stated = capacity.capacity_stated(zero)
    assert (stated.stated, stated.unstated, stated.any_zero) == (1, 2, True)
    # the headline's "2 of 3 assets stating a capacity"
    summary = summarise(_exact(assets, connections, 3))
    assert (summary.stated, summary.assets) == (2, 3)


def test_the_group_with_most_people_not_taken_from_the_counts_shown():
    shown = pd.DataFrame(
        {"name": ["arts", "sport", "food", "money"],
         "not_taken": pd.array([5, None, 10, 10], dtype="Float64")}
    )  # fmt: skip
    # 10 is the largest shown; of the tie, the first in the table's order; one count hidden
    most = capacity.most_not_taken(shown)
    assert (most.name, most.people, most.hidden) == ("food", 10.0, 1)
    nobody = shown.assign(not_taken=pd.array([0, None, 0, 0], dtype="Float64"))
    assert capacity.most_not_taken(nobody) is None


def test_what_if_headline_and_its_change_by_hand():
    def table(codes, beyond, gaps, hidden):
        return pd.DataFrame(
            {
                "rating": pd.array(codes, dtype="Float64"),
                "beyond_capacity": pd.array(beyond, dtype="Float64"),
                "gap_gbp": pd.array(gaps, dtype="Float64"),
                "hidden_assets": pd.array(hidden, dtype="Float64"),
            }
        )

    # ratings 6 and 7 are over 100% (7 a capacity of 0), 5 borderline, 2 under 85%: 2 over;
    # beyond 10 + 2.5 = 12.5 (hidden counts as 0); positive gaps 500 + 300 = 800
    then = table([6, 7, 5, 2], [10, None, 2.5, 0], [500, -200, None, 300], [1, None, 2, 0])
    before = table([6, 2, 2, 2], [4, 0, 0, 0], [100, 0, 0, -50], [0, 0, 0, 0])
    headline = capacity.scenario_headline(then)
    assert (headline.over, headline.beyond, headline.unfunded_gbp) == (2, 12.5, 800.0)
    # nothing changed: 1 over, 4 beyond, £100 unfunded; so +1, +8.5, +£700
    change = headline.change_from(capacity.scenario_headline(before))
    assert (change.over, change.beyond, change.unfunded_gbp) == (1, 8.5, 700.0)
    assert capacity.hidden_assets(then) == 3  # 1 + 2


def test_the_answers_name_who_is_over_capacity_most_strained_first():
    # as above: P2 sent 20 against 10 (200%) and P7 10 against a capacity of 0 (over, no %);
    # P4 90 against 100 (90%); P1's 12, shown as 10, is borderline
    assets, connections = _providers()
    table = capacity.group_strain(assets, connections, 1, capacity.provider_of(assets))
    shown = capacity.group_spec().disclose(table, Level.ROUND).values
    assert capacity.rated_answer(shown, "provider", named=True) == (
        "2 of 6 providers stating a capacity were sent more people than they can take: P2 "
        "(200%) and P7; 1 more is borderline; 1 is at 85-100% of capacity: P4 (90%)."
    )
    # more than three: the three most strained, and how many more
    rows = pd.DataFrame({"name": list("abcde"), "strain_pct": [110, 150, None, 130, 120],
                         "asset_id": ["A1", "A2", "A3", "A4", "A5"]})  # fmt: skip
    assert capacity.named_with_strain(rows, "asset_id") == (
        "b (A2, 150%), d (A4, 130%), e (A5, 120%) and 2 more"
    )


def test_the_heat_and_a_providers_months_in_a_sentence():
    # three category-months shown: 120%, 80% and one hidden; the most strained named
    heat = pd.DataFrame({"category": ["arts", "arts", "food"], "label": ["Jan", "Feb", "Jan"],
                         "strain_pct": pd.array([120, 80, None], dtype="Float64")})  # fmt: skip
    assert capacity.heat_answer(heat) == (
        "The most strained: arts in Jan, at 120% of the capacity stated; 1 of the 2 "
        "category-months shown was over 100%."
    )
    # a provider's months as shown: 10 + 15 sent and one month of 1-7 (hidden, not added)
    months = pd.DataFrame({
        "label": ["Jan", "Feb", "Mar"],
        "sent": pd.array([10, None, 15], dtype="Float64"),
        "started": pd.array([10, None, 10], dtype="Float64"),
        "waiting_list": pd.array([0, 0, 5], dtype="Float64"),
        "declined_full": pd.array([0, 0, None], dtype="Float64"),
        "declined_not_suitable": pd.array([0, 0, 0], dtype="Float64"),
    })  # fmt: skip
    assert capacity.provider_demand_answer(months, "month") == (
        "Adding the 3 months shown: 25 people were sent (not counting 1 month of 1-7, hidden); "
        "the most in Mar (15)."
    )
    assert capacity.provider_outcomes_answer(months, "month") == (
        "Adding the months shown: 20 started, 5 were put on a waiting list and 0 turned away "
        "(full or not suitable); 2 counts of 1-7 hidden and not added."
    )


def _category_of_ones():
    """Seven assets of one category sent one person each; two of another sent 4 and 20."""
    ids = [f"M{i}" for i in range(7)] + ["B0", "B1"]
    assets = pd.DataFrame(
        {
            "asset_id": ids,
            "name": ids,
            "organisation_id": ids,
            "category": ["mental health support"] * 7 + ["befriending"] * 2,
            "capacity_per_month": pd.array([5] * 7 + [None, 10], dtype="Int64"),
            "cost_per_person_gbp": [None] * 9,
        }
    )
    sent = [1] * 7 + [4, 20]
    connections = pd.DataFrame(
        {
            "asset_id": [a for a, n in zip(ids, sent, strict=True) for _ in range(n)],
            "outcome": "attending",
        }  # fmt: skip
    )
    by = assets["category"]
    table = capacity.group_strain(assets, connections, 1, by)
    cells = capacity.asset_cells(assets, connections, by)
    return table, cells


def test_a_group_total_that_would_pin_its_hidden_assets_is_withheld():
    table, cells = _category_of_ones()
    basis = {"cells": capacity.CELLS_SPEC.disclose(cells, Level.ROUND)}
    shown = capacity.group_spec(cells=True).disclose(table, Level.ROUND, basis)
    values = shown.values.set_index("group")
    marks = shown.marks.set_index(table["group"])
    # Seven hidden assets (each 1-7) and a total of 7 hidden (1-7): each asset is at least 1,
    # so a total of at most 7 makes every one exactly 1. The total is withheld.
    assert marks.loc["mental health support", "sent"] == "withheld"
    assert pd.isna(values.loc["mental health support", "sent"])
    # the strain on it says nothing either (it rests on the withheld count)
    assert pd.isna(values.loc["mental health support", "strain_pct"])
    # befriending: 24 rounds to 25 on its own (23-27), beside a hidden 4 (1-7) and a shown 20
    # (18-22): the hidden one keeps max(1, 23-22) to min(7, 27-18), 1-7, so 25 is shown
    assert values.loc["befriending", "sent"] == 25
    # sent to assets stating a capacity: only B1's 20; B0 (no capacity) is not a cell of it
    assert values.loc["befriending", "sent_stated"] == 20
    # at level off every total is exact
    exact = capacity.group_spec(cells=True).disclose(
        table, Level.OFF, {"cells": capacity.CELLS_SPEC.disclose(cells, Level.OFF)}
    )
    assert exact.values.set_index("group").loc["mental health support", "sent"] == 7


def test_people_sent_a_month_by_area_and_category_and_by_asset_by_hand():
    connections = pd.DataFrame({
        "asset_id": ["a1", "a1", "a2", "a1", None],
        "referred_date": pd.to_datetime(["2024-01-03", "2024-01-20", "2024-01-05",
                                         "2024-02-01", "2024-02-02"]),
        "started_date": pd.to_datetime(["2024-01-10", None, None, "2024-02-03", None]),
    })  # fmt: skip
    # people from E1, E1, E2, E1 and one of unknown area; a2 has no known category
    residence = ["E1", "E1", "E2", "E1", None]
    category = ["arts", "arts", None, "arts", "walks"]
    sent = capacity.sent_a_month(connections, residence, category)
    rows = {(a, c if isinstance(c, str) else None, m): n
            for a, c, m, n in sent.itertuples(index=False)}  # fmt: skip
    # January 2024 is month 2024 * 12 + 0
    assert rows == {("E1", "arts", 24288): 2, ("E2", None, 24288): 1, ("E1", "arts", 24289): 1}
    months = capacity.asset_months(connections).set_index(["asset_id", "month"])
    assert months.loc[("a1", 24288)].tolist() == [2, 1]  # sent, started
    assert months.loc[("a2", 24288)].tolist() == [1, 0]
    assert months.loc[("a1", 24289)].tolist() == [1, 1]
    assert len(months) == 3  # the connection without an asset is in no row
