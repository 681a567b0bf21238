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
COUNTS = (
    "with_baseline",
    "with_follow_up",
    "paired",
    "improved",
    "better_by_threshold",
    "worse_by_threshold",
)  # people: disclosed as counts
STATISTICS = ("mean_baseline", "mean_follow_up", "mean_change", "ci_low", "ci_high")
EFFECTS = ("smc", "smc_low", "smc_high", "dz", "dz_low", "dz_high")

# A change that matters, per person. WEMWBS 3 and SWEMWBS 1 point (metric scale) are one
# standard error of measurement (Maheswaran et al. 2012; Shah et al. 2018, the Warwick
# guidance); the stricter "reliable change" is 2.77 SEM: WEMWBS 8, SWEMWBS 2.87 points. The
# other measures publish no such threshold: a move of 1 point or more, labelled descriptive.
MEANINGFUL = {"wemwbs": 3.0, SWEMWBS: 1.0}
RELIABLE = {"wemwbs": 8.0, SWEMWBS: 2.87}
SEM, RCI = "sem", "rci"


def on_analysis_scale(outcomes: pd.DataFrame) -> pd.DataFrame:
    """SWEMWBS raw scores converted through the published table and pooled with metric ones."""
    raw = outcomes["measure"] == "swemwbs"
    if not raw.any():
        return outcomes
    out = outcomes.assign(value=outcomes["value"].astype(float))
    out.loc[raw, "value"] = out.loc[raw, "value"].round().map(vocab.SWEMWBS_METRIC)
    if isinstance(out["measure"].dtype, pd.CategoricalDtype):
        known = out["measure"].cat.categories
        if SWEMWBS not in known:
            out["measure"] = out["measure"].cat.add_categories([SWEMWBS])
    out.loc[raw, "measure"] = SWEMWBS
    return out


def _person(outcomes: pd.DataFrame) -> str:
    """The column naming whose record a row is: `_ref`, a whole number, where the selection
    added it (grouping millions of id strings is far slower), else referral_id."""
    return "_ref" if "_ref" in outcomes else "referral_id"


def paired_scores(outcomes: pd.DataFrame) -> pd.DataFrame:
    """One row per referral and measure: the baseline (earliest) and the latest follow-up.

    Undated assessments lose to dated ones; on the same date the first baseline and the last
    follow-up in the file win (a stable sort), so the pairing does not change between runs."""
    scored = on_analysis_scale(outcomes)
    who = _person(scored)
    key = [who, "measure"]
    baselines = scored[scored["timepoint"] == "baseline"].sort_values(
        "assessed_date", kind="stable", na_position="last"
    )
    follow_ups = scored[scored["timepoint"] == "follow_up"].sort_values(
        "assessed_date", kind="stable", na_position="first"
    )
    carried = ["value", "assessed_date"] + (["referral_id"] if who == "_ref" else [])
    base = baselines.groupby(key, observed=True)[carried].first()
    # a follow-up before its baseline is an error the loader reports; never pair it
    follow_ups = follow_ups.join(base["assessed_date"].rename("baseline_date"), on=key)
    follow_ups = follow_ups[~(follow_ups["assessed_date"] < follow_ups["baseline_date"])]
    follow = follow_ups.groupby(key, observed=True)["value"].last()
    pairs = pd.concat({"baseline": base["value"], "follow_up": follow}, axis=1)
    if who == "_ref":
        pairs["referral_id"] = base["referral_id"]
    pairs = pairs.dropna(subset=["baseline", "follow_up"]).reset_index()
    pairs["change"] = pairs["follow_up"] - pairs["baseline"]
    return pairs[["referral_id", "measure", "baseline", "follow_up", "change"]]


def paired_change(outcomes: pd.DataFrame, standard: str = SEM) -> pd.DataFrame:
    """Per measure, exact: people with a baseline, with a follow-up, paired; the mean scores,
    the mean change and its 95% interval (paired t), and the people who improved (changed in
    the measure's better direction). `SPEC` says what each figure rests on."""
    scored = on_analysis_scale(outcomes)
    who = _person(scored)
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
        sign = 1 if vocab.MEASURES[measure].higher_is_better else -1
        better = sign * change > 0
        cut = threshold(measure, standard)
        rows.append(
            {
                "measure": measure,
                "label": vocab.MEASURES[measure].label,
                "higher_is_better": vocab.MEASURES[measure].higher_is_better,
                "with_baseline": mine.loc[mine["timepoint"] == "baseline", who].nunique(),
                "with_follow_up": mine.loc[mine["timepoint"] == "follow_up", who].nunique(),
                "paired": n,
                "mean_baseline": pair["baseline"].mean() if n else np.nan,
                "mean_follow_up": pair["follow_up"].mean() if n else np.nan,
                "mean_change": mean,
                "ci_low": low,
                "ci_high": high,
                "improved": int(better.sum()),
                "threshold": cut,
                "better_by_threshold": int((sign * change >= cut).sum()),
                "worse_by_threshold": int((sign * change <= -cut).sum()),
                **standardised_effects(pair["baseline"], pair["follow_up"], sign),
            }
        )
    table = pd.DataFrame(
        rows,
        columns=["measure", "label", "higher_is_better", *COUNTS, *STATISTICS, "threshold",
                 *EFFECTS],
    )  # fmt: skip
    paired = table["paired"].where(table["paired"] > 0)
    table["improved_pct"] = 100 * table["improved"] / paired
    table["better_by_threshold_pct"] = 100 * table["better_by_threshold"] / paired
    table["worse_by_threshold_pct"] = 100 * table["worse_by_threshold"] / paired
    return table


def threshold(measure: str, standard: str = SEM) -> float:
    """The change per person that counts as meaningful for `measure` (see MEANINGFUL)."""
    table = RELIABLE if standard == RCI else MEANINGFUL
    return table.get(measure, 1.0)


def threshold_words(measure: str, standard: str = SEM) -> str:
    """How a measure's threshold was chosen, for a caption."""
    if measure not in MEANINGFUL:
        return "1 point or more (descriptive: no published threshold)"
    kind = "reliable change, 2.77 SEM" if standard == RCI else "1 SEM, the Warwick guidance"
    points = threshold(measure, standard)
    return f"{points:g} point{'' if points == 1 else 's'} or more ({kind})"


def standardised_effects(baseline: pd.Series, follow_up: pd.Series, sign: int = 1) -> dict:
    """Effect sizes of a paired change, oriented so positive is better (`sign` -1 for a
    measure where lower is better), each with a 95% interval:

    - smc: the standardised mean change, change / baseline SD, with Becker's (1988) variance
      2(1 - r)/n + smc^2/(2n), r the before-after correlation: comparable across scales;
    - dz: Cohen's dz, change / SD of the changes, with variance 1/n + dz^2/(2n). dz grows with
      the before-after correlation (the SD of changes shrinks as r rises), so it is not a
      measure of how big the change is, only of how consistent."""
    n = len(baseline)
    nothing = dict.fromkeys(EFFECTS, np.nan)
    if n < 3:
        return nothing
    base, after = baseline.to_numpy(dtype=float), follow_up.to_numpy(dtype=float)
    change = sign * (after - base)
    sd_base, sd_change = base.std(ddof=1), change.std(ddof=1)
    if sd_base == 0 or sd_change == 0:
        return nothing
    r = np.corrcoef(base, after)[0, 1] if after.std() > 0 else 0.0
    smc = change.mean() / sd_base
    dz = change.mean() / sd_change
    z = stats.norm.ppf(0.975)
    half_smc = z * np.sqrt(2 * (1 - r) / n + smc**2 / (2 * n))
    half_dz = z * np.sqrt(1 / n + dz**2 / (2 * n))
    return {
        "smc": smc,
        "smc_low": smc - half_smc,
        "smc_high": smc + half_smc,
        "dz": dz,
        "dz_low": dz - half_dz,
        "dz_high": dz + half_dz,
    }


SPEC = Spec(
    counts=COUNTS,
    statistics={
        **{column: Statistic("paired") for column in STATISTICS},
        **{column: Statistic("paired", decimals=2) for column in EFFECTS},
    },
    shares={
        "improved_pct": Share("improved", "paired"),
        "better_by_threshold_pct": Share("better_by_threshold", "paired"),
        "worse_by_threshold_pct": Share("worse_by_threshold", "paired"),
    },
)


FOLLOW_UP_WINDOW_DAYS = 182  # a follow-up is expected within about six months of baseline


def follow_up_completion(
    outcomes: pd.DataFrame, as_at: pd.Timestamp, days: int = FOLLOW_UP_WINDOW_DAYS
) -> pd.DataFrame:
    """Per measure: people whose baseline is old enough to have had `days` for a follow-up by
    `as_at`, how many of them were followed up within `days`, and how many baselines are too
    recent to judge, so recent people are not counted as lost to follow-up."""
    scored = on_analysis_scale(outcomes)
    key = [_person(scored), "measure"]
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


# ONS personal well-being thresholds (ONS, "Personal well-being user guidance"): life
# satisfaction, worthwhile and happiness low 0-4, medium 5-6, high 7-8, very high 9-10;
# anxiety very low 0-1, low 2-3, medium 4-5, high 6-10.
ONS_BANDS = {
    "positive": ((0, 4, "low"), (5, 6, "medium"), (7, 8, "high"), (9, 10, "very high")),
    "anxiety": ((0, 1, "very low"), (2, 3, "low"), (4, 5, "medium"), (6, 10, "high")),
}


def ons_band(measure: str, values: pd.Series) -> pd.Series:
    """The ONS band of each ONS4 score."""
    bands = ONS_BANDS["anxiety" if measure == "ons4_anxiety" else "positive"]
    edges = [-0.5] + [high + 0.5 for _, high, _ in bands]
    labels = [name for _, _, name in bands]
    return pd.cut(values.astype(float), edges, labels=labels)


def band_transitions(outcomes: pd.DataFrame, measure: str) -> pd.DataFrame:
    """People paired on an ONS4 measure by baseline band (rows) and follow-up band
    (columns), every band pair listed, as a long table of counts."""
    pairs = paired_scores(outcomes)
    pairs = pairs[pairs["measure"] == measure]
    labels = [
        name for *_, name in ONS_BANDS["anxiety" if measure == "ons4_anxiety" else "positive"]
    ]
    grid = pd.MultiIndex.from_product([labels, labels], names=["baseline_band", "follow_up_band"])
    counts = (
        pd.DataFrame(
            {
                "baseline_band": ons_band(measure, pairs["baseline"]),
                "follow_up_band": ons_band(measure, pairs["follow_up"]),
            }
        )
        .value_counts()
        .reindex(grid, fill_value=0)
    )
    return counts.rename("people").reset_index()


TRANSITIONS_SPEC = Spec(counts=("people",))

GROUPS = {
    "reason": "Reason for referral",
    "category": "Kind of asset first sent to",
    "imd_quintile": "IMD quintile of residence (1 = most deprived)",
    "age_band": "Age band",
    "sex": "Sex",
    "ethnicity": "Ethnic group",
    "practice_code": "Registered practice",
    "quarter": "Quarter of referral",
}


def group_of(referrals, connections, assets, area_stats, group: str) -> pd.Series:
    """Each referral's group (indexed by referral_id; a referral with several reasons appears
    once per reason, so groups by reason overlap)."""
    refs = referrals.set_index("referral_id")
    if group == "reason":
        return refs["reasons"].astype("string").str.split(";").explode().str.strip().dropna()
    if group == "category":
        first = connections.sort_values("referred_date", kind="stable").drop_duplicates(
            "referral_id"
        )
        category = first.set_index("referral_id")["asset_id"].map(
            assets.set_index("asset_id")["category"]
        )
        return category.dropna()
    if group == "imd_quintile":
        decile = refs["area_code"].map(area_stats.set_index("area_code")["imd_decile"])
        return ((decile.dropna().astype(int) + 1) // 2).astype(int)
    if group == "quarter":
        return refs["referral_date"].dt.to_period("Q").astype(str)
    return refs[group].astype("string").dropna()


def change_by_group(outcomes: pd.DataFrame, groups: pd.Series, measure: str) -> pd.DataFrame:
    """Mean change on `measure` with its 95% interval (paired t) for each group, oriented so
    positive is better, with the people paired in each."""
    pairs = paired_scores(outcomes)
    pairs = pairs[pairs["measure"] == measure]
    sign = 1 if vocab.MEASURES[measure].higher_is_better else -1
    joined = pairs.join(groups.rename("group"), on="referral_id", how="inner")
    rows = []
    for name, rows_of in joined.groupby("group", sort=True):
        change = sign * rows_of["change"].to_numpy(dtype=float)
        n = len(change)
        mean = change.mean()
        if n > 1 and change.std() > 0:
            low, high = stats.t.interval(0.95, n - 1, loc=mean, scale=stats.sem(change))
        else:
            low = high = mean if n > 1 else np.nan
        rows.append({"group": str(name), "paired": n, "mean_change": mean,
                     "ci_low": low, "ci_high": high})  # fmt: skip
    return pd.DataFrame(rows, columns=["group", "paired", "mean_change", "ci_low", "ci_high"])


GROUP_SPEC = Spec(
    counts=("paired",),
    statistics={c: Statistic("paired") for c in ("mean_change", "ci_low", "ci_high")},
)


def attrition(outcomes: pd.DataFrame, as_at: pd.Timestamp, days: int = 182) -> pd.DataFrame:
    """Per measure, among baselines old enough for a follow-up: the mean baseline of people
    followed up and of people lost, and the difference (lost - followed) with its 95% Welch
    interval. A difference whose interval excludes 0 means those lost started elsewhere, so
    the change among those who stayed may not describe everyone."""
    scored = on_analysis_scale(outcomes)
    key = [_person(scored), "measure"]
    base = scored[scored["timepoint"] == "baseline"].sort_values("assessed_date", kind="stable")
    base = base.groupby(key)[["value", "assessed_date"]].first()
    follow = scored[scored["timepoint"] == "follow_up"].groupby(key).size().rename("follow_ups")
    people = base.join(follow)
    people = people[people["assessed_date"] + pd.Timedelta(days=days) <= as_at]
    rows = []
    for measure in [m for m in vocab.MEASURES if m in people.index.get_level_values("measure")]:
        mine = people.xs(measure, level="measure")
        kept = mine.loc[mine["follow_ups"].notna(), "value"].astype(float)
        lost = mine.loc[mine["follow_ups"].isna(), "value"].astype(float)
        difference = low = high = np.nan
        if len(kept) > 1 and len(lost) > 1:
            test = stats.ttest_ind(lost, kept, equal_var=False)
            interval = test.confidence_interval(0.95)
            difference, low, high = lost.mean() - kept.mean(), interval.low, interval.high
        rows.append({
            "measure": measure, "label": vocab.MEASURES[measure].label,
            "followed": len(kept), "lost": len(lost),
            "fewer": min(len(kept), len(lost)),
            "mean_followed": kept.mean() if len(kept) else np.nan,
            "mean_lost": lost.mean() if len(lost) else np.nan,
            "difference": difference, "diff_low": low, "diff_high": high,
        })  # fmt: skip
    table = pd.DataFrame(rows, columns=["measure", "label", "followed", "lost", "fewer",
                                        "mean_followed", "mean_lost", "difference",
                                        "diff_low", "diff_high"])  # fmt: skip
    table["differs"] = (table["diff_low"] > 0) | (table["diff_high"] < 0)
    return table


ATTRITION_SPEC = Spec(
    counts=("followed", "lost", "fewer"),
    statistics={
        "mean_followed": Statistic("followed"),
        "mean_lost": Statistic("lost"),
        **{c: Statistic("fewer") for c in ("difference", "diff_low", "diff_high")},
    },
)
