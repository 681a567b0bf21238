import pandas as pd
import pytest
from scipy import stats

from socialrx.disclosure import Level
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


def test_paired_change_mean_interval_and_direction():
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
    sem = pd.Series(changes).std() / 8**0.5
    half = stats.t.ppf(0.975, 7) * sem
    assert out["ci_low"] == pytest.approx(1.5 - half) and out["ci_high"] == pytest.approx(
        1.5 + half
    )
    # loneliness: lower is better, so only the one fall counts as improved
    assert out["improved"] == 1 and out["improved_pct"] == pytest.approx(100 / 8)


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
    ]  # now 12 of 40 improve: the share is computed exactly (30%), a whole number
    shown = _disclosed(rows)
    assert shown.values["improved"].iloc[0] == 10
    assert shown.values["improved_pct"].iloc[0] == 30
    assert shown.export()["improved_pct"].iloc[0] == 30


def test_statistics_on_fewer_than_30_people_read_too_few():
    def rows(n):
        return [
            [f"R{i}", "ons4_worthwhile", t, f"2024-0{1 if t == 'baseline' else 5}-01",
             5 if t == "baseline" else 5 + i % 3]
            for i in range(n)
            for t in ("baseline", "follow_up")
        ]  # fmt: skip

    few = _disclosed(rows(29))
    assert few.values["paired"].iloc[0] == 30  # 29 rounds to 30, but the rule reads the exact 29
    assert few.marks["mean_change"].iloc[0] == "too few" and pd.isna(few.values["ci_low"].iloc[0])
    assert few.text()["mean_change"].iloc[0] == "too few"
    enough = _disclosed(rows(30))
    assert enough.marks["mean_change"].iloc[0] == ""
    # changes 0, 1, 2 repeating over 30 people: mean exactly 1.0, shown to one decimal
    assert enough.values["mean_change"].iloc[0] == 1.0
    assert enough.text()["mean_change"].iloc[0] == "1.0"
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


def test_standardised_effects_by_hand():
    from socialrx.metrics.outcomes import standardised_effects

    # baseline 1,2,3,4 and follow-up 2,4,4,6: changes 1,2,1,2 (mean 1.5)
    out = standardised_effects(pd.Series([1, 2, 3, 4]), pd.Series([2, 4, 4, 6]))
    sd_base, sd_change = (5 / 3) ** 0.5, (1 / 3) ** 0.5  # sample SDs
    smc, dz = 1.5 / sd_base, 1.5 / sd_change
    r = 6 / (5 * 8) ** 0.5  # cross-products 6 over sqrt(5 x 8)
    half = 1.959964 * (2 * (1 - r) / 4 + smc**2 / 8) ** 0.5
    assert out["smc"] == pytest.approx(smc) and out["dz"] == pytest.approx(dz)
    assert out["smc_low"] == pytest.approx(smc - half, rel=1e-5)
    assert out["dz_high"] == pytest.approx(dz + 1.959964 * (1 / 4 + dz**2 / 8) ** 0.5, rel=1e-5)
    # lower is better: the same scores read as a worsening
    assert standardised_effects(pd.Series([1, 2, 3, 4]), pd.Series([2, 4, 4, 6]), -1)[
        "smc"
    ] == pytest.approx(-smc)


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
    from socialrx.metrics.outcomes import change_by_group

    rows, groups = [], {}
    for i, (group, change) in enumerate([("a", -1), ("a", -3), ("b", 2), ("b", 2)]):
        rows += [[f"R{i}", "ons4_anxiety", "baseline", "2024-01-01", 5],
                 [f"R{i}", "ons4_anxiety", "follow_up", "2024-05-01", 5 + change]]  # fmt: skip
        groups[f"R{i}"] = group
    out = change_by_group(_rows(rows), pd.Series(groups), "ons4_anxiety").set_index("group")
    # anxiety falling by 2 on average in group a is an improvement of +2
    assert out.loc["a", "mean_change"] == pytest.approx(2.0)
    assert out.loc["a", "ci_low"] == pytest.approx(2.0 - stats.t.ppf(0.975, 1) * 1.0)
    assert out.loc["b", "mean_change"] == pytest.approx(-2.0)
    assert out.loc["b", "ci_low"] == out.loc["b", "ci_high"] == pytest.approx(-2.0)


def test_groups_of_referrals():
    from socialrx.metrics.outcomes import group_of

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


def test_attrition_flags_those_lost_starting_lower():
    from socialrx.metrics.outcomes import ATTRITION_SPEC, attrition

    rows = []
    for i in range(40):  # 40 followed up from a baseline of 6 or 7; 40 lost from 3 or 4
        rows += [[f"K{i}", "ons4_happiness", "baseline", "2024-01-01", 6 + i % 2],
                 [f"K{i}", "ons4_happiness", "follow_up", "2024-05-01", 7],
                 [f"L{i}", "ons4_happiness", "baseline", "2024-01-01", 3 + i % 2]]  # fmt: skip
    table = attrition(_rows(rows), pd.Timestamp("2024-12-31"))
    row = table.iloc[0]
    assert (row["followed"], row["lost"]) == (40, 40)
    assert row["difference"] == pytest.approx(-3.0) and row["differs"]
    assert row["diff_high"] < 0
    shown = ATTRITION_SPEC.disclose(table, Level.ROUND)
    assert shown.values["difference"].iloc[0] == -3.0
    few = attrition(_rows(rows[:60]), pd.Timestamp("2024-12-31"))  # 20 and 20: too few
    assert ATTRITION_SPEC.disclose(few, Level.ROUND).marks["difference"].iloc[0] == "too few"


def test_the_page_says_how_it_pairs_odd_records():
    from socialrx.data.dataset import Dataset
    from socialrx.metrics.selection import Selection
    from socialrx.views.outcomes import SEVERAL_BASELINES, UNPAIRED, panels

    rows = _rows(
        [
            ["R1", "wemwbs", "baseline", "2024-01-01", 40],
            ["R1", "wemwbs", "baseline", "2024-02-01", 44],  # a second baseline
            ["R1", "wemwbs", "follow_up", "2024-05-01", 45],
            ["R2", "ucla3_loneliness", "follow_up", "2024-05-01", 5],  # only a follow-up
        ]
    )
    dates = pd.to_datetime(["2024-01-01", "2024-01-01"])
    refs = pd.DataFrame({"referral_id": ["R1", "R2"], "referral_date": dates})
    data = Dataset(tables={"referrals": refs, "outcomes": rows},
                   extract_date=pd.Timestamp("2024-12-31"))  # fmt: skip
    year = Selection(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31"))
    notes = [n for p in panels(data, year, Level.ROUND) for n in p.notes]
    assert SEVERAL_BASELINES in notes and UNPAIRED in notes
    change = next(p for p in panels(data, year, Level.OFF) if p.name == "outcome_change")
    row = change.table.set_index("measure").loc["wemwbs"]
    assert row["mean_change"] == 5  # the earliest baseline (40), the latest follow-up (45)
