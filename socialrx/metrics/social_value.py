"""Social value, stated honestly: a change in ONS4 life satisfaction among the people a
provider was sent, as WELLBYs (one point of life satisfaction for one person for one year)
valued with HM Treasury's wellbeing guidance, beside what the work costs a person.

It is not a Green Book appraisal: a before-and-after change among people followed up, with no
comparison group, so nothing here says how much of the change the service caused. No share of
the change is attributed to the service and no duration is assumed unless the user states
them (`Assumptions`); the figures then carry those assumptions in their labels.

Everything resting on people is worked out after disclosure (`SPEC`): the mean change is a
statistic of exact values shown only where the disclosed number measured twice is at least
30, its interval uses that disclosed number, and the £ range is worked out from the interval
and the guidance's low and high values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from socialrx.disclosure import Derived, Shown, Spec, Statistic
from socialrx.metrics import intervals

MEASURE = "ons4_life_satisfaction"
# HM Treasury (July 2021), "Wellbeing guidance for appraisal: supplementary Green Book
# guidance": £ per WELLBY in 2019 prices, central and the range it gives.
WELLBY_GBP = {"low": 10_000.0, "central": 13_000.0, "high": 16_000.0}
PRICE_YEAR = 2019
SOURCE = (
    "HM Treasury (July 2021), Wellbeing guidance for appraisal: supplementary Green Book "
    f"guidance; £{WELLBY_GBP['central']:,.0f} a WELLBY (range £{WELLBY_GBP['low']:,.0f} to "
    f"£{WELLBY_GBP['high']:,.0f}), {PRICE_YEAR} prices, not uprated"
)
NOT_APPRAISAL = (
    "Not a Green Book appraisal: a before-and-after change among people followed up, with no "
    "comparison group."
)


@dataclass(frozen=True)
class Assumptions:
    """What the user states, never a default: the share of the change they attribute to the
    service (0 to 1) and how many years they assume it lasts. None: not stated."""

    attribution: float | None = None
    years: float | None = None

    def __post_init__(self):
        if self.attribution is not None and not 0 <= self.attribution <= 1:
            raise ValueError("The share attributed to the service must be between 0% and 100%.")
        if self.years is not None and not 0 < self.years <= 50:
            raise ValueError("The duration must be more than 0 and at most 50 years.")

    @property
    def factor(self) -> float:
        """What one point of change a person is multiplied by before it is valued: the
        share attributed times the years (1 for whichever is not stated)."""
        share = 1.0 if self.attribution is None else self.attribution
        years = 1.0 if self.years is None else self.years
        return share * years

    def words(self) -> str:
        """The assumptions in words, for the figure's label and the report."""
        share = (
            "no share attributed to the service (the whole change among people followed up)"
            if self.attribution is None
            else f"{self.attribution:.0%} of the change attributed to the service (your assumption)"
        )
        years = (
            "per year the change lasts (no duration assumed)"
            if self.years is None
            else f"lasting {self.years:g} year{'s' if self.years != 1 else ''} (your "
            "assumption, undiscounted)"
        )
        return f"{share}; {years}"


def wellby_range(
    mean_change: float, ci_low: float, ci_high: float, assumptions: Assumptions
) -> tuple[float, float, float]:
    """£ a person: (low, central, high). Central: the mean change in points x the central £ a
    WELLBY x the assumptions' factor. Low and high: the least and greatest of the interval's
    ends x the guidance's low and high values (so a change whose interval crosses 0 gives a
    range from a loss to a gain). NaN where the change is not shown."""
    factor = assumptions.factor
    if any(pd.isna(v) for v in (mean_change, ci_low, ci_high)):
        return (np.nan, np.nan, np.nan)
    corners = [end * value * factor for end in (ci_low, ci_high)
               for value in (WELLBY_GBP["low"], WELLBY_GBP["high"])]  # fmt: skip
    return (min(corners), mean_change * WELLBY_GBP["central"] * factor, max(corners))


def life_satisfaction_row(paired_change: pd.DataFrame) -> pd.DataFrame:
    """The life satisfaction row of an `outcomes.paired_change` table (people measured twice,
    mean change, SD of the changes), or no row where nobody was measured on it."""
    columns = ["measure", "label", "with_baseline", "paired", "mean_change", "sd_change"]
    return paired_change.loc[paired_change["measure"] == MEASURE, columns].reset_index(drop=True)


def social_value_table(paired_change: pd.DataFrame, assumptions: Assumptions) -> pd.DataFrame:
    """One row (none where life satisfaction was not measured): the exact counts and
    statistics of the change and the stated assumptions (not person-level). Disclose with
    `spec`, the work's asset-years as its basis "work" (the cost a person is worked out from
    them as shown)."""
    row = life_satisfaction_row(paired_change)
    return row.assign(
        attribution_pct=np.nan if assumptions.attribution is None
        else round(100 * assumptions.attribution, 1),
        years=np.nan if assumptions.years is None else float(assumptions.years),
    )  # fmt: skip


def _a_person(values: pd.DataFrame, side: str, assumptions: Assumptions) -> pd.Series:
    """One of (low, central, high) £ a person, from the change and its interval as shown."""
    index = {"low": 0, "central": 1, "high": 2}[side]
    out = [
        wellby_range(m, lo, hi, assumptions)[index]
        for m, lo, hi in zip(values["mean_change"], values["ci_low"], values["ci_high"],
                             strict=True)
    ]  # fmt: skip
    return pd.Series(out, index=values.index, dtype="Float64")


def _value(side: str, assumptions: Assumptions):
    """£ a person (`_a_person`), a derived figure of the shown table."""
    return Derived(lambda shown: _a_person(shown.values, side, assumptions), decimals=0,
                   people="paired", statistic=True)  # fmt: skip


def _for_people(side: str, assumptions: Assumptions):
    """£ for the people measured twice as shown: the value a person x that number."""

    def compute(shown: Shown) -> pd.Series:
        values = shown.values
        return _a_person(values, side, assumptions) * values["paired"].astype("Float64")

    return Derived(compute, decimals=0, people="paired", statistic=True)


def _cost(shown: Shown) -> pd.Series:
    """The cost a person of the work (`cost_per_person`, to the pound) from the asset-years
    as shown (basis "work"); none where no count of them is shown."""
    work = shown.basis.get("work")
    cost = None if work is None else cost_per_person(work.values)
    return pd.Series(np.nan if cost is None else round(cost), index=shown.values.index,
                     dtype="Float64")  # fmt: skip


def spec(assumptions: Assumptions) -> Spec:
    """The disclosure of a `social_value_table`: the change, its 95% interval with the
    disclosed n, the £ a person and for the people measured twice as shown, and the cost a
    person of the work from its basis "work" (`funding.work_by_asset_year`, disclosed with
    `funding.WORK_SPEC`)."""
    return Spec(
        counts=("with_baseline", "paired"),
        statistics={
            "mean_change": Statistic("paired", decimals=1),
            "sd_change": Statistic("paired", decimals=1),
        },
        derived={
            "ci_low": intervals.mean_interval("mean_change", "sd_change", "paired", "low"),
            "ci_high": intervals.mean_interval("mean_change", "sd_change", "paired", "high"),
            **{f"value_{s}_gbp": _value(s, assumptions) for s in ("low", "central", "high")},
            **{
                f"people_{s}_gbp": _for_people(s, assumptions) for s in ("low", "central", "high")
            },  # fmt: skip
            "cost_per_person_gbp": Derived(_cost, decimals=0),
        },
    )


def answer(values: pd.DataFrame, assumptions: Assumptions) -> str:
    """The panel's answer from the disclosed row."""
    if values.empty:
        return (
            "Life satisfaction (ONS4) was not measured for the people sent here, so no "
            "social value in WELLBYs can be stated."
        )
    row = values.iloc[0]
    if pd.isna(row["value_central_gbp"]):
        paired = row["paired"]
        shown = "1-7" if pd.isna(paired) else f"{paired:,.0f}"
        return (
            f"Too few to judge: {shown} people measured twice on life satisfaction (30 "
            "needed), so no social value is stated."
        )
    cost = row.get("cost_per_person_gbp")
    beside = (
        f", beside a cost of £{cost:,.0f} a person for the work"
        if cost is not None and pd.notna(cost)
        else ""
    )
    return (
        f"Life satisfaction changed by {row['mean_change']:+.1f} points on average among "
        f"{row['paired']:,.0f} people measured twice (95% CI {row['ci_low']:+.1f} to "
        f"{row['ci_high']:+.1f}): {gbp(row['value_low_gbp'])} to "
        f"{gbp(row['value_high_gbp'])} a person ({assumptions.words()}){beside}. " + NOT_APPRAISAL
    )


def gbp(value: float) -> str:
    """£ to the pound, a loss written with a minus sign before the £ (−£1,300)."""
    return f"−£{-value:,.0f}" if value < 0 else f"£{value:,.0f}"


def cost_per_person(shown_work: pd.DataFrame) -> float | None:
    """£ a person of the work taken on, from a disclosed `funding.work_by_asset_year` table
    (`funding.WORK_SPEC`): the value of work taken on over the people who started, over the
    asset-years whose count is shown (None where none is)."""
    shown = shown_work[shown_work["started"].notna()]
    started = float(shown["started"].astype("Float64").sum())
    valued = float(shown["value_taken_gbp"].astype("Float64").sum())
    return valued / started if started > 0 else None
