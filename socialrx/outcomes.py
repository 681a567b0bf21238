"""Outcome change: paired baseline and follow-up scores, honest about who was measured.

Only people with both a baseline and a follow-up count in a change; with several follow-ups
the latest is paired. SWEMWBS raw scores are converted to the metric scale first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from socialrx import vocab
from socialrx.disclosure import Share, Spec, Statistic

SWEMWBS = "swemwbs_metric"
COUNTS = ("with_baseline", "with_follow_up", "paired", "improved")  # people: disclosed as counts
STATISTICS = ("mean_baseline", "mean_follow_up", "mean_change", "ci_low", "ci_high")


def on_analysis_scale(outcomes: pd.DataFrame) -> pd.DataFrame:
    """SWEMWBS raw scores converted through the published table and pooled with metric ones."""
    raw = outcomes["measure"] == "swemwbs"
    if not raw.any():
        return outcomes
    out = outcomes.assign(value=outcomes["value"].astype(float))
    out.loc[raw, "value"] = out.loc[raw, "value"].round().map(vocab.SWEMWBS_METRIC)
    out.loc[raw, "measure"] = SWEMWBS
    return out


def paired_scores(outcomes: pd.DataFrame) -> pd.DataFrame:
    """One row per referral and measure: the baseline (earliest) and the latest follow-up.

    Undated assessments lose to dated ones; on the same date the first baseline and the last
    follow-up in the file win (a stable sort), so the pairing does not change between runs."""
    scored = on_analysis_scale(outcomes)
    key = ["referral_id", "measure"]
    baselines = scored[scored["timepoint"] == "baseline"].sort_values(
        "assessed_date", kind="stable", na_position="last"
    )
    follow_ups = scored[scored["timepoint"] == "follow_up"].sort_values(
        "assessed_date", kind="stable", na_position="first"
    )
    base = baselines.groupby(key)[["value", "assessed_date"]].first()
    # a follow-up before its baseline is an error the loader reports; never pair it
    follow_ups = follow_ups.join(base["assessed_date"].rename("baseline_date"), on=key)
    follow_ups = follow_ups[~(follow_ups["assessed_date"] < follow_ups["baseline_date"])]
    follow = follow_ups.groupby(key)["value"].last()
    pairs = pd.concat({"baseline": base["value"], "follow_up": follow}, axis=1)
    pairs = pairs.dropna().reset_index()
    pairs["change"] = pairs["follow_up"] - pairs["baseline"]
    return pairs


def paired_change(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Per measure, exact: people with a baseline, with a follow-up, paired; the mean scores,
    the mean change and its 95% interval (paired t), and the people who improved (changed in
    the measure's better direction). `SPEC` says what each figure rests on."""
    scored = on_analysis_scale(outcomes)
    pairs = paired_scores(outcomes)
    rows = []
    present = set(scored["measure"].unique())
    for measure in [m for m in vocab.MEASURES if m in present]:
        mine = scored[scored["measure"] == measure]
        pair = pairs[pairs["measure"] == measure]
        n = len(pair)
        change = pair["change"].to_numpy(dtype=float)
        mean = change.mean() if n else np.nan
        if n > 1 and change.std() > 0:
            low, high = stats.t.interval(0.95, n - 1, loc=mean, scale=stats.sem(change))
        elif n > 1:  # everyone changed by the same amount
            low = high = mean
        else:
            low = high = np.nan
        better = change > 0 if vocab.MEASURES[measure].higher_is_better else change < 0
        rows.append(
            {
                "measure": measure,
                "label": vocab.MEASURES[measure].label,
                "higher_is_better": vocab.MEASURES[measure].higher_is_better,
                "with_baseline": mine.loc[mine["timepoint"] == "baseline", "referral_id"].nunique(),
                "with_follow_up": mine.loc[
                    mine["timepoint"] == "follow_up", "referral_id"
                ].nunique(),
                "paired": n,
                "mean_baseline": pair["baseline"].mean() if n else np.nan,
                "mean_follow_up": pair["follow_up"].mean() if n else np.nan,
                "mean_change": mean,
                "ci_low": low,
                "ci_high": high,
                "improved": int(better.sum()),
            }
        )
    table = pd.DataFrame(
        rows, columns=["measure", "label", "higher_is_better", *COUNTS, *STATISTICS]
    )
    table["improved_pct"] = 100 * table["improved"] / table["paired"].where(table["paired"] > 0)
    return table


SPEC = Spec(
    counts=COUNTS,
    statistics={column: Statistic("paired") for column in STATISTICS},
    shares={"improved_pct": Share("improved", "paired")},
)


FOLLOW_UP_WINDOW_DAYS = 182  # a follow-up is expected within about six months of baseline


def follow_up_completion(
    outcomes: pd.DataFrame, as_at: pd.Timestamp, days: int = FOLLOW_UP_WINDOW_DAYS
) -> pd.DataFrame:
    """Per measure: people whose baseline is old enough to have had `days` for a follow-up by
    `as_at`, how many of them were followed up within `days`, and how many baselines are too
    recent to judge, so recent people are not counted as lost to follow-up."""
    scored = on_analysis_scale(outcomes)
    key = ["referral_id", "measure"]
    base = scored[scored["timepoint"] == "baseline"].groupby(key)["assessed_date"].min().rename("b")
    follow = scored[scored["timepoint"] == "follow_up"].groupby(key)["assessed_date"].max()
    people = base.to_frame().join(follow.rename("f"))
    window = pd.Timedelta(days=days)
    old_enough = people["b"] + window <= as_at
    within = people["f"].notna() & (people["f"] <= people["b"] + window)
    people = people.assign(eligible=old_enough, followed=old_enough & within, recent=~old_enough)
    table = people.groupby(level="measure")[["eligible", "followed", "recent"]].sum()
    order = [m for m in vocab.MEASURES if m in table.index]
    table = table.loc[order].astype(int).reset_index()
    table["label"] = table["measure"].map(lambda m: vocab.MEASURES[m].label)
    return table


FOLLOW_UP_SPEC = Spec(
    counts=("eligible", "followed", "recent"),
    shares={"followed_pct": Share("followed", "eligible")},
)


def headline_measure(table: pd.DataFrame) -> pd.Series | None:
    """The measure to headline (from the exact table): SWEMWBS where anyone was measured twice,
    else the measure with most pairs; None when nobody was."""
    paired = table[table["paired"] > 0]
    if paired.empty:
        return None
    preferred = paired[paired["measure"] == SWEMWBS]
    if len(preferred):
        return preferred.iloc[0]
    return paired.sort_values("paired", ascending=False, na_position="last", kind="stable").iloc[0]
