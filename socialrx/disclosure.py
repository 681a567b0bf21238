"""Disclosure control: the one place person-level numbers pass before display or export.

Default is the NHS Digital convention: 0 stays 0, 1-7 shows as `*`, other counts are rounded
to the nearest 5, and any statistic resting on 1-7 people shows as `*`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
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


def people_in_words(count: int) -> str:
    """A count of person-level rows in a message of the file checks, disclosed by the default
    convention: the problem report is shown and exported before anyone chooses a level."""
    return shown(disclose_count(count, Level.ROUND))


TOO_FEW = "too few"  # a statistic resting on fewer than MIN_PEOPLE people
BORDERLINE = "borderline"  # a judgement the disclosed count leaves open
MIN_PEOPLE = 30  # statistics of people rest on at least this many (exact count)


@dataclass(frozen=True)
class Rate:
    """A count of people divided by something (a population, a capacity, a number of months),
    shown from the disclosed numerator (and denominator, where that counts people too), so it
    cannot undo their rounding. `denominator` None divides by 1: `per` alone scales it."""

    numerator: str
    denominator: str | None = None
    per: float = 1.0
    decimals: int = 1
    times: str | None = None  # a column multiplying it (a cost per person), not person-level


@dataclass(frozen=True)
class Statistic:
    """A mean, median, interval or effect size of `people`, computed on exact figures and shown
    only when it rests on at least 30 of them, to `decimals` places."""

    people: str
    decimals: int = 1
    hidden_with: str | None = None  # a share it reveals as much as (its interval): hidden with it


@dataclass(frozen=True)
class Share:
    """numerator / denominator as a whole-number percentage, computed on the exact counts and
    shown only when the denominator is at least 30 people and neither the numerator nor the
    rest (denominator - numerator) is 1-7 people: 3% of about 100 would say "3"."""

    numerator: str
    denominator: str


@dataclass(frozen=True)
class Judgement:
    """A yes/no answer (over capacity, refers less than expected) that rises with `count`:
    `decide(frame, counts)` answers for every row given candidate counts. Computed on the
    exact count, shown only when every true count consistent with the disclosed one gives the
    same answer, otherwise "borderline"."""

    count: str
    decide: Callable[[pd.DataFrame, pd.Series], pd.Series]


@dataclass(frozen=True)
class Spec:
    """What a metric table's columns are: counts of people, and the figures resting on them.
    Columns not named are not person-level (names, codes, populations, capacities)."""

    counts: tuple[str, ...] = ()
    rates: dict[str, Rate] = field(default_factory=dict)
    statistics: dict[str, Statistic] = field(default_factory=dict)
    shares: dict[str, Share] = field(default_factory=dict)
    judgements: dict[str, Judgement] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        return [*self.counts, *self.rates, *self.statistics, *self.shares, *self.judgements]

    def disclose(self, frame: pd.DataFrame, level: Level) -> Disclosed:
        """The table as it may be shown at `level` (see `Disclosed`)."""
        return _disclose(frame, self, level)


@dataclass
class Disclosed:
    """A metric table after disclosure: `values` holds what may be shown (NA where not) and
    `marks` says why a value is missing (`*` hidden, `too few`, `borderline`, `–` nothing to
    compute; "" where shown). Only the spec's columns change."""

    values: pd.DataFrame
    marks: pd.DataFrame
    decimals: dict[str, int]

    def text(self) -> pd.DataFrame:
        """For the screen: figures formatted with separators, missing ones as their mark."""
        out = self.values.copy()
        for column, places in self.decimals.items():
            values, marks = self.values[column], self.marks[column]
            if places < 0:  # a judgement
                words = values.map({True: "yes", False: "no"}, na_action="ignore")
                out[column] = words.astype(object).where(marks == "", marks)
                continue
            out[column] = [m if m else shown(v, places) for v, m in zip(values, marks, strict=True)]
        return out

    def export(self) -> pd.DataFrame:
        """For a CSV: figures stay numbers at the precision shown, missing ones as their mark
        (blank where there is nothing to compute)."""
        out = self.values.copy()
        for column, places in self.decimals.items():
            values, marks = self.values[column], self.marks[column]
            if places < 0:
                numbers = values.astype(object)
            elif places == 0:
                numbers = values.astype("Float64").round(0).astype("Int64").astype(object)
            else:
                numbers = values.astype("Float64").round(places).astype(object)
            numbers = numbers.where(values.notna(), None)
            out[column] = numbers.where(marks == "", marks.replace(NOT_APPLICABLE, None))
        return out


def _small(counts: pd.Series) -> pd.Series:
    return ((counts >= 1) & (counts <= SMALL)).fillna(False)


def count_bounds(shown_counts: pd.Series, level: Level) -> tuple[pd.Series, pd.Series]:
    """The least and greatest true count consistent with each disclosed count: 1-7 where
    hidden, 8-12 for a shown 10 at the rounding level, the count itself otherwise."""
    shown_counts = shown_counts.astype("Float64")
    low, high = shown_counts.copy(), shown_counts.copy()
    if level == Level.ROUND:
        low, high = (shown_counts - 2).clip(lower=SMALL + 1), shown_counts + 2
        low, high = low.mask(shown_counts == 0, 0), high.mask(shown_counts == 0, 0)
    hidden = shown_counts.isna()
    return low.mask(hidden, 1).astype("Float64"), high.mask(hidden, SMALL).astype("Float64")


def _disclose(frame: pd.DataFrame, spec: Spec, level: Level) -> Disclosed:
    values = frame.copy()
    marks = pd.DataFrame("", index=frame.index, columns=spec.columns, dtype=object)
    decimals: dict[str, int] = {}
    exact = {c: frame[c].astype("Float64") for c in spec.counts}
    off = level == Level.OFF

    def mark(column: str, where, text: str) -> None:
        where = pd.Series(where, index=frame.index).fillna(False).astype(bool)
        marks.loc[where & (marks[column] == ""), column] = text

    for column in spec.counts:
        values[column] = disclose_counts(exact[column], level)
        mark(column, values[column].isna() & exact[column].notna(), SUPPRESSED)
        mark(column, values[column].isna(), NOT_APPLICABLE)
        decimals[column] = 0
    for column, rate in spec.rates.items():
        numerator = values[rate.numerator].astype("Float64")
        denominator = (
            pd.Series(1.0, index=frame.index, dtype="Float64")
            if rate.denominator is None
            else values[rate.denominator].astype("Float64")
        )
        values[column] = (numerator / denominator.where(denominator > 0) * rate.per).astype(
            "Float64"
        )
        if rate.times:
            values[column] *= frame[rate.times].astype("Float64")
        hidden = marks[rate.numerator] == SUPPRESSED
        if rate.denominator in spec.counts:
            hidden |= marks[rate.denominator] == SUPPRESSED
        mark(column, hidden, SUPPRESSED)
        mark(column, values[column].isna(), NOT_APPLICABLE)
        values[column] = values[column].mask(marks[column] != "")
        decimals[column] = rate.decimals
    for column, statistic in spec.statistics.items():
        value = frame[column].astype("Float64")
        people = exact.get(statistic.people, frame[statistic.people].astype("Float64"))
        if not off:
            mark(column, value.notna() & (people < MIN_PEOPLE), TOO_FEW)
        mark(column, value.isna(), NOT_APPLICABLE)
        values[column] = value.round(statistic.decimals).mask(marks[column] != "")
        decimals[column] = statistic.decimals
    for column, share in spec.shares.items():
        part, whole = exact[share.numerator], exact[share.denominator]
        value = (100 * part / whole.where(whole > 0)).astype("Float64")
        if not off:
            mark(column, value.notna() & (whole < MIN_PEOPLE), TOO_FEW)
            mark(column, value.notna() & (_small(part) | _small(whole - part)), SUPPRESSED)
        mark(column, value.isna(), NOT_APPLICABLE)
        values[column] = value.round(0).mask(marks[column] != "")
        decimals[column] = 0
    for column, statistic in spec.statistics.items():
        if statistic.hidden_with:
            share_marks = marks[statistic.hidden_with]
            marks[column] = marks[column].where(marks[column] != "", share_marks)
            values[column] = values[column].mask(marks[column] != "")
    for column, judgement in spec.judgements.items():
        answer = judgement.decide(frame, exact[judgement.count]).astype("boolean")
        if not off:
            low, high = count_bounds(values[judgement.count], level)
            same = judgement.decide(frame, low).astype("boolean") == judgement.decide(
                frame, high
            ).astype("boolean")
            mark(column, answer.notna() & ~same.fillna(False), BORDERLINE)
        mark(column, answer.isna(), NOT_APPLICABLE)
        values[column] = answer.mask(marks[column] != "")
        decimals[column] = -1
    return Disclosed(values, marks, decimals)
