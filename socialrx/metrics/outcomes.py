"""Outcome change: paired baseline and follow-up scores, honest about who was measured.

Only people with both a baseline and a follow-up count in a change; with several follow-ups
the latest is paired. SWEMWBS raw scores are converted to the metric scale first.

Every function returns EXACT figures with a `disclosure.Spec` saying what counts people and
what is worked out after disclosure. Estimates (means, SDs, effect sizes, the correlation)
are statistics of exact values; every interval uses the number of people AS SHOWN wherever n
enters it (`Derived`, statistic=True), so an interval's width cannot tell how many people
there are: shown 40, the interval is the same for a true 38 or 42.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from socialrx import vocab
from socialrx.disclosure import (
    HIDDEN_MIDDLE,
    MIN_PEOPLE,
    SMALL,
    Derived,
    Share,
    Shown,
    Spec,
    Statistic,
)
from socialrx.metrics import intervals

SWEMWBS = "swemwbs_metric"
COUNTS = (
    "with_baseline",
    "with_follow_up",
    "paired",
    "improved",
    "better_by_threshold",
    "worse_by_threshold",
    "unpaired",  # with a follow-up but no baseline to pair it with
    "several_baselines",  # with more than one baseline (the earliest is used)
)  # people: disclosed as counts
STATISTICS = ("mean_baseline", "mean_follow_up", "mean_change", "sd_change")
EFFECTS = ("smc", "dz", "correlation")  # estimates; their intervals are derived

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
    pairs = _pairs(on_analysis_scale(outcomes))
    return pairs[["referral_id", "measure", "baseline", "follow_up", "change"]]


def _pairs(scored: pd.DataFrame) -> pd.DataFrame:
    """`paired_scores` of rows already on the analysis scale, in (person, measure) order, with
    the person's key column (`_person`) besides."""
    who = _person(scored)
    key = [who, "measure"]
    baselines = scored[scored["timepoint"] == "baseline"].sort_values(
        "assessed_date", kind="stable", na_position="last"
    )
    follow_ups = scored[scored["timepoint"] == "follow_up"].sort_values(
        "assessed_date", kind="stable", na_position="first"
    )
    base = baselines.groupby(key, observed=True)[["value", "assessed_date"]].first()
    # a follow-up before its baseline is an error the loader reports; never pair it
    follow_ups = follow_ups.join(base["assessed_date"].rename("baseline_date"), on=key)
    follow_ups = follow_ups[~(follow_ups["assessed_date"] < follow_ups["baseline_date"])]
    follow = follow_ups.groupby(key, observed=True)["value"].last()
    pairs = pd.concat({"baseline": base["value"], "follow_up": follow}, axis=1)
    pairs = pairs.dropna(subset=["baseline", "follow_up"]).reset_index()
    pairs["change"] = pairs["follow_up"] - pairs["baseline"]
    return pairs


@dataclass(frozen=True)
class Measured:
    """Outcome rows summed per person (referral) and measure: all the page's figures need.
    Worked out once for a dataset's outcomes and cut to a selection's people (`cut`), so a
    new place or period filters people instead of re-pairing millions of rows; each figure
    is what the same functions give on the selection's own rows (a person's records are all
    in or all out, and every table keeps its order). The person is `_ref` (a referral's
    position: `selection.measured`) where the rows carry it, else referral_id."""

    records: pd.DataFrame  # person, measure, baselines, follow_ups (counts of rows)
    pairs: pd.DataFrame  # `paired_scores`, with the person's key column
    status: pd.DataFrame  # `follow_up_status`, less `eligible` (it depends on the day)

    def cut(self, chosen: np.ndarray, referral_ids) -> Measured:
        """The people whose `_ref` is marked in `chosen` (a mask over referral positions; -1,
        an unknown referral, takes the last entry), their pairs named by `referral_ids` (the
        referrals table's column's array, by position: its own strings and dtype, so joining
        the pairs to anything keyed by referral_id, as `change_by_group` does, converts
        nothing; an array of Python strings turned into Arrow text and back cost the region's
        Outcomes page 0.3 s and 100 MB)."""
        refs = self.status.index.get_level_values("_ref")
        pairs = self.pairs[chosen[self.pairs["_ref"].to_numpy()]]
        return Measured(
            self.records[chosen[self.records["_ref"].to_numpy()]],
            pairs.assign(referral_id=referral_ids[pairs["_ref"].to_numpy()]),
            self.status[chosen[refs.to_numpy()]],
        )

    @property
    def rows(self) -> int:
        """Outcome rows of these people (each is a baseline or a follow-up)."""
        return int(self.records["baselines"].sum() + self.records["follow_ups"].sum())


def measured(outcomes: pd.DataFrame | Measured, parts: int = 1) -> Measured:
    """Outcome rows as `Measured` (as they are if they already are). `parts`: rows with
    `_ref` are worked through in this many slices of people, so the copies made on the way
    are a slice's rows, not millions at once (the measure's categories must not differ
    between slices); the result is the same."""
    if isinstance(outcomes, Measured):
        return outcomes
    if parts == 1 or "_ref" not in outcomes or outcomes.empty:
        whole = _measured(outcomes)
        return dataclasses.replace(whole, status=whole.status.drop(columns="_row"))
    refs = outcomes["_ref"].to_numpy()
    edges = np.linspace(refs.min(), refs.max() + 1, parts + 1).astype(np.int64)
    done = [_measured(outcomes[(refs >= low) & (refs < high)])
            for low, high in zip(edges[:-1], edges[1:], strict=True)]  # fmt: skip
    # the status in the order one pass gives: by baseline date, then the rows' own order
    status = pd.concat([d.status for d in done]).sort_values(["baseline_date", "_row"],
                                                             kind="stable")  # fmt: skip
    return Measured(
        pd.concat([d.records for d in done], ignore_index=True),
        pd.concat([d.pairs for d in done], ignore_index=True),
        status.drop(columns="_row"),
    )


def _measured(outcomes: pd.DataFrame) -> Measured:
    """`measured` in one pass, the status with `_row`: the row each baseline came from."""
    scored = on_analysis_scale(outcomes)
    key = [_person(scored), "measure"]
    # every (person, measure) with a row: a row is a baseline or a follow-up
    counts = scored.groupby([*key, "timepoint"], observed=True).size().unstack("timepoint")
    records = counts.reindex(columns=["baseline", "follow_up"]).fillna(0).astype(np.int32)
    records = records.set_axis(["baselines", "follow_ups"], axis=1).reset_index()
    status = _status(scored).drop(columns="eligible")
    return Measured(records, _pairs(scored), status)


def paired_change(outcomes: pd.DataFrame | Measured, standard: str = SEM) -> pd.DataFrame:
    """Per measure, exact: people with a baseline, with a follow-up, paired; the mean scores,
    the mean change and the SD of the changes, the people who improved (changed in the
    measure's better direction) and who moved by the meaningful threshold, and the effect
    sizes. `SPEC` works out the shares and every interval from the counts as shown.
    `outcomes`: outcome rows, or `Measured`."""
    people = measured(outcomes)
    records, pairs = people.records, people.pairs
    by_measure = dict(tuple(records.groupby("measure", observed=True)))
    pairs_of = dict(tuple(pairs.groupby("measure", observed=True)))
    rows = []
    for measure in [m for m in vocab.MEASURES if m in by_measure]:
        mine = by_measure[measure]
        pair = pairs_of.get(measure, pairs.iloc[:0])
        n = len(pair)
        change = pair["change"].to_numpy(dtype=float)
        sign = 1 if vocab.MEASURES[measure].higher_is_better else -1
        cut = threshold(measure, standard)
        followed = int((mine["follow_ups"] > 0).sum())
        rows.append(
            {
                "measure": measure,
                "label": vocab.MEASURES[measure].label,
                "higher_is_better": vocab.MEASURES[measure].higher_is_better,
                "with_baseline": int((mine["baselines"] > 0).sum()),
                "with_follow_up": followed,
                "paired": n,
                "improved": int((sign * change > 0).sum()),
                "better_by_threshold": int((sign * change >= cut).sum()),
                "worse_by_threshold": int((sign * change <= -cut).sum()),
                # every paired person has a follow-up dated on or after the baseline
                "unpaired": followed - n,
                "several_baselines": int((mine["baselines"] > 1).sum()),
                "mean_baseline": pair["baseline"].mean() if n else np.nan,
                "mean_follow_up": pair["follow_up"].mean() if n else np.nan,
                "mean_change": change.mean() if n else np.nan,
                "sd_change": change.std(ddof=1) if n > 1 else np.nan,
                "threshold": cut,
                **standardised_effects(pair["baseline"], pair["follow_up"], sign),
            }
        )
    columns = ["measure", "label", "higher_is_better", *COUNTS, *STATISTICS, "threshold",
               *EFFECTS]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


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
    """Effect sizes of a paired change from exact scores, oriented so positive is better
    (`sign` -1 for a measure where lower is better), and the before-after correlation r
    their intervals need (`becker_variance`, `dz_variance`, worked out with the number of
    people as shown):

    - smc: the standardised mean change, change / baseline SD: comparable across scales;
    - dz: Cohen's dz, change / SD of the changes. dz grows with the before-after correlation
      (the SD of changes shrinks as r rises), so it is not a measure of how big the change
      is, only of how consistent."""
    nothing = dict.fromkeys(EFFECTS, np.nan)
    if len(baseline) < 3:
        return nothing
    base, after = baseline.to_numpy(dtype=float), follow_up.to_numpy(dtype=float)
    change = sign * (after - base)
    sd_base, sd_change = base.std(ddof=1), change.std(ddof=1)
    if sd_base == 0 or sd_change == 0:
        return nothing
    r = np.corrcoef(base, after)[0, 1] if after.std() > 0 else 0.0
    return {"smc": change.mean() / sd_base, "dz": change.mean() / sd_change, "correlation": r}


def becker_variance(smc, r, n):
    """Becker's (1988) large-sample variance of the standardised mean change of n paired
    people with before-after correlation r: 2(1 - r)/n + smc^2/(2n)."""
    return 2 * (1 - r) / n + smc**2 / (2 * n)


def dz_variance(dz, n):
    """The large-sample variance of Cohen's dz over n pairs: 1/n + dz^2/(2n)."""
    return 1 / n + dz**2 / (2 * n)


def effect_interval(effect: str, side: str) -> Derived:
    """One end ("low" or "high") of the 95% normal interval of `effect` ("smc" or "dz"):
    the exact estimate (and r), and the number paired AS SHOWN, so the interval's width
    cannot tell the true number (shown 40, the same interval for 38 as for 42)."""

    def compute(shown: Shown) -> pd.Series:
        values = shown.values
        n = values["paired"].astype("Float64")
        n = n.where(n > 0)
        estimate = values[effect].astype("Float64")
        if effect == "smc":
            variance = becker_variance(estimate, values["correlation"].astype("Float64"), n)
        else:
            variance = dz_variance(estimate, n)
        half = intervals.Z95 * variance**0.5
        return estimate - half if side == "low" else estimate + half

    return Derived(compute, decimals=1, people="paired", statistic=True)


SPEC = Spec(
    counts=COUNTS,
    statistics={column: Statistic("paired") for column in (*STATISTICS, *EFFECTS)},
    shares={
        "improved_pct": Share("improved", "paired"),
        "better_by_threshold_pct": Share("better_by_threshold", "paired"),
        "worse_by_threshold_pct": Share("worse_by_threshold", "paired"),
    },
    derived={
        "ci_low": intervals.mean_interval("mean_change", "sd_change", "paired", "low"),
        "ci_high": intervals.mean_interval("mean_change", "sd_change", "paired", "high"),
        **{
            f"{effect}_{side}": effect_interval(effect, side)
            for effect in ("smc", "dz")
            for side in ("low", "high")
        },
    },
)


def headline_measure(shown: pd.DataFrame, column: str = "paired") -> pd.Series | None:
    """The row of the measure to headline from a disclosed table (`column`'s counts as shown,
    a hidden one taken as 4): SWEMWBS where anyone was counted in `column`, else the measure
    with most, the first in order where they tie, so the measure named gives away no more
    than the counts shown; None when nobody was counted."""
    counted = shown[column].astype("Float64").fillna(HIDDEN_MIDDLE)
    candidates = shown[(counted > 0).to_numpy()]
    if candidates.empty:
        return None
    preferred = candidates[candidates["measure"] == SWEMWBS]
    if len(preferred):
        return preferred.iloc[0]
    order = counted[(counted > 0).to_numpy()].sort_values(ascending=False, kind="stable")
    return shown.loc[order.index[0]]


FOLLOW_UP_WINDOW_DAYS = 182  # a follow-up is expected within about six months of baseline


def more_needed(paired) -> tuple[int, int]:
    """How many more people measured twice would make a change judgeable (MIN_PEOPLE as
    shown), from the number paired as shown: a hidden 1-7 needs 23 to 29 more."""
    if pd.isna(paired):
        return MIN_PEOPLE - SMALL, MIN_PEOPLE - 1
    more = max(MIN_PEOPLE - int(paired), 0)
    return more, more


def follow_up_status(
    outcomes: pd.DataFrame, as_at: pd.Timestamp, days: int = FOLLOW_UP_WINDOW_DAYS
) -> pd.DataFrame:
    """The one definition of "followed up", for completion and attrition alike: per person
    and measure with a dated baseline, the earliest baseline (`baseline_date`, `baseline`),
    whether it is old enough to have had `days` for a follow-up by `as_at` (`eligible`), and
    whether a follow-up is dated on or after it and within `days` of it (`followed`). A later
    follow-up besides does not undo one in time; one dated before the baseline never counts
    (the loader refuses it). An undated baseline cannot be judged and is left out."""
    return _status(on_analysis_scale(outcomes), as_at, days).drop(columns="_row")


def _status(scored: pd.DataFrame, as_at: pd.Timestamp | None = None,
            days: int = FOLLOW_UP_WINDOW_DAYS) -> pd.DataFrame:  # fmt: skip
    """`follow_up_status` of rows already on the analysis scale (`eligible` NA without
    `as_at`), with `_row`: the label of the row each baseline came from."""
    key = [_person(scored), "measure"]
    dated = scored[scored["assessed_date"].notna()]
    base = (
        dated[dated["timepoint"] == "baseline"]
        .sort_values("assessed_date", kind="stable")
        .drop_duplicates(key)
    )
    base = (
        base.assign(_row=base.index)
        .set_index(key)[["assessed_date", "value", "_row"]]
        .rename(columns={"assessed_date": "baseline_date", "value": "baseline"})
    )
    window = pd.Timedelta(days=days)
    follow = dated.loc[dated["timepoint"] == "follow_up", [*key, "assessed_date"]]
    follow = follow.join(base["baseline_date"], on=key, how="inner")
    in_time = follow["assessed_date"].between(
        follow["baseline_date"], follow["baseline_date"] + window
    )
    followed = follow.loc[in_time, key].drop_duplicates()
    base["eligible"] = _eligible(base, as_at, days) if as_at is not None else pd.NA
    base["followed"] = base.index.isin(pd.MultiIndex.from_frame(followed))
    return base


def _eligible(status: pd.DataFrame, as_at: pd.Timestamp,
              days: int = FOLLOW_UP_WINDOW_DAYS) -> pd.Series:  # fmt: skip
    """Whether each baseline is old enough to have had `days` for a follow-up by `as_at`."""
    return status["baseline_date"] + pd.Timedelta(days=days) <= as_at


def _people_status(outcomes: pd.DataFrame | Measured, as_at: pd.Timestamp) -> pd.DataFrame:
    """`follow_up_status` of outcome rows or of `Measured` (its window the standard one)."""
    status = measured(outcomes).status
    return status.assign(eligible=_eligible(status, as_at))


def follow_up_completion(outcomes: pd.DataFrame | Measured, as_at: pd.Timestamp) -> pd.DataFrame:
    """Per measure: people whose baseline is old enough to have had FOLLOW_UP_WINDOW_DAYS for
    a follow-up by `as_at`, how many of them were followed up (`follow_up_status`), and how
    many baselines are too recent to judge, so recent people are not counted as lost to
    follow-up. `outcomes`: outcome rows, or `Measured`."""
    people = _people_status(outcomes, as_at)
    people = people.assign(
        followed=people["eligible"] & people["followed"], recent=~people["eligible"]
    )
    counted = people.groupby(level="measure", observed=True)[["eligible", "followed", "recent"]]
    table = counted.sum()
    order = [m for m in vocab.MEASURES if m in table.index]
    table = table.loc[order].astype(int).reset_index()
    table["measure"] = table["measure"].astype(str)
    table["label"] = table["measure"].map(lambda m: vocab.MEASURES[m].label)
    return table


FOLLOW_UP_SPEC = Spec(
    counts=("eligible", "followed", "recent"),
    shares={"followed_pct": Share("followed", "eligible")},
)


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


def band_transitions(outcomes: pd.DataFrame | Measured, measure: str) -> pd.DataFrame:
    """People paired on an ONS4 measure by baseline band (rows) and follow-up band
    (columns), every band pair listed, as a long table of counts. `outcomes`: outcome rows,
    or `Measured`."""
    pairs = measured(outcomes).pairs
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


def band_moves(values: pd.DataFrame, measure: str) -> dict[str, tuple[int, int]]:
    """From a disclosed `band_transitions` table: people who moved to a better band, to a
    worse one, or stayed, each as (the sum of the cells shown, the number of cells hidden),
    so a total never pins a hidden 1-7 cell. Better is up a band, down for anxiety."""
    labels = [
        name for *_, name in ONS_BANDS["anxiety" if measure == "ons4_anxiety" else "positive"]
    ]
    rank = {name: i for i, name in enumerate(labels)}
    sign = 1 if vocab.MEASURES[measure].higher_is_better else -1
    step = sign * (
        values["follow_up_band"].astype(str).map(rank)
        - values["baseline_band"].astype(str).map(rank)
    )
    people = values["people"].astype("Float64")
    out = {}
    for name, rows in (("better", step > 0), ("worse", step < 0), ("same", step == 0)):
        cells = people[rows.to_numpy()]
        out[name] = (int(cells.sum(skipna=True)), int(cells.isna().sum()))
    return out


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


def group_columns(group: str) -> list[str]:
    """The referrals' columns `group_of` reads for `group`."""
    own = {"reason": "reasons", "category": None, "imd_quintile": "area_code",
           "quarter": "referral_date"}.get(group, group)  # fmt: skip
    return ["referral_id"] + ([own] if own else [])


def group_of(referrals, connections, assets, area_stats, group: str) -> pd.Series:
    """Each referral's group (indexed by referral_id; a referral with several reasons appears
    once per reason, so groups by reason overlap)."""
    refs = referrals.set_index("referral_id")
    if group == "reason":
        return reasons_of(refs["reasons"])
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


def reasons_of(reasons: pd.Series) -> pd.Series:
    """Each referral's reasons, one row per reason (the ";"-separated list split, each part
    stripped; none for a missing list), indexed as `reasons`. A few distinct lists are each
    split once: splitting every referral's text is slow."""
    codes, lists = pd.factorize(reasons)  # a missing list: -1
    parts = [[part.strip() for part in str(text).split(";")] for text in lists]
    sizes = np.array([len(p) for p in parts], dtype=int)
    flat = np.array([part for p in parts for part in p] or [""], dtype=object)
    starts = np.cumsum(sizes) - sizes
    known = codes >= 0
    codes = codes[known]
    each = sizes[codes]
    offset = np.arange(each.sum()) - np.repeat(np.cumsum(each) - each, each)
    return pd.Series(flat[np.repeat(starts[codes], each) + offset], dtype="str",
                     index=reasons.index[known].repeat(each))  # fmt: skip


def asset_groups(sent: pd.DataFrame, names: pd.Series) -> pd.Series:
    """Each referral's assets among those it was `sent` to (connections), as "name (id)" by
    asset id in `names`: indexed by referral_id, once per referral and asset, so a person
    sent to two of them is in both groups."""
    pairs = sent[["referral_id", "asset_id"]].drop_duplicates()
    pairs = pairs[pairs["asset_id"].isin(names.index)]
    label = pairs["asset_id"].map(lambda a: f"{names[a]} ({a})")
    return pd.Series(label.to_numpy(), index=pd.Index(pairs["referral_id"], name="referral_id"))


def change_by_group(outcomes: pd.DataFrame | Measured, groups: pd.Series,
                    measure: str) -> pd.DataFrame:  # fmt: skip
    """Mean change on `measure` and the SD of the changes for each group, oriented so
    positive is better, with the people paired in each; `GROUP_SPEC` works out the 95%
    interval (paired t) with the number paired as shown. `outcomes`: outcome rows, or
    `Measured`."""
    pairs = measured(outcomes).pairs
    pairs = pairs[pairs["measure"] == measure]
    sign = 1 if vocab.MEASURES[measure].higher_is_better else -1
    joined = pairs.join(groups.rename("group"), on="referral_id", how="inner")
    rows = []
    for name, rows_of in joined.groupby("group", sort=True):
        change = sign * rows_of["change"].to_numpy(dtype=float)
        n = len(change)
        rows.append({"group": str(name), "paired": n, "mean_change": change.mean(),
                     "sd_change": change.std(ddof=1) if n > 1 else np.nan})  # fmt: skip
    return pd.DataFrame(rows, columns=["group", "paired", "mean_change", "sd_change"])


GROUP_SPEC = Spec(
    counts=("paired",),
    statistics={c: Statistic("paired") for c in ("mean_change", "sd_change")},
    derived={
        "ci_low": intervals.mean_interval("mean_change", "sd_change", "paired", "low"),
        "ci_high": intervals.mean_interval("mean_change", "sd_change", "paired", "high"),
    },
)


def attrition(outcomes: pd.DataFrame | Measured, as_at: pd.Timestamp) -> pd.DataFrame:
    """Per measure, among baselines old enough for a follow-up: people followed up and lost
    (`follow_up_status`, so they add up to the completion panel's figures), the mean and SD
    of each group's baseline, and the difference of the means (lost - followed);
    `ATTRITION_SPEC` works out its 95% Welch interval with the numbers as shown. A difference
    whose interval excludes 0 means those lost started elsewhere, so the change among those
    who stayed may not describe everyone. `outcomes`: outcome rows, or `Measured`."""
    people = _people_status(outcomes, as_at)
    people = people[people["eligible"]]
    rows = []
    for measure in [m for m in vocab.MEASURES if m in people.index.get_level_values("measure")]:
        mine = people.xs(measure, level="measure")
        kept = mine.loc[mine["followed"], "baseline"].astype(float)
        lost = mine.loc[~mine["followed"], "baseline"].astype(float)
        rows.append({
            "measure": measure, "label": vocab.MEASURES[measure].label,
            "followed": len(kept), "lost": len(lost), "fewer": min(len(kept), len(lost)),
            "mean_followed": kept.mean() if len(kept) else np.nan,
            "mean_lost": lost.mean() if len(lost) else np.nan,
            "sd_followed": kept.std(ddof=1) if len(kept) > 1 else np.nan,
            "sd_lost": lost.std(ddof=1) if len(lost) > 1 else np.nan,
            "difference": lost.mean() - kept.mean() if len(kept) and len(lost) else np.nan,
        })  # fmt: skip
    return pd.DataFrame(rows, columns=["measure", "label", "followed", "lost", "fewer",
                                       "mean_followed", "mean_lost", "sd_followed", "sd_lost",
                                       "difference"])  # fmt: skip


def welch_interval(difference, sd_a, n_a, sd_b, n_b, level: float = 0.95):
    """The Welch interval of a difference of two means (Welch 1947): standard error
    sqrt(sd_a^2/n_a + sd_b^2/n_b), t on the Welch-Satterthwaite degrees of freedom; equal to
    scipy's ttest_ind(equal_var=False). Where both SDs are 0 the interval is the difference."""
    difference, sd_a, n_a, sd_b, n_b = (
        pd.Series(v, dtype="Float64").to_numpy(dtype=float, na_value=np.nan)
        for v in (difference, sd_a, n_a, sd_b, n_b)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        var_a, var_b = sd_a**2 / n_a, sd_b**2 / n_b
        se = np.sqrt(var_a + var_b)
        df = (var_a + var_b) ** 2 / (var_a**2 / (n_a - 1) + var_b**2 / (n_b - 1))
        half = np.where(se > 0, special.stdtrit(df, 1 - (1 - level) / 2) * se, 0.0)  # t.ppf
    half = np.where(np.isnan(se) | (n_a < 2) | (n_b < 2), np.nan, half)
    return difference - half, difference + half


def _difference_interval(side: str) -> Derived:
    """One end of the Welch interval of the difference in mean baseline (lost - followed):
    exact means and SDs, the numbers followed and lost AS SHOWN."""

    def compute(shown: Shown) -> pd.Series:
        values = shown.values
        low, high = welch_interval(
            values["difference"], values["sd_lost"], values["lost"],
            values["sd_followed"], values["followed"],
        )  # fmt: skip
        return pd.Series(low if side == "low" else high, index=values.index, dtype="Float64")

    return Derived(compute, decimals=1, people="fewer", statistic=True)


ATTRITION_SPEC = Spec(
    counts=("followed", "lost", "fewer"),
    statistics={
        "mean_followed": Statistic("followed"),
        "sd_followed": Statistic("followed"),
        "mean_lost": Statistic("lost"),
        "sd_lost": Statistic("lost"),
        "difference": Statistic("fewer"),
    },
    derived={"diff_low": _difference_interval("low"), "diff_high": _difference_interval("high")},
)


def lost_differ(values: pd.DataFrame) -> pd.Series:
    """From a disclosed `ATTRITION_SPEC` table: whether the difference's interval, as shown
    (one decimal), excludes 0; NA where it is not shown."""
    low = values["diff_low"].astype("Float64").round(1)
    high = values["diff_high"].astype("Float64").round(1)
    return ((low > 0) | (high < 0)).astype("boolean").mask(low.isna() | high.isna())
