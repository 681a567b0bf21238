"""Statistical process control as NHS England's "Making Data Count" (MDC) programme uses it:
the XmR chart (individuals with moving ranges), its process limits and its special-cause rules.

The centre line is the mean of a baseline run of points and the process limits are
mean +/- 2.66 x the mean moving range (2.66 = 3 / 1.128: three sigma estimated from the moving
range). Moving ranges at or above 3.267 x their mean are screened out before the limits are
worked out, as the NHS-R Community's NHSRplotthedots does by default (`screen_outliers`, in
R/ptd_spc_standard.R): one freak jump should not widen the limits. Points outside the
baseline are judged against the baseline's limits ("fix and extend").

Special-cause rules (MDC):
  - a point beyond a process limit;
  - a run of 7 or more points on one side of the centre line (a point on the line breaks it);
  - a trend of 7 or more points each higher (or each lower) than the one before (a tie breaks);
  - 2 of 3 consecutive points beyond two sigma (2/3 of the way to a limit) on the same side.
NHSRplotthedots reads the last rule more narrowly (the third point must be on the same side
of the centre line, and a point beyond a limit does not count towards it); MDC says "close to
or beyond the limits", which is what is done here.

Rules are applied only to the points marked `observed` (all with a value, by default): a
point left out never counts towards a rule and breaks runs and trends. The charts the app
draws at a disclosure level other than off have no point left out: they are worked out on the
series as shown and drawn only where every point is shown (see
`socialrx.views.referral_flows.spc_panel`).

A signal that comes back in the same months each year may be seasonal rather than a change
(`seasonal_repeats`): MDC asks for like to be compared with like.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

LIMIT = 2.66  # process limits: mean +/- 2.66 x mean moving range (three sigma)
TWO_SIGMA = LIMIT * 2 / 3
SCREEN = 3.267  # moving ranges at or above 3.267 x their mean are left out (D4 for n=2)
RUN = 7  # points in a run on one side, or in a trend
MIN_BASELINE = 12  # points: fewer give limits too unstable to judge by (MDC: at least 12)

HIGHER_IS_BETTER, LOWER_IS_BETTER, NEITHER = 1, -1, 0

COMMON = "common cause"
IMPROVEMENT = "special cause: improvement"
CONCERN = "special cause: concern"
NEUTRAL = "special cause: neither better nor worse"

ICON_WORDS = {
    COMMON: "Common cause variation: no signal, the process is behaving as it has been "
    "(grey icon).",
    IMPROVEMENT: "Special cause variation of an improving nature (blue icon).",
    CONCERN: "Special cause variation of a concerning nature (orange icon).",
    NEUTRAL: "Special cause variation that is neither improvement nor concern (purple icon): "
    "the measure has no better direction.",
}
ASSURANCE_WORDS = (
    "No target is set, so there is no assurance icon (with a target it would say whether the "
    "process will consistently meet it, consistently miss it, or hit and miss it by chance)."
)


@dataclass(frozen=True)
class Limits:
    """The centre line and limits worked out from a baseline, with what they rest on."""

    mean: float
    mean_moving_range: float
    lower: float
    upper: float
    lower_two_sigma: float
    upper_two_sigma: float
    points: int  # baseline points used
    screened: int  # moving ranges screened out


def xmr_limits(values, baseline=None) -> Limits | None:
    """Centre line and process limits from the baseline points of `values` (a mask; all by
    default), with moving ranges at or above 3.267 x their mean screened out. Moving ranges
    are taken between consecutive baseline points that both have a value. None when fewer
    than 2 baseline points have a value."""
    y = np.asarray(values, dtype=float)
    base = np.ones(len(y), bool) if baseline is None else np.asarray(baseline, bool)
    use = base & ~np.isnan(y)
    if use.sum() < 2:
        return None
    mean = float(y[use].mean())
    pairs = use[1:] & use[:-1]
    ranges = np.abs(np.diff(y))[pairs]
    if len(ranges) == 0:
        return None
    average = float(ranges.mean())
    kept = ranges[ranges < SCREEN * average] if average > 0 else ranges
    average = float(kept.mean()) if len(kept) else average
    if average == 0:  # no variation between baseline points: limits would have no width
        return None
    return Limits(
        mean=mean,
        mean_moving_range=average,
        lower=mean - LIMIT * average,
        upper=mean + LIMIT * average,
        lower_two_sigma=mean - TWO_SIGMA * average,
        upper_two_sigma=mean + TWO_SIGMA * average,
        points=int(use.sum()),
        screened=int(len(ranges) - len(kept)),
    )


def _runs(flags: np.ndarray, length: int) -> np.ndarray:
    """Mask of positions inside a run of at least `length` consecutive True values."""
    out = np.zeros(len(flags), bool)
    start = None
    for i, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            if i - start >= length:
                out[start:i] = True
            start = None
    return out


def signals(values, limits: Limits, observed=None) -> pd.DataFrame:
    """Which rule each point triggers (`beyond`, `run`, `trend`, `two_of_three`), and the
    direction of the signal (+1 high or rising, -1 low or falling, 0 none). Only `observed`
    points (all with a value, by default) count and can be flagged."""
    y = np.asarray(values, dtype=float)
    seen = ~np.isnan(y) if observed is None else np.asarray(observed, bool) & ~np.isnan(y)
    side = np.where(seen, np.sign(np.nan_to_num(y - limits.mean)), 0).astype(int)

    beyond = seen & ((y > limits.upper) | (y < limits.lower))
    run_high, run_low = _runs(side > 0, RUN), _runs(side < 0, RUN)
    # a trend of 7 points is 6 steps in the same direction between observed neighbours
    step = np.sign(np.diff(y))
    both = seen[1:] & seen[:-1]
    rising_step, falling_step = both & (step > 0), both & (step < 0)
    rising, falling = np.zeros(len(y), bool), np.zeros(len(y), bool)
    for steps, out in ((rising_step, rising), (falling_step, falling)):
        inside = _runs(steps, RUN - 1)  # steps i -> i+1 in a long enough chain
        out[:-1] |= inside
        out[1:] |= inside
    high2 = seen & (y > limits.upper_two_sigma)
    low2 = seen & (y < limits.lower_two_sigma)
    two_of_three = np.zeros(len(y), bool)
    two_high, two_low = np.zeros(len(y), bool), np.zeros(len(y), bool)
    for near, out in ((high2, two_high), (low2, two_low)):
        for i in range(max(len(y) - 2, 0)):
            window = near[i : i + 3]
            if window.sum() >= 2:
                out[i : i + 3] |= window
    two_of_three = two_high | two_low
    direction = np.zeros(len(y), int)
    by_side = beyond | run_high | run_low | two_of_three
    direction[by_side] = side[by_side]
    trend_only = ~by_side & (rising | falling)
    direction[trend_only & rising] = 1
    direction[trend_only & falling] = -1
    return pd.DataFrame(
        {
            "beyond": beyond,
            "run": run_high | run_low,
            "trend": rising | falling,
            "two_of_three": two_of_three,
            "special": by_side | rising | falling,
            "direction": direction,
        }
    )


def point_type(special: bool, direction: int, improvement: int) -> str:
    """A point's variation in MDC's words, given which way is better (+1 higher, -1 lower,
    0 neither)."""
    if not special:
        return COMMON
    if improvement == NEITHER:
        return NEUTRAL
    return IMPROVEMENT if direction == improvement else CONCERN


RULE_WORDS = {
    "beyond": "beyond a process limit",
    "run": "a run of 7 on one side of the centre line",
    "trend": "a trend of 7 rising or falling",
    "two_of_three": "2 of 3 points beyond two sigma",
}


def describe_point(row, improvement: int) -> str:
    """One point's signal in words ("" for common cause): its variation and the rules."""
    kind = point_type(bool(row["special"]), int(row["direction"]), improvement)
    if kind == COMMON:
        return ""
    high = "higher" if row["direction"] > 0 else "lower"
    rules = "; ".join(words for rule, words in RULE_WORDS.items() if row[rule])
    return f"{kind} ({high}: {rules})"


def xmr(values, baseline=None, observed=None, improvement: int = NEITHER):
    """The XmR chart's figures: the limits (None when the baseline has too few points) and,
    for every point, the rules it triggers and its signal in words."""
    y = np.asarray(values, dtype=float)
    limits = xmr_limits(y, baseline)
    if limits is None:
        return None, pd.DataFrame(index=range(len(y)))
    flags = signals(y, limits, observed)
    flags["signal"] = [describe_point(row, improvement) for _, row in flags.iterrows()]
    flags["variation"] = [
        point_type(bool(s), int(d), improvement)
        for s, d in zip(flags["special"], flags["direction"], strict=True)
    ]
    return limits, flags


def seasonal_repeats(periods, direction) -> np.ndarray:
    """Mask of signalled points (`direction` +1 or -1; 0 none) whose same month or quarter a
    year before (`periods`: a monthly or quarterly PeriodIndex) signalled in the same
    direction, in an earlier run of signals: one shift lasting over a year does not repeat
    itself."""
    periods = pd.PeriodIndex(periods)
    direction = np.asarray(direction, int)
    year = 12 if periods.freqstr.startswith("M") else 4
    position = {period: i for i, period in enumerate(periods)}
    # runs of consecutive points signalling the same way, numbered
    starts = np.r_[True, direction[1:] != direction[:-1]] if len(direction) else []
    run = np.cumsum(starts)
    out = np.zeros(len(periods), bool)
    for i, period in enumerate(periods):
        before = position.get(period - year)
        out[i] = (
            direction[i] != 0
            and before is not None
            and direction[before] == direction[i]
            and run[before] != run[i]
        )
    return out


@dataclass(frozen=True)
class YearOnYear:
    """The last year of a series of counts against the year before it: each year's total and
    the change in %."""

    latest: float
    before: float
    change_pct: float | None  # None where the year before had nothing


def year_on_year(periods, counts) -> YearOnYear | None:
    """The last 12 months (or 4 quarters) of `counts` summed against the 12 (4) before, from
    a monthly or quarterly PeriodIndex `periods` with no period missing; None with fewer than
    two whole years or any count not shown (NA) among them."""
    periods = pd.PeriodIndex(periods)
    year = 12 if periods.freqstr.startswith("M") else 4
    values = pd.Series(counts, dtype="Float64").to_numpy(dtype=float, na_value=np.nan)
    if len(values) < 2 * year or (periods[-1] - periods[-2 * year]).n != 2 * year - 1:
        return None
    last, previous = values[-year:], values[-2 * year : -year]
    if np.isnan(last).any() or np.isnan(previous).any():
        return None
    latest, before = float(last.sum()), float(previous.sum())
    return YearOnYear(latest, before, 100 * (latest - before) / before if before else None)
