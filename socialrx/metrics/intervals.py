"""Confidence intervals, and their honest versions worked out after disclosure.

Methods, each with its source:

- Rates: exact Poisson limits from the chi-squared distribution (Garwood 1936), and Byar's
  approximation (Breslow & Day 1987, vol II), which agrees closely from about 10 events up.
- Shares: the Wilson score interval (Wilson 1927; Newcombe 1998), which stays inside 0-100%.
- Means: the t interval, mean +/- t(n-1) x SD / sqrt(n).

At a disclosure level other than "off" an interval is worked out from what is shown: a count
shown as 10 may be any of 8-12, and a hidden one any of 1-7, so the interval shown is the
union of the exact intervals over every count consistent with it (`Derived` figures built
here). It is never narrower than the true interval, and it cannot pin the count down, as an
interval from the exact count (printed to one decimal beside a known list size) would. The
limits are monotone in the count, so the union runs from the lower limit of the least count
to the upper limit of the greatest.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special  # scipy.stats' own quantiles, without its second of imports

from socialrx.disclosure import Derived, Shown, floats

Z95 = float(special.ndtri(0.975))


def poisson_interval(counts, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) confidence limits for Poisson counts: chi-squared quantiles halved.
    A count of 0 has lower limit 0; NA counts give NaN."""
    count = floats(counts)
    alpha = 1 - level
    with np.errstate(invalid="ignore"):
        # chi2.ppf(q, 2k) / 2, as scipy.stats works it out: gammaincinv(k, q)
        low = np.where(count > 0, special.gammaincinv(count, alpha / 2), 0.0)
        high = special.gammaincinv(count + 1, 1 - alpha / 2)
    low = np.where(np.isnan(count), np.nan, low)
    return low, high


def byar_interval(counts, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Byar's approximation to the exact Poisson limits (Breslow & Day 1987, vol II)."""
    count = floats(counts)
    z = special.ndtri(1 - (1 - level) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        low = count * (1 - 1 / (9 * count) - z / (3 * np.sqrt(count))) ** 3
        up = count + 1
        high = up * (1 - 1 / (9 * up) + z / (3 * np.sqrt(up))) ** 3
    low = np.where(count > 0, low, np.where(np.isnan(count), np.nan, 0.0))
    return low, high


def wilson_interval(part, whole, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval for part/whole as proportions (0-1), vectorised: it stays
    inside 0-1 and behaves for shares near 0 or 100%, where the normal approximation does not.
    NaN where whole is 0. Agrees with statsmodels' proportion_confint(method="wilson")."""
    part, whole = floats(part), floats(whole)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = part / whole
        denominator = 1 + z**2 / whole
        centre = (p + z**2 / (2 * whole)) / denominator
        half = z * np.sqrt(p * (1 - p) / whole + z**2 / (4 * whole**2)) / denominator
    low, high = centre - half, centre + half
    empty = ~(whole > 0)
    low[empty], high[empty] = np.nan, np.nan
    return np.clip(low, 0, 1), np.clip(high, 0, 1)


# --- honest intervals: worked out after disclosure from what is shown ------------------------


def _column(shown: Shown, name: str | float) -> pd.Series:
    """A column of the disclosed table, or a constant."""
    if isinstance(name, str):
        return shown.values[name].astype("Float64")
    return pd.Series(float(name), index=shown.values.index, dtype="Float64")


def _series(values, index) -> pd.Series:
    out = pd.Series(np.asarray(values, dtype=float), index=index, dtype="Float64")
    return out.mask(~np.isfinite(out.to_numpy(dtype=float, na_value=np.nan)))


def rate_interval(
    count: str, population: str, per: float, side: str, level: float = 0.95
) -> Derived:
    """One end ("low" or "high") of the exact Poisson interval of `count` as a rate per `per`
    of `population`, over every count the shown one allows (a hidden count: 1-7, so a rate
    that is hidden still has an honest range)."""

    def compute(shown: Shown) -> pd.Series:
        people = _column(shown, population)
        scale = per / people.where(people > 0)
        bound = shown.low[count] if side == "low" else shown.high[count]
        low, high = poisson_interval(bound, level)
        return _series(low if side == "low" else high, shown.values.index) * scale

    return Derived(compute, decimals=1)


def rate_range(count: str, population: str, per: float, side: str) -> Derived:
    """The least ("low") or greatest ("high") rate the shown count allows: for a hidden count,
    the rates of 1 and of 7 (what a funnel draws as a bar)."""

    def compute(shown: Shown) -> pd.Series:
        people = _column(shown, population)
        bound = shown.low[count] if side == "low" else shown.high[count]
        return bound * per / people.where(people > 0)

    return Derived(compute, decimals=1)


def share_interval(part: str, whole: str, side: str, decimals: int = 0) -> Derived:
    """One end of the 95% Wilson interval of part/whole, in %, over every pair of counts the
    shown ones allow (the least part of the most people to the most part of the fewest)."""

    def compute(shown: Shown) -> pd.Series:
        index = shown.values.index
        if side == "low":
            low, _ = wilson_interval(shown.low[part], shown.high[whole])
            return _series(100 * low, index)
        few = shown.low[whole]
        _, high = wilson_interval(np.minimum(floats(shown.high[part]), floats(few)), few)
        return _series(100 * high, index)

    return Derived(compute, decimals=decimals, hidden_with=(whole,))


def ratio_interval(observed: str, expected: str, side: str, level: float = 0.95) -> Derived:
    """One end of the exact Poisson interval of observed / expected (a standardised ratio),
    over every observed count the shown one allows; `expected` is worked out from disclosed
    figures too."""

    def compute(shown: Shown) -> pd.Series:
        expect = _column(shown, expected)
        bound = shown.low[observed] if side == "low" else shown.high[observed]
        low, high = poisson_interval(bound, level)
        end = _series(low if side == "low" else high, shown.values.index)
        return end / expect.where(expect > 0)

    return Derived(compute, decimals=2)


def mean_interval(mean: str, sd: str, people: str, side: str) -> Derived:
    """One end of the 95% t interval of a mean of people's values (the exact mean and SD, the
    disclosed number of people, so the interval's width cannot tell how many there are)."""

    def compute(shown: Shown) -> pd.Series:
        n = shown.values[people].astype("Float64")
        n = n.where(n > 1)
        t = _series(special.stdtrit(floats(n) - 1, 0.975), shown.values.index)  # t.ppf
        half = t * shown.values[sd].astype("Float64") / np.sqrt(n)
        centre = shown.values[mean].astype("Float64")
        return centre - half if side == "low" else centre + half

    return Derived(compute, decimals=1, people=people, statistic=True)
