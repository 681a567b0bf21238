"""Capacity strain: demand sent to each asset against the capacity its provider states.

Demand is every connection sent to the asset, including people turned away or waiting.
"""

from __future__ import annotations

import pandas as pd

from socialrx.disclosure import Level, disclose_counts

TURNED_AWAY = ("waiting list", "declined by provider (full)")


def capacity_strain(
    assets: pd.DataFrame, connections: pd.DataFrame, months: float, level: Level = Level.OFF
) -> pd.DataFrame:
    """Per asset: connections sent in the period, demand per month, capacity, strain, cost.

    strain = demand per month / capacity per month (above 1 is over capacity; blank where no
    capacity is stated); cost_of_demand_gbp = connections x cost_per_person_gbp. Connection
    counts are disclosed at `level` first, and everything else derives from the disclosed
    counts, so no figure reveals a hidden one."""
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
    table["demand_per_month"] = table["connections"] / months if months > 0 else pd.NA
    table["demand_per_month"] = table["demand_per_month"].astype("Float64")
    capacity = table["capacity_per_month"].astype("Float64")
    table["strain"] = (table["demand_per_month"] / capacity.where(capacity > 0)).astype("Float64")
    table["over_capacity"] = (table["strain"] > 1).fillna(False).astype(bool)
    table["cost_of_demand_gbp"] = table["connections"] * table["cost_per_person_gbp"].astype(
        "Float64"
    )
    return table.sort_values(
        ["strain", "connections"], ascending=False, na_position="last"
    ).reset_index(drop=True)


def providers_over_capacity(strain: pd.DataFrame) -> int:
    """How many assets had more demand than stated capacity in the period."""
    return int(strain["over_capacity"].sum())
