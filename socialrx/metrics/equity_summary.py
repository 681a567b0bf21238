"""What the equity page's answers rest on: small summaries of DISCLOSED tables (the values a
panel shows, never the exact ones), so an answer quotes only figures the reader can see.

Each function takes the values of a table after disclosure (`Disclosed.values`: counts as
shown, NA where hidden or too few; rates, shares and intervals worked out from them) and
picks or compares what is shown; nothing here reads an exact count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from socialrx.metrics.equity import ALL_REFERRALS, NOT_RECORDED, NOT_STATED

# A threshold chosen here, not a national standard: under 80% recorded, those not recorded are
# a fifth or more of a practice's (or a group's, or a month's) referrals, enough to change its
# comparison however they divide, so an answer resting on it says so.
WELL_RECORDED_PCT = 80


def poorly_recorded(values: pd.DataFrame, shares: tuple[str, ...]) -> pd.DataFrame:
    """The rows of a disclosed table where any of the `shares` (% recorded) is shown and under
    `WELL_RECORDED_PCT`, with `poor` naming those shares in the order given (a share hidden or
    "too few" is not judged). A completeness table's first row (all referrals) is a row too:
    leave it out where only the groups are compared."""
    shown = values[list(shares)].apply(pd.to_numeric, errors="coerce")
    under = (shown < WELL_RECORDED_PCT).fillna(False)
    mask = under.any(axis=1)
    poor = [tuple(c for c in shares if under.loc[i, c]) for i in values.index[mask]]
    return values[mask].assign(poor=pd.Series(poor, index=values.index[mask], dtype=object))


def groups_compared(values: pd.DataFrame, label: str) -> pd.DataFrame:
    """A completeness table's groups, without its first row (all referrals together)."""
    return values[values[label].astype(str) != ALL_REFERRALS]


@dataclass(frozen=True)
class Lowest:
    """The lowest share recorded shown for one field, and the groups at it."""

    share: str
    value: float
    groups: tuple[str, ...]


def lowest_recorded(values: pd.DataFrame, label: str, shares: tuple[str, ...]) -> list[Lowest]:
    """For each share (% recorded) of a completeness table, the lowest shown among its groups
    (the first row, all referrals, left out) and the groups showing it; a share no group
    shows is left out."""
    groups = groups_compared(values, label)
    out = []
    for share in shares:
        shown = pd.to_numeric(groups[share], errors="coerce")
        if shown.notna().any():
            lowest = float(shown.min())
            at = tuple(groups.loc[shown == lowest, label].astype(str))
            out.append(Lowest(share, lowest, at))
    return out


@dataclass(frozen=True)
class Contrast:
    """The first and the last group (most and least deprived) with a figure shown, the ratio
    of the first's to the last's, and whether their intervals are apart (None: no
    intervals shown)."""

    first_group: int
    first: float
    last_group: int
    last: float
    ratio: float
    apart: bool | None


def group_contrast(values: pd.DataFrame, group: str, figure: str) -> Contrast | None:
    """The most deprived group (lowest `group`) against the least deprived (highest) among
    those whose `figure` is shown, with whether their `rate_low`-`rate_high` intervals do not
    overlap (where the table shows them); None with fewer than two groups shown."""
    shown = values.assign(_figure=pd.to_numeric(values[figure], errors="coerce"))
    shown = shown[shown["_figure"].notna()].sort_values(group)
    if len(shown) < 2:
        return None
    first, last = shown.iloc[0], shown.iloc[-1]
    ratio = float(first["_figure"] / last["_figure"]) if last["_figure"] > 0 else np.nan
    apart = None
    if {"rate_low", "rate_high"} <= set(values.columns):
        ends = [pd.to_numeric(row[["rate_low", "rate_high"]], errors="coerce")
                for row in (first, last)]  # fmt: skip
        if all(end.notna().all() for end in ends):
            (low_a, high_a), (low_b, high_b) = (e.to_numpy(dtype=float) for e in ends)
            apart = bool(low_a > high_b or low_b > high_a)
    return Contrast(
        int(first[group]), float(first["_figure"]), int(last[group]), float(last["_figure"]),
        ratio, apart,
    )  # fmt: skip


@dataclass(frozen=True)
class Largest:
    """The recorded group(s) with the largest share shown within one characteristic."""

    characteristic: str
    groups: tuple[str, ...]
    share: float


def largest_groups(values: pd.DataFrame) -> list[Largest]:
    """For each characteristic of a disclosed `referral_distribution` table, in its order, the
    recorded group(s) with the largest share shown (ties together, in the table's order);
    `not recorded` and `not stated` are not groups here. A characteristic with no share shown
    is left out."""
    out = []
    recorded = values[~values["group"].isin([NOT_RECORDED, NOT_STATED])]
    for characteristic in values["characteristic"].drop_duplicates():
        mine = recorded[recorded["characteristic"] == characteristic]
        shares = pd.to_numeric(mine["share_pct"], errors="coerce")
        if shares.notna().any():
            top = float(shares.max())
            at = tuple(mine.loc[shares == top, "group"].astype(str))
            out.append(Largest(str(characteristic), at, top))
    return out


@dataclass(frozen=True)
class FifthReach:
    """The most deprived fifth's share of referrals shown, its share of adults (None: not
    set beside it) and whether the first is the greater (None: equal as shown)."""

    share: float
    population: float | None
    more: bool | None


def most_deprived_fifth(values: pd.DataFrame) -> FifthReach | None:
    """Quintile 1's share of referrals and of adults, from a disclosed `FIFTH_SPEC` table;
    None where its share of referrals is not shown."""
    first = values[values["imd_quintile"] == 1]
    if first.empty or pd.isna(first["share_pct"].iloc[0]):
        return None
    share = float(first["share_pct"].iloc[0])
    population = first["population_pct"].iloc[0] if "population_pct" in first else None
    if population is None or pd.isna(population):
        return FifthReach(share, None, None)
    population = float(population)
    return FifthReach(share, population, None if share == population else share > population)


@dataclass(frozen=True)
class SlopeReading:
    """The slope index of inequality as shown (per 1,000 adults a year, most minus least
    deprived), its 95% interval, the relative index (%), and which way referrals go with
    deprivation: "rises" (the interval above 0), "falls" (below 0) or "unclear"."""

    value: float
    low: float
    high: float
    relative: float
    direction: str


def slope_reading(values: pd.DataFrame) -> SlopeReading | None:
    """The two rows of a disclosed `slope_spec` table read together; None where the index is
    not shown (too few referrals, or no index)."""
    figures = values[["value", "low", "high"]].apply(pd.to_numeric, errors="coerce")
    if len(figures) < 2 or figures.iloc[0].isna().any():
        return None
    value, low, high = (float(v) for v in figures.iloc[0])
    direction = "rises" if low > 0 else "falls" if high < 0 else "unclear"
    return SlopeReading(value, low, high, float(figures.iloc[1]["value"]), direction)
