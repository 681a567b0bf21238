import pandas as pd
import pytest

from socialrx.disclosure import (
    Derived,
    Judgement,
    Level,
    Rate,
    Share,
    Spec,
    Statistic,
    allowed_levels,
    count_bounds,
    deployment_floor,
    disclose_count,
    disclose_counts,
    shown,
)


def test_round_level_hides_1_to_7_and_rounds_the_rest_to_5():
    out = disclose_counts([0, 1, 7, 8, 12, 13, 1002], Level.ROUND)
    assert out.tolist()[:1] == [0]
    assert out.isna().tolist() == [False, True, True, False, False, False, False]
    assert out.dropna().tolist() == [0, 10, 10, 15, 1000]


def test_suppress_level_hides_1_to_7_only():
    out = disclose_counts([0, 3, 8, 12], Level.SUPPRESS)
    assert out.isna().tolist() == [False, True, False, False]
    assert out.dropna().tolist() == [0, 8, 12]


def test_off_level_is_exact():
    assert disclose_counts([3, 12], Level.OFF).tolist() == [3, 12]
    assert disclose_count(3, Level.OFF) == 3
    assert disclose_count(3, Level.ROUND) is None


def _frame(**columns):
    return pd.DataFrame({k: pd.array(v, dtype="Float64") for k, v in columns.items()})


def test_a_rate_uses_the_rounded_numerator_and_denominator():
    # 12 of 48 people: rounded 10 of 50 = 20%, not the exact 25%
    spec = Spec(counts=("part", "whole"), rates={"pct": Rate("part", "whole", 100)})
    frame = _frame(part=[12, 5, 12], whole=[48, 48, 0])
    rounded = spec.disclose(frame, Level.ROUND)
    assert rounded.values["pct"].iloc[0] == pytest.approx(20.0)
    assert rounded.marks["pct"].tolist() == ["", "*", "–"]  # hidden; nothing to divide by
    assert spec.disclose(frame, Level.OFF).values["pct"].iloc[0] == pytest.approx(25.0)
    # a population is not a count of people: it divides as it is (12 -> 10 per 1,000 of 2,000)
    per_year = Spec(counts=("referrals",),
                    rates={"rate": Rate("referrals", "population", 1000 * 12 / 6)})  # fmt: skip
    six_months = per_year.disclose(_frame(referrals=[12], population=[2000]), Level.ROUND)
    assert six_months.values["rate"].iloc[0] == pytest.approx(10.0)  # 10 / 2000 x 1000 x 2


def test_a_statistic_needs_30_people_as_shown_and_shows_one_decimal():
    # decided on the disclosed count: 27 shows as 25 (too few), 28 shows as 30 (shown), so a
    # statistic appearing beside a shown 30 says nothing more than the 30 does
    spec = Spec(counts=("n",), statistics={"mean": Statistic("n")})
    frame = _frame(n=[27, 28, 3, 0], mean=[1.04, 1.04, 2.0, None])
    out = spec.disclose(frame, Level.ROUND)
    assert out.marks["mean"].tolist() == ["too few", "", "too few", "–"]
    assert out.values["mean"].iloc[1] == pytest.approx(1.0)
    assert out.text()["mean"].tolist() == ["too few", "1.0", "too few", "–"]
    assert out.export()["mean"].tolist() == ["too few", 1.0, "too few", None]
    # an analyst with disclosure off sees every statistic
    assert spec.disclose(frame, Level.OFF).marks["mean"].tolist() == ["", "", "", "–"]


def test_a_share_comes_from_the_disclosed_counts_and_needs_30_of_them():
    spec = Spec(counts=("part", "whole"), shares={"pct": Share("part", "whole")})
    frame = _frame(part=[13, 3, 97, 10, 0, 12], whole=[32, 100, 100, 20, 40, 28])
    out = spec.disclose(frame, Level.ROUND)
    # 13 of 32 shows as 15 of 30: 50%, from what is shown (the exact 40.6% would pin 13)
    assert out.values["pct"].iloc[0] == 50
    assert out.values["pct"].iloc[2] == 95  # 95 of 100 as shown
    assert out.marks["pct"].tolist() == ["", "*", "", "too few", "", ""]
    assert out.values["pct"].iloc[4] == 0
    assert out.values["pct"].iloc[5] == 33  # 10 of 30 shown (28 rounds to 30)
    assert spec.disclose(frame, Level.OFF).values["pct"].iloc[0] == 41


def test_a_derived_figure_sees_only_what_is_shown_and_the_range_it_allows():
    seen = {}

    def compute(shown):
        seen["columns"] = set(shown.values.columns)
        seen["values"] = shown.values["people"].tolist()
        return shown.high["people"] * 2

    spec = Spec(counts=("people",), derived={"twice_most": Derived(compute, decimals=0)})
    out = spec.disclose(_frame(people=[12, 3, 0], other=[1, 2, 3]), Level.ROUND)
    assert seen["values"][0] == 10 and pd.isna(seen["values"][1]) and seen["values"][2] == 0
    assert out.values["twice_most"].tolist() == [24, 14, 0]  # 12, 7 and 0 at the most
    assert out.low["people"].tolist() == [8, 1, 0]
    # exact with disclosure off
    off = spec.disclose(_frame(people=[12, 3, 0]), Level.OFF)
    assert off.values["twice_most"].tolist() == [24, 6, 0]
    # hidden with a count, and "too few" under 30 people shown
    hid = Spec(counts=("people",),
               derived={"d": Derived(lambda s: s.values["other"], hidden_with=("people",)),
                        "e": Derived(lambda s: s.values["other"], people="people")})  # fmt: skip
    marks = hid.disclose(_frame(people=[40, 3, 20], other=[1, 2, 3]), Level.ROUND).marks
    assert marks["d"].tolist() == ["", "*", ""]
    assert marks["e"].tolist() == ["", "too few", "too few"]


def test_a_rate_of_a_hidden_count_can_show_its_range():
    spec = Spec(counts=("n",), rates={"rate": Rate("n", "pop", 1000, as_range=True)})
    out = spec.disclose(_frame(n=[3, 20], pop=[2000, 2000]), Level.ROUND)
    assert out.text()["rate"].tolist() == ["0.5 to 3.5", "10.0"]  # 1-7 of 2,000 per 1,000


def test_a_forecast_that_is_not_a_whole_number_is_hidden_like_the_count_it_rounds_to():
    out = disclose_counts([6.9, 7.2, 7.49, 7.5, 7.6, 12.6], Level.ROUND)
    assert out.isna().tolist() == [True, True, True, False, False, False]
    assert out.dropna().tolist() == [10, 10, 15]


def _over(months):
    def decide(frame, people):
        return (people.astype("Float64") / months > frame["capacity"]).astype("boolean")

    return decide


def test_a_judgement_is_shown_only_when_the_rounding_cannot_change_it():
    # capacity 3 a month over a quarter: 8 people (2.7 a month) is not over, but 8 shows as 10,
    # which may be 8 to 12 (12 would be over): borderline, never "over" as rounding once said
    spec = Spec(counts=("sent",), judgements={"over": Judgement("sent", _over(3))})
    frame = _frame(sent=[8, 20, 3, 3, 0], capacity=[3, 3, 0, 3, 3])
    out = spec.disclose(frame, Level.ROUND)
    assert out.text()["over"].tolist() == ["borderline", "yes", "yes", "no", "no"]
    # exact with disclosure off
    assert spec.disclose(frame, Level.OFF).text()["over"].tolist() == [
        "no",
        "yes",
        "yes",
        "no",
        "no",
    ]
    # one month, 3 people (hidden 1-7) against a capacity of 3: could be either
    month = Spec(counts=("sent",), judgements={"over": Judgement("sent", _over(1))})
    assert month.disclose(_frame(sent=[3], capacity=[3]), Level.ROUND).marks["over"].tolist() == [
        "borderline"
    ]


def test_every_shown_judgement_holds_for_every_count_the_rounding_allows():
    # for each capacity, the answer shown for a disclosed count is the same for every true
    # count that discloses as it, and agrees with the exact answer
    spec = Spec(counts=("sent",), judgements={"over": Judgement("sent", _over(3))})
    for capacity in range(0, 12):
        frame = _frame(sent=list(range(0, 60)), capacity=[capacity] * 60)
        out = spec.disclose(frame, Level.ROUND)
        exact = spec.disclose(frame, Level.OFF).values["over"]
        groups = out.values["sent"].astype(object).where(out.values["sent"].notna(), "*")
        for _, rows in out.text().groupby(groups.to_numpy()):
            assert rows["over"].nunique() == 1
            answer = rows["over"].iloc[0]
            if answer in ("yes", "no"):
                assert exact[rows.index].eq(answer == "yes").all()


def test_count_bounds():
    low, high = count_bounds(pd.Series([0, None, 10, 15], dtype="Float64"), Level.ROUND)
    assert low.tolist() == [0, 1, 8, 13] and high.tolist() == [0, 7, 12, 17]
    low, high = count_bounds(pd.Series([9, None], dtype="Float64"), Level.SUPPRESS)
    assert low.tolist() == [9, 1] and high.tolist() == [9, 7]


def test_counts_show_as_whole_numbers_and_stars_on_screen_and_in_csv():
    out = Spec(counts=("people",)).disclose(_frame(people=[2040, 3, 0]), Level.ROUND)
    assert out.text()["people"].tolist() == ["2,040", "*", "0"]
    assert out.export()["people"].tolist() == [2040, "*", 0]


def test_deployment_floor_limits_the_choices():
    assert allowed_levels(deployment_floor({"SOCIALRX_MIN_DISCLOSURE": "round"})) == [Level.ROUND]
    assert allowed_levels(deployment_floor({"SOCIALRX_MIN_DISCLOSURE": "suppress"})) == [
        Level.ROUND,
        Level.SUPPRESS,
    ]
    # without configuration a server offers no exact figures
    assert allowed_levels(deployment_floor({})) == [Level.ROUND]
    assert allowed_levels(deployment_floor({"SOCIALRX_MIN_DISCLOSURE": ""})) == [Level.ROUND]
    assert Level.OFF in allowed_levels(deployment_floor({"SOCIALRX_MIN_DISCLOSURE": "off"}))
    # a mistyped floor fails safe
    assert allowed_levels(deployment_floor({"SOCIALRX_MIN_DISCLOSURE": "of"})) == [Level.ROUND]


def test_shown_marks_hidden_values():
    assert shown(None) == "*"
    assert shown(pd.NA) == "*"
    assert shown(1234.5, 1, "%") == "1,234.5%"


def test_a_total_adds_up_the_cells_as_shown_never_narrowing_a_hidden_one():
    from socialrx.disclosure import Total

    # two hidden halves of 7 and a 0: a total rounded on its own (14 -> 15, so 13-17) would
    # leave each half 6 or 7; added up from the cells as shown (4 + 4 + 0 = 8 -> 10) it says
    # nothing the cells do not, and its range is theirs together (2-14)
    spec = Spec(counts=("n",), totals={"all": Total("n")}, shares={"pct": Share("n", "all")})
    out = spec.disclose(_frame(n=[7, 7, 0], all=[14, 14, 14]), Level.ROUND)
    assert out.values["all"].tolist() == [10, 10, 10]
    assert (out.low["all"].iloc[0], out.high["all"].iloc[0]) == (2, 14)
    assert out.marks["pct"].tolist() == ["too few"] * 3
    # shown cells add up as shown: 42 -> 40 and 61 -> 60, a total of 100 (103 exactly)
    big = spec.disclose(_frame(n=[42, 61], all=[103, 103]), Level.ROUND)
    assert big.values["all"].tolist() == [100, 100]
    assert big.values["pct"].tolist() == [40, 60]
    # exact with disclosure off
    assert spec.disclose(_frame(n=[7, 7, 0], all=[14] * 3), Level.OFF).values["all"].iloc[0] == 14
    # within groups, over the rows marked
    grouped = Spec(counts=("n",), totals={"all": Total("n", group="g", where="in")})
    frame = _frame(n=[20, 30, 12, 50], all=[0, 0, 0, 0], **{"in": [1, 1, 0, 1]})
    frame["g"] = ["a", "a", "a", "b"]
    shown = grouped.disclose(frame, Level.ROUND).values["all"].tolist()
    assert shown == [50, 50, 50, 50]  # a: 20 + 30 (12 not counted); b: 50


def test_a_total_row_adds_up_the_rows_below_as_shown():
    spec = Spec(counts=("n", "m"), total_row=("who", "all"))
    frame = _frame(n=[0, 7, 7, 41], m=[0, 3, 0, 9])
    frame.insert(0, "who", ["all", "A", "B", "C"])
    out = spec.disclose(frame, Level.ROUND)
    # n: 4 + 4 + 40 = 48 -> 50; m: 4 + 0 + 10 = 14 -> 15
    assert out.values.loc[0, "n"] == 50 and out.values.loc[0, "m"] == 15
    assert (out.low.loc[0, "n"], out.high.loc[0, "n"]) == (40, 56)  # 1+1+38 to 7+7+42


def test_a_total_of_its_own_is_withheld_where_it_would_narrow_a_hidden_cell():
    from socialrx.disclosure import WITHHELD, Total

    spec = Spec(counts=("n",), totals={"all": Total("n", own=True)})
    # 41 + 12 + 7: 60 rounded on its own (58-62) leaves the hidden 7 anywhere in 1-7
    # (60 - 42 - 14 = 4 at the least... 62 - 39 - 10 = 13 at the most): shown as it reads
    fine = spec.disclose(_frame(n=[41, 12, 7], all=[60] * 3), Level.ROUND)
    assert fine.values["all"].tolist() == [60] * 3 and fine.marks["all"].iloc[0] == ""
    # the auditor's category: 7 assets of 1 each, all hidden, a total of 7 (hidden too):
    # each at least 1 and 7 at most in all, so each exactly 1: the total is withheld
    ones = spec.disclose(_frame(n=[1] * 7, all=[7] * 7), Level.ROUND)
    assert ones.marks["all"].tolist() == [WITHHELD] * 7 and ones.values["all"].isna().all()
    assert (ones.low["all"].iloc[0], ones.high["all"].iloc[0]) == (7, 49)  # the cells'
    # two hidden halves of 7 under 14 (shown 15, 13-17): each 6 or 7, so withheld
    halves = spec.disclose(_frame(n=[7, 7], all=[14, 14]), Level.ROUND)
    assert halves.marks["all"].iloc[0] == WITHHELD
    # exact with disclosure off
    assert spec.disclose(_frame(n=[7, 7], all=[14, 14]), Level.OFF).values["all"].iloc[0] == 14


def test_a_total_can_add_up_the_cells_of_another_table():
    from socialrx.disclosure import Total

    assets = _frame(sent=[20, 3, 41])
    assets["provider"] = ["P", "P", "Q"]
    shown_assets = Spec(counts=("sent",)).disclose(assets, Level.ROUND)
    providers = pd.DataFrame({"provider": ["P", "Q"], "sent": [23, 41]})
    spec = Spec(totals={"sent": Total("sent", basis="assets", key="provider",
                                      basis_key="provider", own=True)})  # fmt: skip
    out = spec.disclose(providers, Level.ROUND, {"assets": shown_assets})
    # P: 23 shows as 25 (23-27) beside 20 (18-22) and a hidden one: 1-7 left open? 23-22 = 1
    # to 27-18 = 9: the hidden asset keeps 1-7, so the total reads as it is
    assert out.values["sent"].tolist() == [25, 40]


def test_groups_are_narrowed_as_each_would_be_alone():
    """`_narrowed` (every group of a total at once) answers as `narrows` does for each group
    on its own: random groups of hidden and shown cells, totals with and without a range."""
    import numpy as np

    from socialrx.disclosure import _narrowed, narrows

    rng = np.random.default_rng(7)
    for _ in range(200):
        count = int(rng.integers(1, 12))
        group = np.sort(rng.integers(0, count, int(rng.integers(0, 40))))
        low = rng.integers(0, 30, len(group)).astype(float)
        high = low + rng.integers(0, 9, len(group))
        hidden = rng.random(len(group)) < 0.4
        sums = np.bincount(group, low, count)
        total_low = (sums - rng.integers(0, 6, count)).astype(float)
        total_high = np.bincount(group, high, count) + rng.integers(0, 6, count)
        total_low[rng.random(count) < 0.2] = np.nan  # a total with no range: no bound
        each = [narrows(total_low[g], total_high[g], low[group == g], high[group == g],
                        hidden[group == g]) for g in range(count)]  # fmt: skip
        assert _narrowed(total_low, total_high, low, high, hidden, group, count).tolist() == each


def _groups_as_sets(rows_at, row_group, cells_at, cell_group, first):
    """Each group as (its rows, its cells, its first row), in the order of its first row."""
    groups = [(tuple(sorted(rows_at[row_group == g])), tuple(sorted(cells_at[cell_group == g])),
               int(first[g])) for g in range(len(first))]  # fmt: skip
    return sorted(groups, key=lambda group: group[2])


def test_rows_are_grouped_by_label_once_each_missing_labels_in_none():
    import numpy as np

    from socialrx.disclosure import _by_label

    labels = ["b", "a", None, "b", "c", "a", float("nan")]
    rows = np.array([True, False, True, True, True, True, True])
    assert _groups_as_sets(*_by_label(labels, rows)) == [
        ((0, 3), (0, 3), 0),  # "b"
        ((1, 5), (5,), 1),  # "a": row 1 not marked, so not a cell
        ((4,), (4,), 4),  # "c"
    ]
    assert _groups_as_sets(*_by_label([None, None], np.ones(2, bool))) == []


def test_each_row_finds_the_basis_rows_of_its_key():
    import numpy as np

    from socialrx.disclosure import _by_key

    keys = ["P1", "P2", None, "P1", "P9"]  # a missing key and one the basis lacks find nothing
    cell_keys = ["P1", "P2", "P1", None, "P2", "P1"]
    rows = np.array([True, True, False, True, True, True])
    rows_at, row_group, cells_at, cell_group, first = _by_key(keys, cell_keys, rows)
    assert rows_at.tolist() == row_group.tolist() == first.tolist() == [0, 1, 2, 3, 4]
    assert [sorted(cells_at[cell_group == g].tolist()) for g in range(5)] == [
        [0, 5], [1, 4], [], [0, 5], []
    ]  # fmt: skip
    _, _, cells_at, cell_group, _ = _by_key([None, "P1"], [None, None], np.ones(2, bool))
    assert cells_at.tolist() == cell_group.tolist() == []
