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
NOT_APPLICABLE = "–"  # no figure to hide: nothing measured, or no denominator
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


def describe(level: Level, short: bool = False) -> str:
    """How counts of people are shown at `level`: a phrase for captions ("Counts of people
    are ..."), or a word or two for an axis title."""
    if short:
        return {Level.ROUND: "rounded", Level.SUPPRESS: "1-7 hidden", Level.OFF: "exact"}[level]
    return {
        Level.ROUND: "rounded to 5, with 1-7 hidden as *",
        Level.SUPPRESS: "exact, with 1-7 hidden as *",
        Level.OFF: "exact (disclosure control is off)",
    }[level]


def shown(value, decimals: int = 0, suffix: str = "") -> str:
    """A disclosed number as text: `*` where hidden, thousands separators otherwise."""
    if value is None or pd.isna(value):
        return SUPPRESSED
    return f"{value:,.{decimals}f}{suffix}"


def _whole(values: pd.Series) -> bool:
    return bool((values.dropna() % 1 == 0).all())


def _hidden(frame: pd.DataFrame, column: str, resting_on: dict) -> pd.Series:
    """Where a blank in `column` is a hidden figure: always for a count; for a statistic only
    where a count it rests on is hidden (otherwise there was nothing to compute)."""
    blank = frame[column].isna()
    if column not in resting_on:
        return blank
    basis = frame[list(resting_on[column])].isna().any(axis=1)
    return blank & basis


def shown_table(
    frame: pd.DataFrame, disclosed: list[str], resting_on: dict | None = None
) -> pd.DataFrame:
    """A table for display: disclosed columns as formatted text, hidden values as `*`, figures
    that could not be computed as `–`. `resting_on` maps a statistic to the counts behind it."""
    resting_on = resting_on or {}
    out = frame.copy()
    for column in disclosed:
        hidden = _hidden(frame, column, resting_on)
        if pd.api.types.is_bool_dtype(out[column]):  # a judgement (over capacity?) as words
            text = out[column].map({True: "yes", False: "no"}, na_action="ignore")
            out[column] = text.astype(object).where(~hidden, SUPPRESSED).fillna(NOT_APPLICABLE)
            continue
        values = out[column].astype("Float64")
        decimals = 0 if _whole(values) else 2
        out[column] = [
            SUPPRESSED if h else NOT_APPLICABLE if pd.isna(v) else shown(v, decimals)
            for v, h in zip(values, hidden, strict=True)
        ]
    return out


def export_table(
    frame: pd.DataFrame, disclosed: list[str], resting_on: dict | None = None
) -> pd.DataFrame:
    """A table for export: disclosed columns stay numbers, `*` only where hidden, blank where
    there is no figure. Fractions keep the 2 decimals shown on screen: more would let a mean
    give away the exact count a rounded count hides (60 / 13 = 4.615384...)."""
    resting_on = resting_on or {}
    out = frame.copy()
    for column in disclosed:
        values = out[column]
        if pd.api.types.is_bool_dtype(values):
            numbers = values.astype(object)
        else:
            values = values.astype("Float64")
            numbers = (values.astype("Int64") if _whole(values) else values.round(2)).astype(object)
        hidden = _hidden(frame, column, resting_on)
        out[column] = numbers.where(values.notna(), None).where(~hidden, SUPPRESSED)
    return out
