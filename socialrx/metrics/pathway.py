"""The referral pathway: how many referrals reach each step (contact, first appointment,
connection, completion), how long they wait for it, which reasons and referrers most often end
in "did not engage" or "declined", and the same figures month by month.

Every step has a window (`STEP_WINDOW_DAYS`): a referral counts as reaching the step when it
does so within the window, and only referrals old enough to have had the whole window by the
date the data runs to are counted ("too recent to judge" otherwise). This is how
`referrals.connected_within` judges "connected within 90 days", so a month, a period and the
one before are compared like for like, and recent referrals are not shown as drop-outs.

Figures are exact, each table with a `disclosure.Spec`; waits (median, 90th percentile) are
statistics of the people who reached the step, shown where the disclosed count of them is 30 or
more. Shares are worked out from the disclosed counts, and the endings' 95% Wilson intervals
over every count the shown ones allow (`intervals.share_interval`), after disclosure.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from socialrx import vocab
from socialrx.disclosure import Share, Spec, Statistic
from socialrx.metrics import intervals
from socialrx.metrics.referrals import CONNECTION_WINDOW_DAYS

RECEIVED, CONTACTED, APPOINTMENT, CONNECTED, COMPLETED = (
    "received",
    "contacted",
    "first appointment",
    "connected",
    "completed",
)
STEPS = (RECEIVED, CONTACTED, APPOINTMENT, CONNECTED, COMPLETED)
# Days a referral has to reach each step: contact within a month, a first appointment within
# two, connection within 90 days (the like-for-like "connected within 90 days"), completion
# within six months (182 days, as follow-up completion is judged).
STEP_WINDOW_DAYS = {
    RECEIVED: 0,
    CONTACTED: 30,
    APPOINTMENT: 60,
    CONNECTED: CONNECTION_WINDOW_DAYS,
    COMPLETED: 182,
}
STEP_WORDS = {
    RECEIVED: "Received",
    CONTACTED: "Contacted within 30 days",
    APPOINTMENT: "First appointment within 60 days",
    CONNECTED: "Connected within 90 days",
    COMPLETED: "Completed within 182 days",
}
WAITED_STEPS = (CONTACTED, APPOINTMENT, CONNECTED)  # steps whose wait is shown
# A status says a step was reached even where its date is missing (the contract does not
# require first_contact_date): such referrals count as reaching it, with no wait to time.
_STATUS_RANK = {"received": 0, "contacted": 1, "engaged": 2, "connected": 3, "completed": 4}
_RANK_OF_STEP = {CONTACTED: 1, APPOINTMENT: 2}
ENDED = vocab.STATUS_NEEDS_CLOSED_DATE  # statuses that close a referral


def first_connection(referrals: pd.DataFrame, connections: pd.DataFrame) -> np.ndarray:
    """For each referral (in order), the day its first started connection began
    (started_date, or referred_date where it was started but the start is not recorded), NaT
    where none: as `referrals.connected_within` dates a connection. Matched with Arrow's hash
    lookup, not by reindexing a million text ids."""
    started = connections[
        connections["outcome"].isin(vocab.CONNECTION_STARTED) | connections["started_date"].notna()
    ]
    began = started["started_date"].fillna(started["referred_date"])
    began = began.to_numpy(dtype="datetime64[ns]").view("i8")
    where = pc.index_in(
        pa.array(started["referral_id"].astype("string"), type=pa.string()),
        value_set=pa.array(referrals["referral_id"].astype("string"), type=pa.string()),
    )
    where = where.fill_null(-1).to_numpy()
    found = where >= 0
    never = np.iinfo(np.int64).max
    first = np.full(len(referrals), never, dtype=np.int64)
    np.minimum.at(first, where[found], began[found])
    first[first == never] = np.datetime64("NaT").view("i8")
    return first.view("datetime64[ns]")


def _month(dates: pd.Series) -> np.ndarray:
    """The first day of each date's month."""
    return dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[M]").astype("datetime64[ns]")


def _days(later, earlier: np.ndarray) -> np.ndarray:
    """Whole days from `earlier` to `later` (datetime64 arrays), NaN where either is missing."""
    later = np.asarray(later, dtype="datetime64[ns]")
    gap = (later - earlier).astype("timedelta64[D]").astype(float)
    gap[np.isnat(later) | np.isnat(earlier)] = np.nan
    return gap


def referral_steps(
    referrals: pd.DataFrame, connections: pd.DataFrame, as_at: pd.Timestamp,
    first: pd.Series | None = None,
) -> pd.DataFrame:  # fmt: skip
    """One row per referral (same index): its month, and for each step whether it was old
    enough to judge (`<step>_judged`), whether it reached the step within the window
    (`<step>_reached`), and the days it waited (`<step>_days`, NA where it did not reach it
    within the window or the date is missing). `first` (`referrals.first_started` of every
    referral, worked out once per dataset) spares matching the connections again."""
    referred = referrals["referral_date"].to_numpy(dtype="datetime64[ns]")
    age = _days(np.full(len(referred), as_at.normalize().to_datetime64()), referred)
    codes, statuses = pd.factorize(referrals["status"].astype("string"))
    ranks = np.array([_STATUS_RANK.get(str(s), -1) for s in statuses] + [-1])
    rank = ranks[codes]  # code -1 (no status) picks the -1 at the end
    completed = (referrals["status"].astype("string") == "completed").fillna(False).to_numpy(bool)
    closed = referrals["closed_date"].to_numpy(dtype="datetime64[ns]").copy()
    closed[~completed] = np.datetime64("NaT")
    dates = {
        CONTACTED: referrals["first_contact_date"].to_numpy(dtype="datetime64[ns]"),
        APPOINTMENT: referrals["first_appointment_date"].to_numpy(dtype="datetime64[ns]"),
        CONNECTED: first_connection(referrals, connections)
        if first is None
        else first[referrals.index].to_numpy(dtype="datetime64[ns]"),
        COMPLETED: closed,
    }
    out = {"month": _month(referrals["referral_date"])}
    for step, when in dates.items():
        window = STEP_WINDOW_DAYS[step]
        days = _days(when, referred)
        judged = age >= window
        inside = days <= window  # False where the date is missing
        undated = np.isnan(days) & (rank >= _RANK_OF_STEP.get(step, 99))
        out[f"{step}_judged"] = judged
        out[f"{step}_reached"] = judged & (inside | undated)
        out[f"{step}_days"] = np.where(judged & inside, days, np.nan)
    return pd.DataFrame(out, index=referrals.index)


@dataclass(frozen=True)
class StepSummary:
    """What the funnel and its months are worked out from, small whatever the number of
    referrals: per month of referral and step, the referrals, those old enough to judge and
    those reaching the step in time (`counts`), and how many waited each whole number of days
    (`waits`: month, step, days, people). Medians and percentiles come from `waits` exactly,
    so a period of any months needs no pass over the referrals."""

    counts: pd.DataFrame
    waits: pd.DataFrame


def summarise_steps(steps: pd.DataFrame) -> StepSummary:
    """Sum the rows of `referral_steps` into a `StepSummary`."""
    month = steps["month"]
    received = month.value_counts()
    counts, waits = [], []
    for step in STEPS[1:]:
        sums = (
            pd.DataFrame({"judged": steps[f"{step}_judged"], "reached": steps[f"{step}_reached"]})
            .groupby(month.to_numpy())
            .sum()
        )
        counts.append(
            pd.DataFrame(
                {
                    "month": sums.index,
                    "step": step,
                    "referrals": received.reindex(sums.index).to_numpy(),
                    "judged": sums["judged"].to_numpy(),
                    "reached": sums["reached"].to_numpy(),
                }
            )
        )
        days = steps[f"{step}_days"]
        timed = days.notna().to_numpy()
        people = (
            pd.DataFrame({"month": month.to_numpy()[timed], "days": days.to_numpy()[timed]})
            .groupby(["month", "days"])
            .size()
            .rename("people")
            .reset_index()
        )
        waits.append(people.assign(step=step))
    columns = ["month", "step", "referrals", "judged", "reached"]
    count_table = pd.concat(counts, ignore_index=True) if counts else pd.DataFrame()
    wait_table = pd.concat(waits, ignore_index=True)
    return StepSummary(
        count_table.reindex(columns=columns), wait_table[["month", "step", "days", "people"]]
    )


def wait_quantile(days, people, q: float) -> float:
    """The q-th quantile of waits given as whole days and how many people waited each,
    as numpy's default (linear) quantile of the people's waits would give; NaN for nobody."""
    days, people = np.asarray(days, float), np.asarray(people, float)
    order = np.argsort(days)
    days, people = days[order], people[order]
    cum = np.cumsum(people)
    total = cum[-1] if len(cum) else 0
    if total == 0:
        return np.nan
    h = (total - 1) * q
    lo, hi = np.floor(h), np.ceil(h)
    at_lo = days[np.searchsorted(cum, lo, side="right")]
    at_hi = days[np.searchsorted(cum, hi, side="right")]
    return float(at_lo + (h - lo) * (at_hi - at_lo))


def wait_median_interpolated(days, people) -> float:
    """The median of whole-day waits interpolated within the day it falls in (each whole day
    d read as the interval d-0.5 to d+0.5, as for grouped data): (d - 0.5) + (n/2 - waits
    below d) / waits of d. A month where a few more people waited 7 days than 6 then reads
    6.4, not a jump from 6 to 7: an SPC chart of a median of whole days otherwise sees mostly
    no change and then a large one. NaN for nobody."""
    days, people = np.asarray(days, float), np.asarray(people, float)
    order = np.argsort(days)
    days, people = days[order], people[order]
    cum = np.cumsum(people)
    if not len(cum) or cum[-1] == 0:
        return np.nan
    half = cum[-1] / 2
    i = int(np.searchsorted(cum, half, side="left"))
    return float(days[i] - 0.5 + (half - (cum[i] - people[i])) / people[i])


def interpolated_median(days: pd.Series, groups: pd.Series) -> pd.Series:
    """`wait_median_interpolated` of each group's waits (NaN waits left out)."""
    valid = days.notna()
    people = (
        pd.DataFrame({"group": groups[valid].to_numpy(), "days": days[valid].to_numpy()})
        .groupby(["group", "days"])
        .size()
        .rename("people")
        .reset_index()
    )
    return people.groupby("group").apply(
        lambda g: wait_median_interpolated(g["days"], g["people"]), include_groups=False
    )


def _wait_figures(waits: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Median, 90th percentile and interpolated median of the waits in each group."""
    columns = ["timed", "median_days", "p90_days", "median_days_interpolated"]
    if waits.empty:
        return pd.DataFrame(columns=[*by, *columns])
    rows = []
    for key, group in waits.groupby(by, sort=False):
        days, people = group["days"].to_numpy(), group["people"].to_numpy()
        rows.append(
            (*key, int(people.sum()), wait_quantile(days, people, 0.5),
             wait_quantile(days, people, 0.9), wait_median_interpolated(days, people))
        )  # fmt: skip
    return pd.DataFrame(rows, columns=[*by, *columns])


def _as_summary(steps) -> StepSummary:
    return steps if isinstance(steps, StepSummary) else summarise_steps(steps)


def pathway_funnel(steps, months=None) -> pd.DataFrame:
    """The funnel for the referrals given (rows of `referral_steps`, or their `StepSummary`,
    optionally only the referrals of `months`): for each step the referrals old enough to
    judge, how many reached it within its window, how many are too recent, and the median
    and 90th percentile wait in days of those reached in time."""
    summary = _as_summary(steps)
    counts, waits = summary.counts, summary.waits
    if months is not None:
        counts = counts[counts["month"].isin(months)]
        waits = waits[waits["month"].isin(months)]
    sums = counts.groupby("step")[["referrals", "judged", "reached"]].sum()
    total = int(sums["referrals"].max()) if len(sums) else 0
    figures = _wait_figures(waits, ["step"]).set_index("step")
    rows = [
        {"step": RECEIVED, "judged": total, "reached": total, "too_recent": 0,
         "median_days": np.nan, "p90_days": np.nan, "timed": 0}
    ]  # fmt: skip
    for step in STEPS[1:]:
        judged = int(sums["judged"].get(step, 0))
        waited = step in WAITED_STEPS and step in figures.index
        rows.append(
            {
                "step": step,
                "judged": judged,
                "reached": int(sums["reached"].get(step, 0)),
                "too_recent": total - judged,
                "median_days": figures.loc[step, "median_days"] if waited else np.nan,
                "p90_days": figures.loc[step, "p90_days"] if waited else np.nan,
                "timed": int(figures.loc[step, "timed"]) if step in figures.index else 0,
            }
        )
    table = pd.DataFrame(rows)
    table.insert(1, "label", table["step"].map(STEP_WORDS))
    return table


FUNNEL_SPEC = Spec(
    counts=("judged", "reached", "too_recent", "timed"),
    shares={"share_pct": Share("reached", "judged")},
    statistics={"median_days": Statistic("timed"), "p90_days": Statistic("timed")},
)


def monthly_pathway(steps, months: pd.DatetimeIndex) -> pd.DataFrame:
    """The funnel by month of referral, long format (one row per month and step after
    received): referrals that month, those old enough to judge, those reaching the step, and
    the median, 90th percentile and interpolated median wait of those timed. A month with
    referrals none of which is old enough has judged 0 (its share is "–", not 0%)."""
    summary = _as_summary(steps)
    grid = pd.MultiIndex.from_product([STEPS[1:], months], names=["step", "month"])
    counts = summary.counts.set_index(["step", "month"])[["referrals", "judged", "reached"]]
    table = counts.reindex(grid, fill_value=0).astype(int)
    figures = _wait_figures(summary.waits, ["step", "month"]).set_index(["step", "month"])
    table = table.join(figures.reindex(grid)).reset_index()
    table["timed"] = table["timed"].fillna(0).astype(int)
    table.insert(2, "label", table["step"].map(STEP_WORDS))
    columns = ["month", "step", "label", "referrals", "judged", "reached", "timed",
               "median_days", "p90_days", "median_days_interpolated"]  # fmt: skip
    return table[columns]


MONTHLY_SPEC = Spec(
    counts=("referrals", "judged", "reached", "timed"),
    shares={"share_pct": Share("reached", "judged")},
    statistics={
        "median_days": Statistic("timed"),
        "p90_days": Statistic("timed"),
        "median_days_interpolated": Statistic("timed"),
    },
)


def month_fully_judged(
    months: pd.Series | pd.DatetimeIndex, as_at: pd.Timestamp, step: str, freq: str = "M"
):
    """Mask of months (or quarters, `freq` "Q", each given by its first day) every referral
    of which is old enough for `step`: the period's last day plus the window falls on or
    before as_at. Later periods would always look worse (their youngest referrals have had
    less time), so trends leave them out."""
    last_day = pd.DatetimeIndex(months).to_period(freq).end_time.normalize()
    return np.asarray(last_day + pd.Timedelta(days=STEP_WINDOW_DAYS[step]) <= as_at.normalize())


def by_quarter(steps) -> StepSummary:
    """The summary by calendar quarter: each month taken to its quarter's first day and
    summed, so `monthly_pathway` of it, given quarters' first days, is the pathway by
    quarter (counts summed from the months, medians from the quarter's waits)."""
    summary = _as_summary(steps)

    def quarter(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(month=pd.DatetimeIndex(frame["month"]).to_period("Q").start_time)

    counts = (
        quarter(summary.counts)
        .groupby(["month", "step"], as_index=False)[["referrals", "judged", "reached"]]
        .sum()
    )
    waits = quarter(summary.waits).groupby(["month", "step", "days"], as_index=False)["people"]
    return StepSummary(counts, waits.sum()[["month", "step", "days", "people"]])


def _reason_lists(reasons: pd.Series) -> pd.DataFrame:
    """Each distinct `;`-separated reasons text and the reasons in it (done on the few
    distinct texts, not on every referral)."""
    distinct = pd.Series(reasons.dropna().unique(), dtype="string")
    split = distinct.str.split(";").explode().str.strip()
    split = split[split.notna() & (split != "")]
    return pd.DataFrame({"text": distinct[split.index].to_numpy(), "reason": split.to_numpy()})


@dataclass(frozen=True)
class EndingCounts:
    """Ended referrals, and those ending in "did not engage" and "declined", by month of
    referral and each distinct reasons text (`by_text`), and by month and referrer type
    (`by_referrer`): small, so any period's endings need no pass over the referrals."""

    by_text: pd.DataFrame
    by_referrer: pd.DataFrame


def count_endings(referrals: pd.DataFrame) -> EndingCounts:
    """Sum the ended referrals (completed, declined, did not engage, closed) into
    `EndingCounts`."""
    # the four columns it reads, not every column of the rows it keeps (a copy of them took
    # most of a place's pathway summary)
    kept = referrals["status"].isin(ENDED).to_numpy(dtype=bool)
    ended = referrals[["status", "referral_date", "reasons", "referrer_type"]][kept]
    status = ended["status"].astype("string")
    flags = pd.DataFrame(
        {
            "ended": 1,
            "did_not_engage": (status == "did not engage").astype(int).to_numpy(),
            "declined": (status == "declined").astype(int).to_numpy(),
        },
        index=ended.index,
    )
    month = _month(ended["referral_date"])
    by = {}
    for name, column, missing in (
        ("text", "reasons", NO_REASON),
        ("referrer", "referrer_type", "(not recorded)"),
    ):
        codes, names = pd.factorize(ended[column].astype("string"), use_na_sentinel=False)
        sums = flags.groupby([month, codes]).sum().rename_axis(["month", "code"]).reset_index()
        labels = pd.Series(names, dtype="string").fillna(missing).to_numpy()
        by[name] = sums.assign(group=labels[sums.pop("code").to_numpy()])[
            ["month", "group", "ended", "did_not_engage", "declined"]
        ]
    by_text, by_referrer = by["text"], by["referrer"]
    return EndingCounts(by_text, by_referrer)


def place_pathway(
    referrals: pd.DataFrame,
    connections: pd.DataFrame,
    first: pd.Timestamp,
    last: pd.Timestamp,
    as_at: pd.Timestamp,
    started: pd.Series | None = None,
    chosen: np.ndarray | None = None,
) -> tuple[StepSummary, EndingCounts]:
    """The pathway of the referrals made from `first` to `last` (and `chosen`, a mask of the
    place's rows, where given) summed small: `summarise_steps` of their `referral_steps` as at
    `as_at` (`started`: `referrals.first_started` of every referral), and `count_endings`."""
    keep = referrals["referral_date"].between(first, last).to_numpy(dtype=bool)
    if chosen is not None:
        keep = keep & chosen
    refs = referrals if keep.all() else referrals[keep]  # the whole dataset: no copy
    steps = referral_steps(refs, connections, as_at, started)
    return summarise_steps(steps), count_endings(refs)


NO_REASON = "(no reason recorded)"


def endings_by_group(referrals, months=None) -> pd.DataFrame:
    """Among referrals that have ended (completed, declined, did not engage, closed), how many
    ended in "did not engage" and in "declined", by each reason for referral (a referral with
    two reasons counts under both) and by referrer type; from the referrals or their
    `EndingCounts`, optionally only those referred in `months`. Reasons first, then
    referrers, each alphabetically. Counts only: the shares and their intervals are worked out
    from the disclosed counts (`ENDINGS_SPEC`)."""
    counts = referrals if isinstance(referrals, EndingCounts) else count_endings(referrals)
    flags = ["ended", "did_not_engage", "declined"]
    by_text, by_referrer = counts.by_text, counts.by_referrer
    if months is not None:
        by_text = by_text[by_text["month"].isin(months)]
        by_referrer = by_referrer[by_referrer["month"].isin(months)]
    by_text = by_text.groupby("group")[flags].sum()
    lists = _reason_lists(pd.Series(by_text.index, dtype="string"))
    lists.loc[lists["text"] == NO_REASON, "reason"] = NO_REASON
    by_reason = (
        by_text.reindex(lists["text"].to_numpy())
        .set_axis(lists["reason"].to_numpy())
        .groupby(level=0)
        .sum()
    )
    parts = [
        by_reason.rename_axis("group").reset_index().assign(kind="reason"),
        by_referrer.groupby("group")[flags].sum().reset_index().assign(kind="referrer"),
    ]
    table = pd.concat(parts, ignore_index=True)
    table = table[table["ended"] > 0]
    # in a fixed order: sorting by an exact share would place a hidden one among those shown
    # (the panel ranks rows by the shares as disclosed)
    table = table.sort_values(["kind", "group"], kind="stable")
    table["reason_first"] = (table["kind"] == "reason").astype(int)
    return table[["kind", "reason_first", "group", *flags]].reset_index(drop=True)


def _ending_interval(name: str, side: str):
    """The 95% Wilson interval of an ending's share over every count the shown ones allow;
    "too few" where its share is (fewer than 30 ended referrals shown)."""
    return replace(intervals.share_interval(name, "ended", side), people="ended")


ENDINGS_SPEC = Spec(
    counts=("ended", "did_not_engage", "declined"),
    shares={
        "did_not_engage_pct": Share("did_not_engage", "ended"),
        "declined_pct": Share("declined", "ended"),
    },
    derived={
        f"{name}_{side}": _ending_interval(name, side)
        for name in ("did_not_engage", "declined")
        for side in ("low", "high")
    },
)
