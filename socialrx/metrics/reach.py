"""Who a provider reached: the people it was sent, by age band, sex, ethnic group and the
deprivation quintile of their areas, as a share of those with it recorded, beside the same
share of the place's adults. Also the funder report's financial year and how fresh its
directory records are.

Exact counts here; `SPEC` works out every share and its interval from the counts as shown.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from socialrx import vocab
from socialrx.disclosure import Share, Spec, Total
from socialrx.metrics import intervals
from socialrx.metrics.equity import NOT_RECORDED, NOT_STATED
from socialrx.metrics.funding import financial_year_label, financial_year_start
from socialrx.metrics.selection import Selection, data_period, month_period

CHARACTERISTICS = {
    "age_band": "Age band",
    "sex": "Sex",
    "ethnicity": "Ethnic group",
    "imd_quintile": "Deprivation quintile of their area (1 = most deprived)",
}
POPULATIONS = {
    "age_band": "registered adults of the place's practices (registered_ages)",
    "sex": "registered adults of the place's practices (registered_ages)",
    "ethnicity": "residents of all ages of the place's areas (Census 2021, area_ethnicity)",
    "imd_quintile": "adults living in the place's areas (area_stats)",
}
ETHNIC_NAMES = {"asian": "Asian", "black": "Black", "mixed": "Mixed", "white": "White",
                "other": "Other"}  # fmt: skip


def financial_year_selection(dataset, year: str) -> tuple[Selection, str]:
    """The whole dataset over financial year `year` (`2025/26`: April to March), cut at the
    end of the data; and a note where the data end inside it ("" otherwise). ValueError, in
    words, for a year written otherwise or outside the data."""
    start = financial_year_start(year)
    if start is None:
        raise ValueError(f"The financial year must be written like 2025/26, not {year!r}.")
    span = data_period(dataset)
    if span is None:
        raise ValueError("The data hold no dated records, so no financial year can be chosen.")
    first, last = pd.Period(start, "M"), pd.Period(start, "M") + 11
    if start > span[1] or last.end_time < span[0]:
        raise ValueError(
            f"{financial_year_label(start.year)} is outside the data "
            f"({span[0]:%d %b %Y} to {span[1]:%d %b %Y})."
        )
    begin, end = month_period(first, last, span[1])
    note = (
        f"The data end on {end:%d %b %Y}: this covers {begin:%B %Y} to {end:%B %Y}, part of "
        f"{financial_year_label(start.year)}."
        if end < last.end_time.normalize()
        else ""
    )
    return Selection(begin, end), note


def financial_years(dataset) -> dict[str, str]:
    """The financial years the data's dated records touch, latest first, each labelled
    (`2026/27 (to Sep 2026: part of the year)` where the data start or end inside it)."""
    span = data_period(dataset)
    if span is None:
        return {}
    first = span[0].year - (span[0].month < 4)
    last = span[1].year - (span[1].month < 4)
    years = {}
    for year in range(last, first - 1, -1):
        start, end = pd.Timestamp(year=year, month=4, day=1), pd.Timestamp(year + 1, 3, 31)
        label = financial_year_label(year)
        if span[1] < end:
            label += f" (to {span[1]:%b %Y}: part of the year)"
        elif span[0] > start:
            label += f" (from {span[0]:%b %Y}: part of the year)"
        years[financial_year_label(year)] = label
    return years


def latest_whole_year(years: dict[str, str]) -> str | None:
    """The latest year of `financial_years` the data cover whole, else the latest."""
    whole = [y for y, label in years.items() if y == label]
    return whole[0] if whole else next(iter(years), None)


def _population(dataset, column: str) -> pd.Series:
    """The place's people in each group of `column` (empty where the data lack the table)."""
    if column in ("age_band", "sex") and dataset.has("registered_ages"):
        return dataset.table("registered_ages").groupby(column)["patients"].sum().astype(float)
    if column == "ethnicity" and dataset.has("area_ethnicity"):
        return dataset.table("area_ethnicity").groupby("ethnic_group")["residents"].sum()
    if column == "imd_quintile" and dataset.has("area_stats"):
        stats = dataset.table("area_stats")
        if {"imd_decile", "population_adult"} <= set(stats.columns):
            quintile = (stats["imd_decile"].astype("Float64") + 1) // 2
            return stats["population_adult"].astype(float).groupby(quintile.astype("Int64")).sum()
    return pd.Series(dtype=float)


def _groups(referrals: pd.DataFrame, dataset, column: str) -> pd.Series:
    """Each referral's group of `column` as text (NA where not recorded)."""
    if column == "imd_quintile":
        if not dataset.has("area_stats") or "imd_decile" not in dataset.table("area_stats"):
            return pd.Series(pd.NA, index=referrals.index, dtype="string")
        deciles = dataset.table("area_stats").set_index("area_code")["imd_decile"]
        quintile = (referrals["area_code"].map(deciles).astype("Float64") + 1) // 2
        return quintile.astype("Int64").astype("string")
    groups = referrals[column].astype("string")
    return groups.mask(groups == NOT_STATED)


def reach_table(referrals: pd.DataFrame, dataset) -> pd.DataFrame:
    """Per characteristic and group: the referrals sent to the provider (`people`), whether the
    group is one the place's population is counted in (`recorded`: not blank, not stated and,
    for age, an adult band), and that group's share of the place's population in % (NaN
    where the data hold no population for it). A `not recorded` row per characteristic
    counts the rest. Disclose with `SPEC`."""
    parts = []
    for column, label in CHARACTERISTICS.items():
        population = _population(dataset, column)
        population.index = population.index.astype(str)
        groups = _groups(referrals, dataset, column)
        counted = groups.value_counts()
        order = [str(g) for g in _order(column)]
        named = [g for g in order if g in population.index or g in counted.index]
        recorded = int(counted.reindex(named).fillna(0).sum())
        total_population = float(population.reindex(named).fillna(0).sum())
        frame = pd.DataFrame(
            {
                "characteristic": label,
                "group": [_name(column, g) for g in named] + [NOT_RECORDED],
                "people": [int(counted.get(g, 0)) for g in named] + [len(groups) - recorded],
                "recorded": [True] * len(named) + [False],
                "population_pct": [
                    100 * population.get(g, np.nan) / total_population
                    if total_population > 0 else np.nan
                    for g in named
                ] + [np.nan],
            }
        )  # fmt: skip
        parts.append(frame)
    table = pd.concat(parts, ignore_index=True)
    table["population_pct"] = table["population_pct"].astype(float).round(1)
    return table


def _order(column: str) -> tuple:
    return {
        "age_band": vocab.AGE_BANDS[1:],
        "sex": ("female", "male", "other"),
        "ethnicity": vocab.ETHNIC_GROUPS,
        "imd_quintile": ("1", "2", "3", "4", "5"),
    }[column]


def _name(column: str, group: str) -> str:
    if column == "ethnicity":
        return ETHNIC_NAMES.get(group, group)
    return group


SPEC = Spec(
    counts=("people",),
    totals={"total": Total("people", group="characteristic", where="recorded")},
    shares={"share_pct": Share("people", "total")},
    derived={
        # "too few" as the share is, under 30 recorded as shown
        "ci_low": replace(intervals.share_interval("people", "total", "low"), people="total"),
        "ci_high": replace(intervals.share_interval("people", "total", "high"), people="total"),
    },
)


def reach_answer(values: pd.DataFrame, label: str) -> str:
    """The group furthest below its share of the place's population, beyond the interval,
    from the disclosed rows of one characteristic."""
    rows = values[(values["characteristic"] == label) & values["recorded"].astype(bool)]
    rows = rows[rows["share_pct"].notna() & rows["population_pct"].notna()]
    if rows.empty:
        return f"{label}: too few people recorded, or no population to compare with."
    below = rows[rows["ci_high"] < rows["population_pct"]]
    above = rows[rows["ci_low"] > rows["population_pct"]]
    said = []
    if len(below):
        said.append("fewer than their share of the place: " + ", ".join(below["group"]))
    if len(above):
        said.append("more than their share: " + ", ".join(above["group"]))
    if not said:
        return f"{label}: every group's share is within chance of its share of the place."
    return f"{label}: " + "; ".join(said) + " (beyond the 95% interval)."


def record_ages(assets: pd.DataFrame, as_at: pd.Timestamp | None) -> pd.DataFrame:
    """A provider's asset records: when each was last verified and how many whole months
    before `as_at` (the extract date) that was; stale after 12. Not person-level."""
    verified = pd.to_datetime(assets["last_verified"], errors="coerce")
    if as_at is None or pd.isna(as_at):
        months = pd.Series(pd.NA, index=assets.index, dtype="Int64")
    else:
        months = (as_at.year - verified.dt.year) * 12 + (as_at.month - verified.dt.month)
        months = (months - (verified.dt.day > as_at.day)).astype("Int64")
    table = pd.DataFrame(
        {
            "asset_id": assets["asset_id"].astype(str),
            "name": assets["name"].astype(str),
            "last_verified": verified.dt.strftime("%Y-%m-%d").fillna("never recorded"),
            "months_since": months,
            "stale": np.where(
                months.isna(), "not known", np.where(months.fillna(0) > 12, "yes", "no")
            ),
        }
    )
    return table.sort_values(["months_since", "name"], ascending=[False, True],
                             na_position="first").reset_index(drop=True)  # fmt: skip
