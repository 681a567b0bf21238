import pandas as pd
import pytest
from scipy import stats

from socialrx.disclosure import Level
from socialrx.outcomes import (
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
    from socialrx.loader import load_folder

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
    from socialrx.outcomes import FOLLOW_UP_SPEC, follow_up_completion

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
