"""Referral rates by ethnic group: referrals per 1,000 usual residents a year in each of the five
broad groups Census 2021 counts (TS021, the `area_ethnicity` table), each set against the
place's rate, beside how completely ethnicity is recorded.

TS021 counts residents of all ages, so the rates count referrals of all ages (adults and
children alike) over everyone living in the chosen areas. A referral's group is the one its
record gives (NHS ethnic category codes are mapped to the five groups as Census 2021 draws
them, `vocab.ETHNICITY_CODES`); finer groups are not compared, because the NHS codes follow
the 2001 Census and do not line up with 2021's. Referrals with no group recorded are in no
group's numerator: every group's rate is then too low by an unknown share, and a group that
is recorded less often than others looks as if it is referred less. The place's rate the
groups are set against is worked out the same way (referrals with a group recorded, over all
residents), so the comparison is like for like if the unrecorded are spread like the
recorded; `recorded_pct` says how far that assumption carries.

Method: exact Poisson 95% intervals (Garwood), the union over every count the disclosed one
allows (`intervals.rate_interval`); a group is "lower" ("higher") than the place when its
whole 95% interval lies below (above) the place's rate, as Fingertips compares an area with
its benchmark, and "borderline" where the rounding leaves that open.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from socialrx import vocab
from socialrx.disclosure import Derived, Judgement, Rate, Shown, Spec, Total
from socialrx.metrics import intervals

PER = 1000
GROUP_NAMES = {"asian": "Asian", "black": "Black", "mixed": "Mixed", "white": "White",
               "other": "Other"}  # fmt: skip


def ethnicity_counts(referrals: pd.DataFrame, area_ethnicity: pd.DataFrame) -> pd.DataFrame:
    """One row per broad group: the referrals (all ages) living in an area the Census table
    covers whose group is recorded, and that group's residents in those areas. On every row,
    the referrals living there with no group recorded (`not_recorded`: blank or not stated)
    and those in no group's rate because their area is not recorded or not in the table
    (`outside`)."""
    covered = set(area_ethnicity["area_code"].astype(str))
    living = referrals["area_code"].isin(covered).to_numpy()
    groups = referrals.loc[living, "ethnicity"].astype("string")
    counted = groups.value_counts()
    residents = area_ethnicity.groupby("ethnic_group")["residents"].sum()
    table = pd.DataFrame({"ethnic_group": list(vocab.ETHNIC_GROUPS)})
    table["group"] = table["ethnic_group"].map(GROUP_NAMES)
    table["referrals"] = table["ethnic_group"].map(counted).fillna(0).astype("int64")
    table["residents"] = table["ethnic_group"].map(residents).fillna(0).astype("int64")
    table["not_recorded"] = int(living.sum()) - int(table["referrals"].sum())
    table["outside"] = int((~living).sum())
    return table


def _place_rate(per: float):
    """The place's rate from its referrals with a group recorded as shown (the groups as
    shown added up, a hidden one as 4) over all residents of the five groups."""

    def compute(shown: Shown) -> pd.Series:
        residents = float(shown.values["residents"].astype(float).sum())
        recorded = shown.values["recorded"].astype("Float64")
        rate = recorded * per / residents if residents > 0 else recorded * np.nan
        return rate.astype("Float64")

    return Derived(compute, decimals=1)


def _recorded_pct(shown: Shown) -> pd.Series:
    """The share of the referrals living in the chosen areas with a group recorded: the
    groups as shown added up, over those and the unrecorded as shown (a hidden one as 4)."""
    recorded = shown.values["recorded"].astype("Float64")
    whole = recorded + shown.centre("not_recorded")
    return (100 * recorded / whole.where(whole > 0)).round(0).astype("Float64")


def _compared(per: float, side: str):
    """Whether the group's exact Poisson 95% interval at the candidate count lies wholly
    below ("lower") or above ("higher") the place's rate as shown."""

    def decide(values: pd.DataFrame, counts: pd.Series) -> pd.Series:
        residents = values["residents"].astype("Float64")
        scale = per / residents.where(residents > 0)
        low, high = intervals.poisson_interval(counts)
        place = values["place_rate"].astype("Float64")
        if side == "lower":
            end = pd.Series(high, index=values.index, dtype="Float64") * scale
            return (end < place).astype("boolean").mask(place.isna() | scale.isna())
        end = pd.Series(low, index=values.index, dtype="Float64") * scale
        return (end > place).astype("boolean").mask(place.isna() | scale.isna())

    return decide


def ethnicity_spec(per_year: float) -> Spec:
    """Counts of people (each group's, the unrecorded, those outside), the place's referrals
    with a group recorded as the groups as shown add up, each group's rate (a hidden count's
    as the range 1-7 gives) and its 95% interval, the place's rate, how complete the
    recording is, and each group against the place, all from what is shown."""
    per = PER * per_year
    return Spec(
        counts=("referrals", "not_recorded", "outside"),
        totals={"recorded": Total("referrals")},
        rates={"rate_per_1000": Rate("referrals", "residents", per, as_range=True)},
        derived={
            "rate_low": intervals.rate_interval("referrals", "residents", per, "low"),
            "rate_high": intervals.rate_interval("referrals", "residents", per, "high"),
            "place_rate": _place_rate(per),
            "recorded_pct": Derived(_recorded_pct, decimals=0, people="recorded"),
        },
        judgements={
            "lower": Judgement("referrals", _compared(per, "lower")),
            "higher": Judgement("referrals", _compared(per, "higher")),
        },
    )
