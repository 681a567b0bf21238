"""Capacity strain: demand sent to each asset against the capacity its provider states.

Demand is every connection sent to the asset, including people turned away or waiting.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from socialrx.disclosure import BORDERLINE, Judgement, Rate, Spec

TURNED_AWAY = ("waiting list", "declined by provider (full)")


def capacity_strain(assets: pd.DataFrame, connections: pd.DataFrame, months: float):
    """Per asset, exact: people sent in the period (connections), those put on a waiting list
    or turned away as full, capacity per month and cost per person. The figures resting on
    these counts (demand a month, strain, over capacity, cost) are in `strain_spec`."""
    sent = connections.groupby("asset_id").size()
    turned = connections[connections["outcome"].isin(TURNED_AWAY)].groupby("asset_id").size()
    table = assets[
        [
            "asset_id",
            "name",
            "organisation_id",
            "category",
            "capacity_per_month",
            "cost_per_person_gbp",
        ]
    ].copy()
    table["connections"] = table["asset_id"].map(sent).fillna(0).astype(int)
    table["turned_away_or_waiting"] = table["asset_id"].map(turned).fillna(0).astype(int)
    spec = strain_spec(months)
    for column, rate in spec.rates.items():
        table[column] = _rate(table, rate)
    table["over_capacity"] = spec.judgements["over_capacity"].decide(table, table["connections"])
    return table.sort_values(["strain_pct", "connections"], ascending=False, na_position="last",
                             kind="stable").reset_index(drop=True)  # fmt: skip


def _rate(table: pd.DataFrame, rate: Rate) -> pd.Series:
    """A rate on exact figures, the same arithmetic the disclosure step does on shown ones."""
    denominator = 1.0 if rate.denominator is None else table[rate.denominator].astype("Float64")
    if rate.denominator is not None:
        denominator = denominator.where(denominator > 0)
    value = table[rate.numerator] / denominator * rate.per
    return value * table[rate.times].astype("Float64") if rate.times else value


def strain_spec(months: float) -> Spec:
    """Demand a month, strain (demand / capacity, %), cost and the over-capacity judgement.

    Capacity is people a month: a period under a month is held to one month's capacity, not
    scaled up (five people sent in a week do not fill a capacity of nine a month). A stated
    capacity of 0 with anyone sent is over; no capacity stated, nothing to judge."""
    months = max(months, 1.0)

    def over(table: pd.DataFrame, people: pd.Series) -> pd.Series:
        capacity = table["capacity_per_month"].astype("Float64")
        return (people.astype("Float64") / months > capacity).astype("boolean")

    return Spec(
        counts=("connections", "turned_away_or_waiting"),
        rates={
            "demand_per_month": Rate("connections", per=1 / months),
            "strain_pct": Rate("connections", "capacity_per_month", 100 / months, decimals=0),
            "cost_of_demand_gbp": Rate("connections", times="cost_per_person_gbp", decimals=0),
        },
        judgements={"over_capacity": Judgement("connections", over)},
    )


@dataclass(frozen=True)
class CapacitySummary:
    """The capacity page's headline: assets over capacity and those that cannot be judged
    (a capacity stated, demand hidden), assets stating a capacity, and the cost of demand
    with the assets it leaves out (a unit cost, demand hidden)."""

    over: int
    undecided: int
    stated: int
    cost_gbp: float
    uncosted: int


def undecided_note(undecided: int) -> str:
    """Why some assets are neither over nor under capacity, for a caption or help text."""
    if not undecided:
        return ""
    assets = "1 asset" if undecided == 1 else f"{undecided:,} assets"
    return (
        f"A further {assets} stating a capacity {'is' if undecided == 1 else 'are'} "
        "borderline: the true number of people sent, which disclosure control rounds or "
        "hides, could fall either side of the capacity."
    )


def summarise(shown: pd.DataFrame, marks: pd.DataFrame) -> CapacitySummary:
    """The headline figures of a disclosed strain table (`strain_spec().disclose(...)`): only
    what the table itself shows, so the headline cannot say more than its rows."""
    return CapacitySummary(
        over=int(shown["over_capacity"].fillna(False).sum()),
        undecided=int((marks["over_capacity"] == BORDERLINE).sum()),
        stated=int(shown["capacity_per_month"].notna().sum()),
        cost_gbp=float(shown["cost_of_demand_gbp"].sum()),
        uncosted=int((shown["cost_per_person_gbp"].notna() & (marks["connections"] != "")).sum()),
    )


def most_strained(shown: pd.DataFrame, top: int = 20) -> pd.DataFrame:
    """The assets worth drawing from a disclosed strain table: a capacity stated and someone
    sent (demand shown), most strained first."""
    drawn = shown["capacity_per_month"].notna() & (shown["demand_per_month"] > 0).fillna(False)
    ranked = shown[drawn].sort_values("strain_pct", ascending=False, kind="stable")
    return ranked.head(top)
