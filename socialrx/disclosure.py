"""Disclosure control: the one place person-level numbers pass before display or export.

Default is the NHS Digital convention: 0 stays 0, 1-7 shows as `*`, other counts are rounded
to the nearest 5, and any statistic resting on 1-7 people shows as `*`.
"""

from __future__ import annotations

import os
from enum import StrEnum

import numpy as np
import pandas as pd

FLOOR_VARIABLE = "SOCIALRX_MIN_DISCLOSURE"
SUPPRESSED = "*"
SMALL = 7  # counts 1..SMALL are hidden


class Level(StrEnum):
    ROUND = "round"  # hide 1-7, round the rest to 5 (default)
    SUPPRESS = "suppress"  # hide 1-7, show the rest exactly
    OFF = "off"  # exact figures, for analysts entitled to person-level data


_STRICTNESS = {Level.OFF: 0, Level.SUPPRESS: 1, Level.ROUND: 2}
LABELS = {
    Level.ROUND: "Round to 5, hide 1-7 (NHS Digital)",
    Level.SUPPRESS: "Hide 1-7 only",
    Level.OFF: "Off: exact figures",
}


def deployment_floor(environ: dict | None = None) -> Level:
    """The least strict level this deployment allows (environment `SOCIALRX_MIN_DISCLOSURE`)."""
    value = (environ if environ is not None else os.environ).get(FLOOR_VARIABLE, "off")
    try:
        return Level(value.strip().lower())
    except ValueError:
        return Level.ROUND  # a mistyped floor fails safe


def allowed_levels(floor: Level) -> list[Level]:
    """The levels a user may choose, strictest first."""
    return [
        lvl
        for lvl in (Level.ROUND, Level.SUPPRESS, Level.OFF)
        if _STRICTNESS[lvl] >= _STRICTNESS[floor]
    ]


def disclose_counts(counts, level: Level) -> pd.Series:
    """Counts as they may be shown: NA where hidden (shown as `*`), rounded where required."""
    values = (
        pd.Series(counts, dtype="Float64")
        if not isinstance(counts, pd.Series)
        else counts.astype("Float64")
    )
    if level == Level.OFF:
        return values
    hidden = (values >= 1) & (values <= SMALL)
    if level == Level.ROUND:
        values = (np.floor(values / 5 + 0.5) * 5).astype("Float64")
    return values.mask(hidden.fillna(False))


def disclose_count(count: float, level: Level) -> float | None:
    """One count as it may be shown; None where it is hidden."""
    value = disclose_counts([count], level).iloc[0]
    return None if pd.isna(value) else float(value)


def disclosed_rate(numerator, denominator, level: Level, per: float = 1.0) -> pd.Series:
    """numerator / denominator x per, from the disclosed (rounded) numerator and denominator."""
    num = disclose_counts(numerator, level)
    den = disclose_counts(denominator, level)
    rate = num / den.where(den > 0) * per
    return rate.astype("Float64")


def disclose_statistic(values, people, level: Level) -> pd.Series:
    """A statistic (mean, change, interval) hidden where it rests on 1-7 people."""
    values = (
        pd.Series(values, dtype="Float64")
        if not isinstance(values, pd.Series)
        else values.astype("Float64")
    )
    people = pd.Series(people, index=values.index) if not isinstance(people, pd.Series) else people
    if level == Level.OFF:
        return values
    return values.mask(((people >= 1) & (people <= SMALL)).to_numpy())


def shown(value, decimals: int = 0, suffix: str = "") -> str:
    """A disclosed number as text: `*` where hidden, thousands separators otherwise."""
    if value is None or pd.isna(value):
        return SUPPRESSED
    return f"{value:,.{decimals}f}{suffix}"
