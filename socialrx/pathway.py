"""The referral pathway: how many referrals reach each step (contact, first appointment,
connection, completion), how long they wait for it, which reasons and referrers most often end
in "did not engage" or "declined", and the same figures month by month.

Every step has a window (`STEP_WINDOW_DAYS`): a referral counts as reaching the step when it
does so within the window, and only referrals old enough to have had the whole window by the
date the data runs to are counted ("too recent to judge" otherwise). This is how
`referrals.connected_within` judges "connected within 90 days", so a month, a period and the
one before are compared like for like, and recent referrals are not shown as drop-outs.

Figures are exact, each table with a `disclosure.Spec`; waits (median, 90th percentile) are
statistics of the people who reached the step; shares carry 95% Wilson intervals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

from socialrx import vocab
from socialrx.disclosure import Share, Spec, Statistic
from socialrx.referrals import CONNECTION_WINDOW_DAYS

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
ENDINGS = ("did not engage", "declined")
ENDED = vocab.STATUS_NEEDS_CLOSED_DATE  # statuses that close a referral
Z95 = float(norm.ppf(0.975))


def wilson_interval(part, whole, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval for part/whole as proportions (0-1), vectorised: it stays
    inside 0-1 and behaves for shares near 0 or 100%, where the normal approximation does not.
    NaN where whole is 0. Agrees with statsmodels' proportion_confint(method="wilson")."""
    part = np.asarray(part, dtype=float)
    whole = np.asarray(whole, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = part / whole
        denominator = 1 + z**2 / whole
        centre = (p + z**2 / (2 * whole)) / denominator
        half = z * np.sqrt(p * (1 - p) / whole + z**2 / (4 * whole**2)) / denominator
    low, high = centre - half, centre + half
    empty = ~(whole > 0)
    low[empty], high[empty] = np.nan, np.nan
    return np.clip(low, 0, 1), np.clip(high, 0, 1)


def first_connection(connections: pd.DataFrame) -> pd.Series:
    """The day each referral's first started connection began (started_date, or referred_date
    where it was started but the start is not recorded), by referral_id: as
    `referrals.connected_within` dates a connection."""
    started = connections[
        connections["outcome"].isin(vocab.CONNECTION_STARTED) | connections["started_date"].notna()
    ]
    began = started["started_date"].fillna(started["referred_date"])
    return began.groupby(started["referral_id"].to_numpy()).min()


def referral_steps(
    referrals: pd.DataFrame, connections: pd.DataFrame, as_at: pd.Timestamp
) -> pd.DataFrame:
    """One row per referral (same index): its month, and for each step whether it was old
    enough to judge (`<step>_judged`), whether it reached the step within the window
    (`<step>_reached`), and the days it waited (`<step>_days`, NA where it did not reach it
    within the window or the date is missing)."""
    referred = referrals["referral_date"]
    age = (as_at.normalize() - referred).dt.days.to_numpy()
    rank = referrals["status"].map(_STATUS_RANK).astype("Float64").fillna(-1).to_numpy()
    began = first_connection(connections)
    connected_on = pd.Series(
        began.reindex(referrals["referral_id"].to_numpy()).to_numpy(), index=referrals.index
    )
    completed_on = referrals["closed_date"].where(referrals["status"] == "completed")
    dates = {
        CONTACTED: referrals["first_contact_date"],
        APPOINTMENT: referrals["first_appointment_date"],
        CONNECTED: connected_on,
        COMPLETED: completed_on,
    }
    out = {"month": referred.dt.to_period("M").dt.start_time.to_numpy()}
    for step, when in dates.items():
        window = STEP_WINDOW_DAYS[step]
        days = (when - referred).dt.days.to_numpy(dtype=float, na_value=np.nan)
        judged = age >= window
        inside = days <= window  # False where the date is missing
        undated = np.isnan(days) & (rank >= _RANK_OF_STEP.get(step, 99))
        out[f"{step}_judged"] = judged
        out[f"{step}_reached"] = judged & (inside | undated)
        out[f"{step}_days"] = np.where(judged & inside, days, np.nan)
    return pd.DataFrame(out, index=referrals.index)


def _quantiles(frame: pd.DataFrame, by, column: str) -> tuple[pd.Series, pd.Series]:
    grouped = frame.groupby(by)[column]
    return grouped.median(), grouped.quantile(0.9)


def interpolated_median(days: pd.Series, groups: pd.Series) -> pd.Series:
    """The median of whole-day waits in each group, interpolated within the day it falls in
    (each whole day d read as the interval d-0.5 to d+0.5, as for grouped data):
    (d - 0.5) + (n/2 - waits below d) / waits of d. A month where a few more people waited 7
    days than 6 then reads 6.4, not a jump from 6 to 7: an SPC chart of a median of whole
    days otherwise sees mostly no change and then a large one."""
    valid = days.notna()
    counts = (
        pd.DataFrame({"group": groups[valid].to_numpy(), "days": days[valid].to_numpy()})
        .groupby(["group", "days"])
        .size()
        .rename("at")
        .reset_index()
    )
    total = counts.groupby("group")["at"].transform("sum")
    upto = counts.groupby("group")["at"].cumsum()
    below = upto - counts["at"]
    holding = counts[(below < total / 2) & (upto >= total / 2)].drop_duplicates("group")
    half = total[holding.index] / 2
    value = holding["days"] - 0.5 + (half - below[holding.index]) / holding["at"]
    return pd.Series(value.to_numpy(), index=holding["group"].to_numpy(), dtype=float)


def pathway_funnel(steps: pd.DataFrame) -> pd.DataFrame:
    """The funnel for the referrals given (rows of `referral_steps`): for each step the
    referrals old enough to judge, how many reached it within its window, their share, how
    many are too recent, and the median and 90th percentile wait in days of those reached."""
    rows = []
    total = len(steps)
    rows.append(
        {"step": RECEIVED, "judged": total, "reached": total, "too_recent": 0,
         "median_days": np.nan, "p90_days": np.nan, "timed": 0}
    )  # fmt: skip
    for step in STEPS[1:]:
        judged = steps[f"{step}_judged"]
        days = steps[f"{step}_days"].dropna()
        rows.append(
            {
                "step": step,
                "judged": int(judged.sum()),
                "reached": int(steps[f"{step}_reached"].sum()),
                "too_recent": int(total - judged.sum()),
                "median_days": days.median() if step in WAITED_STEPS else np.nan,
                "p90_days": days.quantile(0.9) if step in WAITED_STEPS else np.nan,
                "timed": len(days),
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


def monthly_pathway(steps: pd.DataFrame, months: pd.DatetimeIndex) -> pd.DataFrame:
    """The funnel by month of referral, long format (one row per month and step after
    received): referrals that month, those old enough to judge, those reaching the step, and
    the median and 90th percentile wait of those timed. A month with referrals none of which
    is old enough has judged 0 (its share is "–", not 0%)."""
    month = steps["month"]
    received = month.value_counts().reindex(months, fill_value=0)
    parts = []
    for step in STEPS[1:]:
        grouped = steps.groupby(month)
        judged = grouped[f"{step}_judged"].sum().reindex(months, fill_value=0)
        reached = grouped[f"{step}_reached"].sum().reindex(months, fill_value=0)
        timed = grouped[f"{step}_days"].count().reindex(months, fill_value=0)
        median, p90 = _quantiles(steps, month, f"{step}_days")
        smooth = interpolated_median(steps[f"{step}_days"], month)
        parts.append(
            pd.DataFrame(
                {
                    "month": months,
                    "step": step,
                    "referrals": received.to_numpy(),
                    "judged": judged.to_numpy().astype(int),
                    "reached": reached.to_numpy().astype(int),
                    "timed": timed.to_numpy().astype(int),
                    "median_days": median.reindex(months).to_numpy(),
                    "p90_days": p90.reindex(months).to_numpy(),
                    "median_days_interpolated": smooth.reindex(months).to_numpy(),
                }
            )
        )
    table = pd.concat(parts, ignore_index=True)
    table.insert(2, "label", table["step"].map(STEP_WORDS))
    return table


MONTHLY_SPEC = Spec(
    counts=("referrals", "judged", "reached", "timed"),
    shares={"share_pct": Share("reached", "judged")},
    statistics={
        "median_days": Statistic("timed"),
        "p90_days": Statistic("timed"),
        "median_days_interpolated": Statistic("timed"),
    },
)


def month_fully_judged(months: pd.Series | pd.DatetimeIndex, as_at: pd.Timestamp, step: str):
    """Mask of months every referral of which is old enough for `step`: the month's last
    day plus the window falls on or before as_at. Later months would always look worse (their
    youngest referrals have had less time), so trends leave them out."""
    last_day = pd.DatetimeIndex(months).to_period("M").end_time.normalize()
    return np.asarray(last_day + pd.Timedelta(days=STEP_WINDOW_DAYS[step]) <= as_at.normalize())


def _reason_lists(reasons: pd.Series) -> pd.DataFrame:
    """Each distinct `;`-separated reasons text and the reasons in it (done on the few
    distinct texts, not on every referral)."""
    distinct = pd.Series(reasons.dropna().unique(), dtype="string")
    split = distinct.str.split(";").explode().str.strip()
    split = split[split.notna() & (split != "")]
    return pd.DataFrame({"text": distinct[split.index].to_numpy(), "reason": split.to_numpy()})


def endings_by_group(referrals: pd.DataFrame) -> pd.DataFrame:
    """Among referrals that have ended (completed, declined, did not engage, closed), the
    share ending in "did not engage" and in "declined", with 95% Wilson intervals (percent),
    by each reason for referral (a referral with two reasons counts under both) and by
    referrer type. Sorted by the share not engaging, largest first, within each kind."""
    ended = referrals[referrals["status"].isin(ENDED)]
    status = ended["status"].astype("string")
    flags = pd.DataFrame(
        {
            "ended": 1,
            "did_not_engage": (status == "did not engage").astype(int),
            "declined": (status == "declined").astype(int),
        },
        index=ended.index,
    )
    by_text = flags.groupby(ended["reasons"].astype("string")).sum()
    lists = _reason_lists(ended["reasons"])
    by_reason = (
        by_text.reindex(lists["text"].to_numpy())
        .set_axis(lists["reason"].to_numpy())
        .groupby(level=0)
        .sum()
    )
    not_given = flags[ended["reasons"].isna()].sum()
    if not_given["ended"]:
        by_reason.loc["(no reason recorded)"] = not_given
    by_referrer = flags.groupby(
        ended["referrer_type"].astype("string").fillna("(not recorded)")
    ).sum()
    parts = []
    for kind, table in (("reason", by_reason), ("referrer", by_referrer)):
        table = table.rename_axis("group").reset_index().assign(kind=kind)
        parts.append(table)
    table = pd.concat(parts, ignore_index=True)
    table = table[table["ended"] > 0].reset_index(drop=True)
    for column in ENDINGS:
        name = column.replace(" ", "_")
        low, high = wilson_interval(table[name], table["ended"])
        table[f"{name}_pct"] = 100 * table[name] / table["ended"]
        table[f"{name}_low"], table[f"{name}_high"] = 100 * low, 100 * high
    table = table.sort_values(["kind", "did_not_engage_pct"], ascending=[True, False])
    columns = ["kind", "group", "ended", "did_not_engage", "declined"]
    columns += [c for c in table.columns if c.endswith(("_pct", "_low", "_high"))]
    return table[columns].reset_index(drop=True)


ENDINGS_SPEC = Spec(
    counts=("ended", "did_not_engage", "declined"),
    shares={
        "did_not_engage_pct": Share("did_not_engage", "ended"),
        "declined_pct": Share("declined", "ended"),
    },
    # an interval is as revealing as its share (it is a function of the same part and
    # whole), so it is hidden wherever that share is
    statistics={
        "did_not_engage_low": Statistic("ended", 0, hidden_with="did_not_engage_pct"),
        "did_not_engage_high": Statistic("ended", 0, hidden_with="did_not_engage_pct"),
        "declined_low": Statistic("ended", 0, hidden_with="declined_pct"),
        "declined_high": Statistic("ended", 0, hidden_with="declined_pct"),
    },
)
