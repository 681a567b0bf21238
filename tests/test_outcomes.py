import numpy as np
import pandas as pd
import pytest
from scipy import stats

from socialrx.disclosure import Level, Shown, Spec
from socialrx.metrics import outcomes
from socialrx.metrics.outcomes import (
    SPEC,
    headline_measure,
    on_analysis_scale,
    paired_change,
    paired_scores,
)


def _rows(rows):
    return pd.DataFrame(
        rows, columns=["referral_id", "measure", "timepoint", "assessed_date", "value"]
    ).assign(assessed_date=lambda f: pd.to_datetime(f["assessed_date"]))


def _derived(spec, column: str, level=Level.ROUND, **shown) -> float:
    """A derived figure worked out from one row as shown: the computation alone, before
    disclosure rounds anything for the screen."""
    values = pd.DataFrame({k: pd.array([v], dtype="Float64") for k, v in shown.items()})
    return float(spec.derived[column].compute(Shown(values, values, values, level)).iloc[0])


def test_swemwbs_raw_scores_are_converted_to_the_metric_scale():
    out = on_analysis_scale(
        _rows(
            [
                ["R1", "swemwbs", "baseline", "2024-01-01", 7],
                ["R1", "swemwbs", "follow_up", "2024-04-01", 35],
                ["R2", "swemwbs", "baseline", "2024-01-01", 20],
            ]
        )
    )
    assert out["value"].tolist() == [7.0, 35.0, 18.59]
    assert set(out["measure"]) == {"swemwbs_metric"}


def test_latest_follow_up_is_paired_with_baseline():
    pairs = paired_scores(
        _rows(
            [
                ["R1", "ons4_happiness", "baseline", "2024-01-01", 4],
                ["R1", "ons4_happiness", "follow_up", "2024-03-01", 5],
                ["R1", "ons4_happiness", "follow_up", "2024-06-01", 8],
                ["R2", "ons4_happiness", "baseline", "2024-01-01", 6],  # no follow-up: not paired
            ]
        )
    )
    assert pairs[["referral_id", "baseline", "follow_up", "change"]].values.tolist() == [
        ["R1", 4, 8, 4]
    ]


def test_paired_change_mean_sd_and_direction():
    rows = []
    changes = [1, 2, 3, -1, 0, 2, 1, 4]  # eight people, mean 1.5
    for i, change in enumerate(changes):
        rows += [
            [f"R{i}", "ucla3_loneliness", "baseline", "2024-01-01", 6],
            [f"R{i}", "ucla3_loneliness", "follow_up", "2024-05-01", 6 + change],
        ]
    rows.append(["R99", "ucla3_loneliness", "baseline", "2024-01-01", 7])
    out = paired_change(_rows(rows)).iloc[0]
    assert out["with_baseline"] == 9 and out["with_follow_up"] == 8 and out["paired"] == 8
    assert out["mean_change"] == pytest.approx(1.5)
    # deviations from 1.5 squared: .25 .25 2.25 6.25 2.25 .25 .25 6.25 = 18, over 7
    assert out["sd_change"] == pytest.approx((18 / 7) ** 0.5)
    # loneliness: lower is better, so only the one fall counts as improved
    assert out["improved"] == 1
    # with disclosure off the interval is the paired t with the exact n: t(7) = 2.3646
    off = SPEC.disclose(paired_change(_rows(rows)), Level.OFF).export().iloc[0]
    half = stats.t.ppf(0.975, 7) * (18 / 7) ** 0.5 / 8**0.5  # 2.3646 x 1.6036 / 2.8284
    assert half == pytest.approx(1.3406, abs=1e-4)
    assert (off["ci_low"], off["ci_high"]) == (0.2, 2.8)  # 0.159 and 2.841


def _steady(n, measure="wemwbs", first="P"):
    """n people: half change by +1, half by +3 (mean 2, SD sqrt(n/(n-1)) for even n)."""
    rows = []
    for i in range(n):
        base = 40 + i % 7
        rows += [[f"{first}{i}", measure, "baseline", "2024-01-01", base],
                 [f"{first}{i}", measure, "follow_up", "2024-05-01",
                  base + (1 if i % 2 else 3)]]  # fmt: skip
    return rows


def test_the_mean_change_interval_uses_the_number_paired_as_shown():
    # 38 people (shown as 40): mean 2, SD sqrt(38/37) = 1.01342. With the shown n the
    # interval is 2 +/- t(39) x 1.01342 / sqrt(40) = 2 +/- 2.02269 x 0.16024 = 2 +/- 0.32411
    exact = paired_change(_rows(_steady(38))).iloc[0]
    assert exact["sd_change"] == pytest.approx((38 / 37) ** 0.5)
    stats_ = {"mean_change": exact["mean_change"], "sd_change": exact["sd_change"]}
    assert _derived(SPEC, "ci_low", paired=40, **stats_) == pytest.approx(1.67589, abs=1e-5)
    assert _derived(SPEC, "ci_high", paired=40, **stats_) == pytest.approx(2.32411, abs=1e-5)
    # (the exact 38 would give 2 +/- t(37) x 1.01342 / sqrt(38) = 2 +/- 0.33310)
    assert _derived(SPEC, "ci_low", paired=38, **stats_) == pytest.approx(1.66690, abs=1e-5)
    shown = _disclosed(_steady(38))
    assert shown.values["paired"].iloc[0] == 40 and shown.marks["ci_low"].iloc[0] == ""
    assert shown.values["ci_low"].iloc[0] == pytest.approx(1.67589, abs=0.05)
    assert (shown.export()["ci_low"].iloc[0], shown.export()["ci_high"].iloc[0]) == (1.7, 2.3)


def _disclosed(rows, level=Level.ROUND):
    return SPEC.disclose(paired_change(_rows(rows)), level)


def test_a_share_improved_resting_on_1_to_7_people_is_hidden():
    rows = []
    for i in range(40):  # 3 of 40 improve: 3/40 = 7.5% would say "3"
        after = 7 if i < 3 else 5
        rows += [[f"R{i}", "ons4_happiness", "baseline", "2024-01-01", 5],
                 [f"R{i}", "ons4_happiness", "follow_up", "2024-05-01", after]]  # fmt: skip
    shown = _disclosed(rows)
    assert shown.values["paired"].iloc[0] == 40 and shown.marks["improved_pct"].iloc[0] == "*"
    rows = [
        r if r[0] not in {f"R{i}" for i in range(3, 12)} or r[2] == "baseline" else [*r[:4], 7]
        for r in rows
    ]  # now 12 of 40 improve: shown as 10 of 40, so the share shown is 10/40 = 25% (the
    # exact 30% would tell 12 from the 8-12 a shown 10 allows)
    shown = _disclosed(rows)
    assert shown.values["improved"].iloc[0] == 10
    assert shown.values["improved_pct"].iloc[0] == 25
    assert shown.export()["improved_pct"].iloc[0] == 25


def test_statistics_on_fewer_than_30_people_read_too_few():
    def rows(n):
        return [
            [f"R{i}", "ons4_worthwhile", t, f"2024-0{1 if t == 'baseline' else 5}-01",
             5 if t == "baseline" else 5 + i % 3]
            for i in range(n)
            for t in ("baseline", "follow_up")
        ]  # fmt: skip

    few = _disclosed(rows(27))
    assert few.values["paired"].iloc[0] == 25  # 27 shows as 25: too few, as shown
    assert few.marks["mean_change"].iloc[0] == "too few" and pd.isna(few.values["ci_low"].iloc[0])
    assert few.text()["mean_change"].iloc[0] == "too few"
    # 28 shows as 30: shown, so a statistic beside a shown 30 says nothing the 30 does not
    enough = _disclosed(rows(28))
    assert enough.values["paired"].iloc[0] == 30 and enough.marks["mean_change"].iloc[0] == ""
    # changes 0, 1, 2 repeating over 30 people: mean exactly 1.0, shown to one decimal
    thirty = _disclosed(rows(30))
    assert thirty.values["mean_change"].iloc[0] == 1.0
    assert thirty.text()["mean_change"].iloc[0] == "1.0"
    hidden = _disclosed(rows(3))
    assert (
        hidden.marks["paired"].iloc[0] == "*" and hidden.marks["mean_change"].iloc[0] == "too few"
    )
    assert _disclosed(rows(3), Level.OFF).values["mean_change"].iloc[0] == 1.0


def test_a_follow_up_before_its_baseline_is_never_paired():
    pairs = paired_scores(
        _rows(
            [
                ["R1", "ons4_happiness", "baseline", "2024-03-01", 4],
                ["R1", "ons4_happiness", "follow_up", "2024-01-01", 9],
            ]
        )
    )
    assert pairs.empty


def test_headline_prefers_swemwbs_where_anyone_was_measured_twice():
    rows = [
        ["R1", "swemwbs", "baseline", "2024-01-01", 20],
        ["R1", "swemwbs", "follow_up", "2024-05-01", 22],
        ["R1", "ons4_happiness", "baseline", "2024-01-01", 5],
        ["R1", "ons4_happiness", "follow_up", "2024-05-01", 6],
        ["R2", "ons4_happiness", "baseline", "2024-01-01", 5],
        ["R2", "ons4_happiness", "follow_up", "2024-05-01", 6],
    ]
    assert headline_measure(paired_change(_rows(rows)))["measure"] == "swemwbs_metric"
    # SWEMWBS baselines with no follow-up: headline the measure people were paired on
    no_pairs = [r for r in rows if r[1] != "swemwbs" or r[2] == "baseline"]
    assert headline_measure(paired_change(_rows(no_pairs)))["measure"] == ("ons4_happiness")
    baselines_only = [r for r in rows if r[2] == "baseline"]
    assert headline_measure(paired_change(_rows(baselines_only))) is None


def test_the_headline_measure_is_chosen_on_counts_as_shown():
    # no SWEMWBS; happiness paired by 41 and anxiety by 39, or the other way round: both
    # show as 40, so the measure named must not tell which has more (the first in order)
    def table(happy, anxious):
        exact = pd.DataFrame({"measure": ["ons4_happiness", "ons4_anxiety"],
                              "paired": [happy, anxious]})  # fmt: skip
        return Spec(counts=("paired",)).disclose(exact, Level.ROUND).values

    assert headline_measure(table(41, 39))["measure"] == "ons4_happiness"
    assert headline_measure(table(39, 41))["measure"] == "ons4_happiness"
    assert headline_measure(table(39, 46))["measure"] == "ons4_anxiety"  # 40 against 45
    # a disclosed table: hidden (NA) is someone, taken as 4; 0 is nobody
    shown = table(pd.NA, 0).astype({"paired": "Float64"})
    assert headline_measure(shown)["measure"] == "ons4_happiness"
    assert headline_measure(table(0, 0)) is None


def test_pairing_is_the_same_every_run_when_dates_tie_or_are_missing():
    rows = []
    for i in range(200):  # two follow-ups on one day: the later row in the file is the latest
        rows += [[f"R{i}", "ons4_happiness", "baseline", "2024-01-01", 5],
                 [f"R{i}", "ons4_happiness", "follow_up", "2024-05-01", 5],
                 [f"R{i}", "ons4_happiness", "follow_up", "2024-05-01", 9]]  # fmt: skip
    assert set(paired_scores(_rows(rows))["follow_up"]) == {9}
    # an undated baseline loses to a dated one; an undated follow-up to a dated one
    pairs = paired_scores(
        _rows(
            [
                ["R1", "ons4_happiness", "baseline", None, 1],
                ["R1", "ons4_happiness", "baseline", "2024-01-01", 4],
                ["R1", "ons4_happiness", "follow_up", "2024-05-01", 6],
                ["R1", "ons4_happiness", "follow_up", None, 2],
            ]
        )
    )
    assert pairs[["baseline", "follow_up"]].values.tolist() == [[4, 6]]


def test_the_loader_refuses_a_follow_up_dated_before_its_baseline(tmp_path):
    from socialrx.data.loader import load_folder

    (tmp_path / "assets.csv").write_text("asset_id,name,category,delivery\nA1,a,other,online\n")
    (tmp_path / "referrals.csv").write_text("referral_id,referral_date\nR1,2024-01-01\n")
    (tmp_path / "outcomes.csv").write_text(
        "referral_id,measure,timepoint,assessed_date,value\n"
        "R1,ons4_anxiety,baseline,2024-03-01,6\n"
        "R1,ons4_anxiety,follow_up,2024-02-01,2\n"
    )
    dataset, report = load_folder(tmp_path)
    problem = next(p for p in report.errors if p.file == "outcomes.csv")
    assert problem.row == 3 and problem.column == "assessed_date"
    assert "before the baseline" in problem.message
    assert len(dataset.table("outcomes")) == 1  # the baseline stays


def test_follow_up_completion_counts_only_baselines_old_enough():
    from socialrx.metrics.outcomes import FOLLOW_UP_SPEC, follow_up_completion

    rows = _rows(
        [
            ["R1", "ons4_anxiety", "baseline", "2024-01-01", 6],
            ["R1", "ons4_anxiety", "follow_up", "2024-04-01", 4],  # 91 days: in time
            ["R2", "ons4_anxiety", "baseline", "2024-01-01", 6],
            ["R2", "ons4_anxiety", "follow_up", "2024-09-01", 4],  # 244 days: too late
            ["R3", "ons4_anxiety", "baseline", "2024-02-01", 5],  # never followed up
            ["R4", "ons4_anxiety", "baseline", "2024-10-01", 5],  # 92 days before the end
        ]
    )
    table = follow_up_completion(rows, pd.Timestamp("2024-12-31")).iloc[0]
    assert (table["eligible"], table["followed"], table["recent"]) == (3, 1, 1)
    shown = FOLLOW_UP_SPEC.disclose(follow_up_completion(rows, pd.Timestamp("2024-12-31")),
                                    Level.OFF)  # fmt: skip
    assert shown.values["followed_pct"].iloc[0] == 33  # 1 of 3, a whole number


def _follow_ups(people: dict[str, int]) -> list:
    """`people` of ONS4 anxiety per kind: followed in time, or lost (a baseline only)."""
    rows = []
    for kind, n in people.items():
        for i in range(n):
            rows.append([f"{kind}{i}", "ons4_anxiety", "baseline", "2024-01-01", 6])
            if kind == "followed":
                rows.append([f"{kind}{i}", "ons4_anxiety", "follow_up", "2024-03-01", 4])
    return rows


def test_the_share_followed_up_comes_from_the_counts_as_shown():
    from socialrx.metrics.outcomes import FOLLOW_UP_SPEC, follow_up_completion

    # 12 of 38 followed up: shown as 10 of 40, so 10/40 = 25% (12/38 = 32% would pin both)
    rows = _rows(_follow_ups({"followed": 12, "lost": 26}))
    shown = FOLLOW_UP_SPEC.disclose(follow_up_completion(rows, pd.Timestamp("2024-12-31")),
                                    Level.ROUND)  # fmt: skip
    assert (shown.values["eligible"].iloc[0], shown.values["followed"].iloc[0]) == (40, 10)
    assert shown.values["followed_pct"].iloc[0] == 25


def test_followed_up_has_one_definition_for_completion_and_attrition():
    from socialrx.metrics.outcomes import attrition, follow_up_completion

    rows = _rows(
        [
            # in time, then a later one beyond the window: followed (completion used to judge
            # only the latest, so said not followed)
            ["A", "ons4_anxiety", "baseline", "2024-01-01", 6],
            ["A", "ons4_anxiety", "follow_up", "2024-03-01", 4],
            ["A", "ons4_anxiety", "follow_up", "2024-10-01", 3],
            # only one dated before the baseline: not followed (completion and attrition both
            # used to count it)
            ["B", "ons4_anxiety", "baseline", "2024-03-01", 7],
            ["B", "ons4_anxiety", "follow_up", "2024-02-01", 2],
            # on day 182 (1 January + 182 days = 1 July 2024, a leap year): in time
            ["C", "ons4_anxiety", "baseline", "2024-01-01", 5],
            ["C", "ons4_anxiety", "follow_up", "2024-07-01", 4],
            # day 183: too late, lost (attrition used to count any follow-up)
            ["D", "ons4_anxiety", "baseline", "2024-01-01", 8],
            ["D", "ons4_anxiety", "follow_up", "2024-07-02", 4],
            ["E", "ons4_anxiety", "baseline", "2024-01-01", 9],  # never: lost
            ["F", "ons4_anxiety", "baseline", "2024-11-01", 5],  # too recent to judge
            ["G", "ons4_anxiety", "baseline", None, 5],  # undated: cannot be judged
        ]
    )
    end = pd.Timestamp("2024-12-31")
    completion = follow_up_completion(rows, end).iloc[0]
    lost = attrition(rows, end).iloc[0]
    assert (completion["eligible"], completion["followed"], completion["recent"]) == (5, 2, 1)
    assert (lost["followed"], lost["lost"]) == (2, 3)  # A and C; B, D and E
    assert lost["followed"] + lost["lost"] == completion["eligible"]
    assert lost["mean_followed"] == pytest.approx((6 + 5) / 2)
    assert lost["mean_lost"] == pytest.approx((7 + 8 + 9) / 3)


def test_standardised_effects_by_hand():
    from socialrx.metrics.outcomes import becker_variance, dz_variance, standardised_effects

    # baseline 1,2,3,4 and follow-up 2,4,4,6: changes 1,2,1,2 (mean 1.5)
    out = standardised_effects(pd.Series([1, 2, 3, 4]), pd.Series([2, 4, 4, 6]))
    sd_base, sd_change = (5 / 3) ** 0.5, (1 / 3) ** 0.5  # sample SDs
    smc, dz = 1.5 / sd_base, 1.5 / sd_change  # 1.1619 and 2.5981
    r = 6 / (5 * 8) ** 0.5  # cross-products 6 over sqrt(5 x 8) = 0.9487
    assert out["smc"] == pytest.approx(smc) and out["dz"] == pytest.approx(dz)
    assert out["correlation"] == pytest.approx(r)
    # Becker: 2(1 - r)/n + smc^2/(2n) at n = 4: 0.02566 + 0.16875 = 0.19441
    assert becker_variance(smc, r, 4) == pytest.approx(2 * (1 - r) / 4 + smc**2 / 8)
    assert becker_variance(smc, r, 4) == pytest.approx(0.19441, abs=1e-5)
    # dz: 1/n + dz^2/(2n) = 0.25 + 6.75/8 = 1.09375
    assert dz_variance(dz, 4) == pytest.approx(1.09375)
    # lower is better: the same scores read as a worsening
    assert standardised_effects(pd.Series([1, 2, 3, 4]), pd.Series([2, 4, 4, 6]), -1)[
        "smc"
    ] == pytest.approx(-smc)


def test_effect_size_intervals_use_the_number_paired_as_shown_and_show_one_decimal():
    exact = paired_change(_rows(_steady(38))).iloc[0]
    dz, smc, r = exact["dz"], exact["smc"], exact["correlation"]
    # dz = 2 / sqrt(38/37) = 1.97351; with the shown 40: 1.96 x sqrt(1/40 + 1.97351^2/80)
    # = 1.96 x 0.27145 = 0.53203, so 1.44148 to 2.50554 (the exact 38 gave 1.42766 to 2.51936)
    assert dz == pytest.approx(1.97351, abs=1e-5)
    assert _derived(SPEC, "dz_low", paired=40, dz=dz) == pytest.approx(1.44148, abs=1e-5)
    assert _derived(SPEC, "dz_high", paired=40, dz=dz) == pytest.approx(2.50554, abs=1e-5)
    # smc: Becker's variance with the shown 40, 2(1 - r)/40 + smc^2/80
    half = 1.959964 * (2 * (1 - r) / 40 + smc**2 / 80) ** 0.5
    low = _derived(SPEC, "smc_low", paired=40, smc=smc, correlation=r)
    assert low == pytest.approx(smc - half, rel=1e-5)
    # through disclosure: 38 shows as 40; estimates from exact values, to one decimal as the
    # data contract has it
    out = _disclosed(_steady(38)).export().iloc[0]
    assert out["paired"] == 40
    assert out["dz"] == 2.0 and out["dz_low"] == 1.4 and out["dz_high"] == 2.5
    assert out["smc"] == round(smc, 1) and out["smc_low"] == round(smc - half, 1)


def test_meaningful_change_counts_use_the_stated_standard():
    from socialrx.metrics.outcomes import RCI

    rows = []
    for i, change in enumerate([3, 2, -3, 8]):
        rows += [[f"R{i}", "wemwbs", "baseline", "2024-01-01", 40],
                 [f"R{i}", "wemwbs", "follow_up", "2024-05-01", 40 + change]]  # fmt: skip
    row = paired_change(_rows(rows)).iloc[0]
    assert (row["threshold"], row["better_by_threshold"], row["worse_by_threshold"]) == (3, 2, 1)
    strict = paired_change(_rows(rows), RCI).iloc[0]
    assert (strict["threshold"], strict["better_by_threshold"]) == (8, 1)


def test_ons_band_transitions():
    from socialrx.metrics.outcomes import band_transitions

    rows = [
        ["R1", "ons4_life_satisfaction", "baseline", "2024-01-01", 3],
        ["R1", "ons4_life_satisfaction", "follow_up", "2024-05-01", 7],
        ["R2", "ons4_life_satisfaction", "baseline", "2024-01-01", 4],
        ["R2", "ons4_life_satisfaction", "follow_up", "2024-05-01", 8],
        ["R3", "ons4_anxiety", "baseline", "2024-01-01", 6],
        ["R3", "ons4_anxiety", "follow_up", "2024-05-01", 1],
    ]
    life = band_transitions(_rows(rows), "ons4_life_satisfaction").set_index(
        ["baseline_band", "follow_up_band"]
    )["people"]
    assert len(life) == 16 and life[("low", "high")] == 2 and life.sum() == 2
    anxiety = band_transitions(_rows(rows), "ons4_anxiety").set_index(
        ["baseline_band", "follow_up_band"]
    )["people"]
    assert anxiety[("high", "very low")] == 1


def test_change_by_group_is_oriented_so_positive_is_better():
    from socialrx.metrics.outcomes import GROUP_SPEC, change_by_group

    rows, groups = [], {}
    for i, (group, change) in enumerate([("a", -1), ("a", -3), ("b", 2), ("b", 2)]):
        rows += [[f"R{i}", "ons4_anxiety", "baseline", "2024-01-01", 5],
                 [f"R{i}", "ons4_anxiety", "follow_up", "2024-05-01", 5 + change]]  # fmt: skip
        groups[f"R{i}"] = group
    table = change_by_group(_rows(rows), pd.Series(groups), "ons4_anxiety").set_index("group")
    # anxiety falling by 2 on average in group a is an improvement of +2; SD of 1 and 3: 1.41
    assert table.loc["a", "mean_change"] == pytest.approx(2.0)
    assert table.loc["a", "sd_change"] == pytest.approx(2**0.5)
    assert table.loc["b", "mean_change"] == pytest.approx(-2.0)
    # with disclosure off, n = 2: 2 +/- t(1) x 1.41 / sqrt(2) = 2 +/- 12.706
    low = _derived(GROUP_SPEC, "ci_low", Level.OFF, paired=2, mean_change=2.0, sd_change=2**0.5)
    assert low == pytest.approx(2.0 - stats.t.ppf(0.975, 1))
    # everyone in b changed alike: an interval of no width
    assert _derived(GROUP_SPEC, "ci_high", paired=2, mean_change=-2.0, sd_change=0) == -2.0


def test_a_groups_interval_uses_its_number_paired_as_shown():
    from socialrx.metrics.outcomes import GROUP_SPEC, change_by_group

    rows = _steady(38, "ons4_happiness")
    groups = pd.Series("women", index=[f"P{i}" for i in range(38)])
    table = change_by_group(_rows(rows), groups, "ons4_happiness")
    shown = GROUP_SPEC.disclose(table, Level.ROUND)
    # 38 shown as 40: 2 +/- t(39) x sqrt(38/37) / sqrt(40) = 1.67589 to 2.32411
    assert shown.values["paired"].iloc[0] == 40
    assert shown.values["ci_low"].iloc[0] == pytest.approx(1.67589, abs=0.05)
    assert (shown.export()["ci_low"].iloc[0], shown.export()["ci_high"].iloc[0]) == (1.7, 2.3)
    row = table.iloc[0]
    low = _derived(GROUP_SPEC, "ci_low", paired=40, mean_change=row["mean_change"],
                   sd_change=row["sd_change"])  # fmt: skip
    assert low == pytest.approx(1.67589, abs=1e-5)


def test_groups_of_referrals():
    from socialrx.metrics.outcomes import group_columns, group_of

    refs = pd.DataFrame(
        {
            "referral_id": ["R1", "R2"],
            "reasons": ["housing;carer", "bereavement"],
            "area_code": ["E1", "E2"],
            "referral_date": pd.to_datetime(["2024-02-01", "2024-05-01"]),
        }
    )
    stats_ = pd.DataFrame({"area_code": ["E1", "E2"], "imd_decile": [2, 9]})
    conns = pd.DataFrame(
        {
            "referral_id": ["R1", "R1"],
            "asset_id": ["A2", "A1"],
            "referred_date": pd.to_datetime(["2024-03-01", "2024-02-10"]),
        }
    )
    assets = pd.DataFrame({"asset_id": ["A1", "A2"], "category": ["other", "housing advice"]})
    reasons = group_of(refs, conns, assets, stats_, "reason")
    assert sorted(reasons[reasons.index == "R1"]) == ["carer", "housing"]
    assert group_of(refs, conns, assets, stats_, "imd_quintile").to_dict() == {"R1": 1, "R2": 5}
    assert group_of(refs, conns, assets, stats_, "category").to_dict() == {"R1": "other"}
    assert group_of(refs, conns, assets, stats_, "quarter").to_dict() == {
        "R1": "2024Q1",
        "R2": "2024Q2",
    }
    # each group from the referrals' columns `group_columns` names and no others
    refs = refs.assign(sex=["female", "male"])
    for group in ("reason", "imd_quintile", "category", "quarter", "sex"):
        only = refs[group_columns(group)]
        assert group_of(only, conns, assets, stats_, group).equals(
            group_of(refs, conns, assets, stats_, group)
        )


def test_attrition_flags_those_lost_starting_lower():
    from socialrx.metrics.outcomes import ATTRITION_SPEC, attrition, lost_differ

    rows = []
    for i in range(40):  # 40 followed up from a baseline of 6 or 7; 40 lost from 3 or 4
        rows += [[f"K{i}", "ons4_happiness", "baseline", "2024-01-01", 6 + i % 2],
                 [f"K{i}", "ons4_happiness", "follow_up", "2024-05-01", 7],
                 [f"L{i}", "ons4_happiness", "baseline", "2024-01-01", 3 + i % 2]]  # fmt: skip
    table = attrition(_rows(rows), pd.Timestamp("2024-12-31"))
    row = table.iloc[0]
    assert (row["followed"], row["lost"]) == (40, 40)
    assert row["difference"] == pytest.approx(-3.0)
    shown = ATTRITION_SPEC.disclose(table, Level.ROUND)
    assert shown.values["difference"].iloc[0] == -3.0 and shown.values["diff_high"].iloc[0] < 0
    assert lost_differ(shown.values).tolist() == [True]
    few = attrition(_rows(rows[:60]), pd.Timestamp("2024-12-31"))  # 20 and 20: too few
    few_shown = ATTRITION_SPEC.disclose(few, Level.ROUND)
    assert few_shown.marks["difference"].iloc[0] == "too few"
    assert pd.isna(lost_differ(few_shown.values).iloc[0])


def _lost_lower():
    rows = []
    for i in range(38):  # followed: 19 at 5 and 19 at 7 (mean 6, SD^2 38/37)
        rows += [[f"K{i}", "ons4_happiness", "baseline", "2024-01-01", 5 + 2 * (i % 2)],
                 [f"K{i}", "ons4_happiness", "follow_up", "2024-05-01", 7]]  # fmt: skip
    for i in range(42):  # lost: 21 at 3 and 21 at 5 (mean 4, SD^2 42/41)
        rows.append([f"L{i}", "ons4_happiness", "baseline", "2024-01-01", 3 + 2 * (i % 2)])
    return rows


def test_the_attrition_interval_uses_the_numbers_as_shown():
    from socialrx.metrics.outcomes import ATTRITION_SPEC, attrition, welch_interval

    rows = _lost_lower()
    table = attrition(_rows(rows), pd.Timestamp("2024-12-31"))
    shown = ATTRITION_SPEC.disclose(table, Level.ROUND)
    values = shown.values.iloc[0]
    assert (values["followed"], values["lost"], values["difference"]) == (40, 40, -2.0)
    # with both shown as 40: variances (42/41)/40 = 0.025610 and (38/37)/40 = 0.025676,
    # se = sqrt(0.051286) = 0.226464; Welch df = 0.051286^2 / ((0.025610^2 + 0.025676^2)/39)
    # = 78.0; t(78) = 1.99085: -2 +/- 0.45085
    exact = table.iloc[0]
    figures = {c: exact[c] for c in ("difference", "sd_lost", "sd_followed")}
    for end, expected in (("diff_low", -2.45085), ("diff_high", -1.54915)):
        assert _derived(ATTRITION_SPEC, end, lost=40, followed=40, **figures) == pytest.approx(
            expected, abs=1e-4
        )
    assert (shown.export()["diff_low"].iloc[0], shown.export()["diff_high"].iloc[0]) == (-2.5, -1.5)
    # the Welch interval itself agrees with scipy's for exact numbers
    lost = pd.Series([3.0, 5.0] * 21)
    kept = pd.Series([5.0, 7.0] * 19)
    scipy_ci = stats.ttest_ind(lost, kept, equal_var=False).confidence_interval(0.95)
    low, high = welch_interval([-2.0], [lost.std()], [42], [kept.std()], [38])
    assert (low[0], high[0]) == pytest.approx((scipy_ci.low, scipy_ci.high))


def _page(rows, level=Level.ROUND) -> dict:
    """The outcomes page's panels by name, for people referred on 1 January 2024."""
    from socialrx.data.dataset import Dataset
    from socialrx.metrics.selection import Selection
    from socialrx.views.outcomes import panels

    outcomes = _rows(rows)
    ids = outcomes["referral_id"].unique()
    refs = pd.DataFrame({"referral_id": ids, "referral_date": pd.Timestamp("2024-01-01")})
    data = Dataset(tables={"referrals": refs, "outcomes": outcomes},
                   extract_date=pd.Timestamp("2024-12-31"))  # fmt: skip
    year = Selection(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31"))
    return {p.name: p for p in panels(data, year, level)}


def _change_panel(rows, level=Level.ROUND):
    return _page(rows, level)["outcome_change"]


def test_the_page_says_how_it_pairs_odd_records():
    from socialrx.views.outcomes import SEVERAL_BASELINES, UNPAIRED

    plain = [
        ["R1", "wemwbs", "baseline", "2024-01-01", 40],
        ["R1", "wemwbs", "follow_up", "2024-05-01", 45],
    ]
    odd = [
        *plain,
        ["R1", "wemwbs", "baseline", "2024-02-01", 44],  # a second baseline
        ["R2", "ucla3_loneliness", "follow_up", "2024-05-01", 5],  # only a follow-up
    ]
    # each odd record is one person, a hidden count (1-7): "some" is all the notes say
    notes = _change_panel(odd).shown_notes
    assert SEVERAL_BASELINES in notes and UNPAIRED in notes
    assert not _change_panel(plain).shown_notes
    row = _change_panel(odd, Level.OFF).table.set_index("measure").loc["wemwbs"]
    assert row["mean_change"] == 5  # the earliest baseline (40), the latest follow-up (45)


def test_each_panel_answers_from_what_is_shown():
    page = _page(_steady(38))  # 38 people shown as 40, the interval worked out above
    assert page["outcome_change"].answer_text == (
        "WEMWBS rose by 2.0 points on average among 40 people measured twice (95% CI 1.7 to "
        "2.3); higher is better. 40 had a baseline."
    )
    # baselines 40 + 0..6 (0-2 six times, 3-6 five times): mean 42.84, SD sqrt(153.05/37)
    # = 2.034, so the change is 2 / 2.034 = 0.98 SD, shown 1.0: large (0.8 or more)
    assert page["outcome_effect_sizes"].answer_text.startswith(
        "On WEMWBS the change was +1.0 baseline standard deviations (95% CI 0.7 to 1.2), a "
        "large improvement by the usual benchmarks"
    )
    assert page["outcome_follow_up"].answer_text == (
        "On WEMWBS, 40 of the 40 people whose baseline is at least 182 days old (100%) were "
        "followed up within 182 days."
    )
    assert page["outcome_attrition"].answer_text == (
        "Too few people to compare those lost to follow-up with those followed up on WEMWBS: "
        "0 lost and 40 followed up (30 are needed in each)."
    )
    few = _page(_steady(27))["outcome_change"].answer_text  # 27 shows as 25
    assert few == (
        "Too few people measured twice to judge the change on WEMWBS: 25 paired (30 are "
        "needed: about 5 more measured twice would make it judgeable). 25 had a baseline."
    )
    hidden = _page(_steady(3))
    assert hidden["outcome_effect_sizes"].answer_text == (
        "Too few people measured twice to judge the change on WEMWBS: 1-7 paired (30 are "
        "needed: 23 to 29 more measured twice would make it judgeable)."
    )


def test_the_attrition_answer_says_those_lost_started_lower():
    from socialrx.views.outcomes import attrition_notes

    panel = _page(_lost_lower())["outcome_attrition"]
    # -2 +/- 0.45 with the numbers as shown (see the interval test above)
    assert panel.answer_text == (
        "On ONS4 happiness, the 40 people lost to follow-up started 2.0 points lower on average "
        "than the 40 followed up (95% CI -2.5 to -1.5): those followed up are not like everyone "
        "referred, so the change among them may not describe everyone."
    )
    assert panel.shown_notes == attrition_notes(panel.disclosed.values)
    assert "different baseline on ONS4 happiness" in panel.shown_notes[0]


def _cells(people: list, bands=("low", "medium", "high", "very high")) -> pd.DataFrame:
    """A disclosed band table (by default of life satisfaction, worthwhile or happiness)."""
    bands = list(bands)
    return pd.DataFrame(
        {
            "baseline_band": [b for b in bands for _ in bands],
            "follow_up_band": bands * 4,
            "people": pd.array(people, dtype="Float64"),
        }
    )


def test_band_totals_add_up_the_cells_as_shown():
    from socialrx.metrics.outcomes import band_moves
    from socialrx.views.outcomes import band_answer

    # rows: baseline low, medium, high, very high; columns the follow-up band
    values = _cells([20, 15, None, 0,
                     5, 30, 10, 0,
                     None, 10, 25, 5,
                     0, 0, None, 10])  # fmt: skip
    # better (above the diagonal): 15 + 10 + 5 = 30 shown, 1 hidden; worse: 5 + 10 = 15, 2
    # hidden; the same band: 20 + 30 + 25 + 10 = 85
    assert band_moves(values, "ons4_life_satisfaction") == {
        "better": (30, 1),
        "worse": (15, 2),
        "same": (85, 0),
    }
    assert band_answer(values, "ons4_life_satisfaction") == (
        "Of the people measured twice on ONS4 life satisfaction, 30 moved to a better ONS band, "
        "15 to a worse one and 85 stayed in the same band (adding the cells shown; 3 cells of "
        "1-7 people hidden and not added)."
    )
    # anxiety: better is down a band, so the same cells read the other way round
    anxiety = _cells(values["people"], ("very low", "low", "medium", "high"))
    assert band_moves(anxiety, "ons4_anxiety") == {
        "better": (15, 2),
        "worse": (30, 1),
        "same": (85, 0),
    }


def test_the_group_answer_compares_the_largest_and_smallest_change_shown():
    from socialrx.views.outcomes import group_answer

    values = pd.DataFrame(
        {
            "group": ["18-24", "25-34", "35-44"],
            "paired": pd.array([40, None, 60], dtype="Float64"),
            "mean_change": pd.array([0.84, None, 2.31], dtype="Float64"),
            "ci_low": pd.array([0.1, None, 1.62], dtype="Float64"),
            "ci_high": pd.array([1.58, None, 3.0], dtype="Float64"),
        }
    )
    assert group_answer(values, "SWEMWBS", "Age band") == (
        "On SWEMWBS, the largest mean change (positive = better) is in 35-44 (+2.3; 95% CI 1.6 "
        "to 3.0) and the smallest in 18-24 (+0.8; 95% CI 0.1 to 1.6): their intervals overlap, "
        "so the data cannot tell them apart. 2 of 3 groups by age band have a change shown."
    )
    values.loc[0, "ci_high"] = 1.54  # 1.5 as shown, below 1.6
    assert "their intervals do not overlap." in group_answer(values, "SWEMWBS", "Age band")
    assert group_answer(values.iloc[1:2], "SWEMWBS", "Age band") == (
        "No age band group has 30 or more people measured twice on SWEMWBS, so no group's "
        "change is given."
    )


def test_labels_inside_sentences_keep_their_abbreviations():
    from socialrx.views.outcomes import group_answer
    from socialrx.vocab import in_sentence

    assert in_sentence("IMD quintile") == "IMD quintile"
    assert in_sentence("Age band") == "age band" and in_sentence("Sex") == "sex"
    assert in_sentence("A group") == "a group"  # a one-letter word is not an abbreviation
    empty = pd.DataFrame({"group": ["1"], "paired": pd.array([None], dtype="Float64"),
                          "mean_change": pd.array([None], dtype="Float64"),
                          "ci_low": pd.array([None], dtype="Float64"),
                          "ci_high": pd.array([None], dtype="Float64")})  # fmt: skip
    assert group_answer(empty, "SWEMWBS", "IMD quintile").startswith("No IMD quintile group")


def test_how_many_more_people_would_make_a_change_judgeable():
    # 30 measured twice as shown are needed: a shown 25 needs about 5 more, a hidden 1-7
    # needs 23 (if it is 7) to 29 (if it is 1), a shown 30 or more none
    assert outcomes.more_needed(25) == (5, 5)
    assert outcomes.more_needed(pd.NA) == (23, 29)
    assert outcomes.more_needed(40) == (0, 0)


def test_asset_groups_put_a_person_sent_to_two_assets_in_both():
    sent = pd.DataFrame({"referral_id": ["R1", "R1", "R2", "R2", "R3"],
                         "asset_id": ["A", "B", "A", "A", "C"]})  # fmt: skip
    names = pd.Series({"A": "Lunch Club", "B": "Tablets"})  # C is another provider's
    groups = outcomes.asset_groups(sent, names)
    assert sorted(zip(groups.index, groups, strict=True)) == [
        ("R1", "Lunch Club (A)"), ("R1", "Tablets (B)"), ("R2", "Lunch Club (A)")]  # fmt: skip


def test_measured_people_cut_to_a_selection_give_the_figures_of_its_own_rows():
    # R1: two baselines (the earliest, 4, pairs) and a follow-up 120 days on; R2: a baseline
    # and a follow-up dated before it (never paired); R3: a follow-up only
    rows = _rows(
        [
            ["R1", "ons4_happiness", "baseline", "2024-01-01", 4],
            ["R1", "ons4_happiness", "baseline", "2024-02-01", 6],
            ["R1", "ons4_happiness", "follow_up", "2024-04-30", 7],
            ["R2", "ons4_happiness", "baseline", "2024-03-01", 5],
            ["R2", "ons4_happiness", "follow_up", "2024-02-01", 9],
            ["R3", "ons4_happiness", "follow_up", "2024-05-01", 8],
        ]
    ).assign(_ref=[0, 0, 0, 1, 1, 2])
    people = outcomes.measured(rows)
    assert people.records[["_ref", "baselines", "follow_ups"]].values.tolist() == [
        [0, 2, 1], [1, 1, 1], [2, 0, 1],
    ]  # fmt: skip
    pairs = people.pairs[["_ref", "baseline", "follow_up", "change"]]
    assert pairs.values.tolist() == [[0, 4, 7, 3]]
    assert people.rows == 6
    as_at = pd.Timestamp("2024-12-31")
    ids = np.array(["R1", "R2", "R3"])
    for chosen in ([True, False, True, False], [False, True, True, False], [True] * 3 + [False]):
        keep = rows[[chosen[r] for r in rows["_ref"]]]
        cut = people.cut(np.array(chosen), ids)
        assert cut.pairs["referral_id"].tolist() == (["R1"] if chosen[0] else [])
        pd.testing.assert_frame_equal(paired_change(cut), paired_change(keep))
        pd.testing.assert_frame_equal(
            outcomes.follow_up_completion(cut, as_at), outcomes.follow_up_completion(keep, as_at)
        )
        pd.testing.assert_frame_equal(
            outcomes.attrition(cut, as_at), outcomes.attrition(keep, as_at)
        )
    # worked through in slices of people, the same tables in the same order
    sliced = outcomes.measured(rows, parts=2)
    for table in ("records", "pairs", "status"):
        pd.testing.assert_frame_equal(getattr(sliced, table), getattr(people, table))
    nobody = outcomes.measured(rows.iloc[:0], parts=2)
    assert nobody.rows == 0 and paired_change(nobody).empty
    whole = paired_change(people).iloc[0]
    assert (whole["with_baseline"], whole["with_follow_up"], whole["paired"]) == (2, 3, 1)
    assert (whole["several_baselines"], whole["unpaired"]) == (1, 2)
    # followed up within 182 days of the earliest baseline: R1 only (R2's is before it)
    completion = outcomes.follow_up_completion(people, as_at).iloc[0]
    assert (completion["eligible"], completion["followed"]) == (2, 1)


def test_reasons_split_once_per_list_as_the_text_says():
    reasons = pd.Series(
        ["housing; debt", None, "grief", "housing;;debt ", "grief"],
        index=pd.Index(["R1", "R2", "R3", "R4", "R5"], name="referral_id"),
    )
    split = outcomes.reasons_of(reasons)
    assert split.index.tolist() == ["R1", "R1", "R3", "R4", "R4", "R4", "R5"]
    assert split.tolist() == ["housing", "debt", "grief", "housing", "", "debt", "grief"]
    assert outcomes.reasons_of(reasons.iloc[[1]]).empty
