"""Capacity strain: demand sent to each asset against the capacity its provider states.

Demand is every connection sent to the asset, including people turned away or waiting.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from socialrx.disclosure import SMALL, Level, disclose_counts

TURNED_AWAY = ("waiting list", "declined by provider (full)")


def capacity_strain(
    assets: pd.DataFrame, connections: pd.DataFrame, months: float, level: Level
) -> pd.DataFrame:
    """Per asset: connections sent in the period, demand per month, capacity, strain, cost.

    strain = demand per month / capacity per month, a period under a month counting as one
    (blank where no capacity, or a capacity of
    0, is stated); over_capacity is demand above capacity, so a stated 0 with anyone sent is
    over, and is unknown (NA) where the demand is hidden and 1-7 people could fall either side
    of the capacity. cost_of_demand_gbp = connections x
    cost_per_person_gbp. Connection counts are disclosed at `level` first, and everything else
    derives from the disclosed counts, so no figure reveals a hidden one."""
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
    table["connections"] = disclose_counts(table["asset_id"].map(sent).fillna(0), level)
    table["turned_away_or_waiting"] = disclose_counts(
        table["asset_id"].map(turned).fillna(0), level
    )
    # Capacity is people a month: a shorter period is held to one month's capacity, not
    # scaled up (five people sent in a week do not fill a capacity of nine a month).
    months = max(months, 1.0)
    table["demand_per_month"] = table["connections"] / months
    table["demand_per_month"] = table["demand_per_month"].astype("Float64")
    capacity = table["capacity_per_month"].astype("Float64")
    table["strain"] = (table["demand_per_month"] / capacity.where(capacity > 0)).astype("Float64")
    over = table["demand_per_month"] > capacity
    # A hidden count is 1-7 people: judged anyway where every value in that range gives the
    # same answer (a capacity of 0, or room for 7 or more in the period), unknown otherwise.
    room = capacity * months
    hidden = table["connections"].isna()
    over = over.mask(hidden & (room < 1), True).mask(hidden & (room >= SMALL), False)
    table["over_capacity"] = over.mask(capacity.isna(), False).astype("boolean")
    table["cost_of_demand_gbp"] = table["connections"] * table["cost_per_person_gbp"].astype(
        "Float64"
    )
    return table.sort_values(
        ["over_capacity", "strain", "connections"], ascending=False, na_position="last"
    ).reset_index(drop=True)


# The strain table's columns resting on counts of people, and what each statistic rests on:
# a blank there is hidden only where its count is (see `disclosure.shown_table`).
DISCLOSED = ["connections", "turned_away_or_waiting", "demand_per_month", "strain", "over_capacity"]
RESTING_ON = dict.fromkeys(["demand_per_month", "strain", "over_capacity"], ("connections",))


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
        f"A further {assets} stating a capacity had 1-7 people sent, a number disclosure "
        "control hides, so cannot be judged over or under capacity."
    )


def summarise(strain: pd.DataFrame) -> CapacitySummary:
    """The headline figures of a strain table (`capacity_strain`)."""
    hidden = strain["connections"].isna()
    return CapacitySummary(
        over=int(strain["over_capacity"].sum()),
        undecided=int(strain["over_capacity"].isna().sum()),
        stated=int(strain["capacity_per_month"].notna().sum()),
        cost_gbp=float(strain["cost_of_demand_gbp"].sum()),
        uncosted=int((strain["cost_per_person_gbp"].notna() & hidden).sum()),
    )


def most_strained(strain: pd.DataFrame, top: int = 20) -> pd.DataFrame:
    """The assets worth drawing: a capacity stated and someone sent (demand not hidden),
    most over capacity first."""
    drawn = strain["capacity_per_month"].notna() & (strain["demand_per_month"] > 0).fillna(False)
    return strain[drawn].head(top)
