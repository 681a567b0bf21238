"""The overview's headline figures for a place and period, each beside the previous period."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from socialrx import capacity, outcomes, referrals
from socialrx.dataset import Dataset
from socialrx.disclosure import Level, disclose_count, disclosed_rate
from socialrx.selection import Selection, selected_assets, selected_connections, selected_referrals


@dataclass(frozen=True)
class Headline:
    """One headline figure: its value now and in the previous period (None = hidden/unknown)."""

    name: str
    value: float | None
    previous: float | None
    unit: str
    help: str
    decimals: int = 0
    change_unit: str = ""  # a change in a percentage is in percentage points
    lower_is_better: bool = False

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


def _period_figures(dataset: Dataset, selection: Selection, level: Level) -> dict:
    refs = selected_referrals(dataset, selection)
    conns = dataset.table("connections")
    connected = int(referrals.connected_referrals(refs, conns).sum())
    pct = disclosed_rate([connected], [len(refs)], level, per=100).iloc[0]
    strain = capacity.capacity_strain(
        selected_assets(dataset, selection),
        selected_connections(dataset, selection),
        selection.months,
        level,
    )
    measured = dataset.table("outcomes")
    measured = measured[measured["referral_id"].isin(refs["referral_id"])]
    change = outcomes.headline_measure(outcomes.paired_change(measured, level))
    return {
        "referrals": disclose_count(len(refs), level),
        "connected_pct": None if pd.isna(pct) else float(pct),
        "over_capacity": capacity.providers_over_capacity(strain),
        "change": None
        if change is None or pd.isna(change["mean_change"])
        else float(change["mean_change"]),
        "change_label": None if change is None else change["label"],
        "paired": None if change is None or pd.isna(change["paired"]) else float(change["paired"]),
    }


def headline_figures(dataset: Dataset, selection: Selection, level: Level) -> list[Headline]:
    """Referrals, % connected, active assets, providers over capacity, wellbeing change."""
    now = _period_figures(dataset, selection, level)
    before = _period_figures(dataset, selection.previous(), level)
    assets = selected_assets(dataset, selection)
    active = int((assets["status"] == "active").sum())
    paired = "hidden (1-7 people)" if now["paired"] is None else f"{now['paired']:,.0f}"
    return [
        Headline(
            "Referrals",
            now["referrals"],
            before["referrals"],
            "",
            "Referrals received in the period from the chosen place.",
        ),
        Headline(
            "Connected",
            now["connected_pct"],
            before["connected_pct"],
            "%",
            "Share of those referrals with at least one connection the person started "
            "(attending, moved on or stopped). Recent referrals may not have been connected yet.",
            decimals=1,
            change_unit=" points",
        ),
        Headline(
            "Active assets",
            active,
            None,
            "",
            "Assets with status active (in the chosen areas, if areas are chosen). "
            "assets.csv holds current status only, so there is no previous-period figure.",
        ),
        Headline(
            "Assets over capacity",
            now["over_capacity"],
            before["over_capacity"],
            "",
            "Assets sent more people per month than the capacity their provider states.",
            lower_is_better=True,
        ),
        Headline(
            "Wellbeing change",
            now["change"],
            before["change"],
            "",
            f"{now['change_label'] or 'No measure'}: mean change from baseline to latest follow-up "
            "for people referred in the period "
            f"who have both ({paired} people). Positive is better except for anxiety, loneliness "
            "and GP appointments.",
            decimals=2,
        ),
    ]
