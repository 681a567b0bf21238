"""The overview's headline figures for a place and period, each beside the previous period."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from socialrx import capacity, outcomes, referrals
from socialrx.dataset import Dataset
from socialrx.disclosure import SUPPRESSED, Level, disclose_count, disclosed_rate
from socialrx.selection import (
    Selection,
    data_period,
    selected_assets,
    selected_connections,
    selected_referrals,
)

# The tables a headline figure needs; without one the figure says so instead of showing 0.
TABLE_NEEDED = ("referrals", "connections", "outcomes")


@dataclass(frozen=True)
class Headline:
    """One headline figure now and in the previous period.

    None is a value hidden by disclosure control; `missing` says why there is no figure at all
    (e.g. "no referrals"); `compared` is False when the previous period has no data."""

    name: str
    value: float | None
    previous: float | None
    unit: str
    help: str
    decimals: int = 0
    change_unit: str = ""  # a change in a percentage is in percentage points
    lower_is_better: bool = False
    missing: str | None = None
    compared: bool = True

    @property
    def change(self) -> float | None:
        if not self.compared or self.value is None or self.previous is None:
            return None
        return self.value - self.previous


def _number(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _period_figures(dataset: Dataset, selection: Selection, level: Level) -> dict:
    refs = selected_referrals(dataset, selection)
    connected = int(referrals.connected_referrals(refs, dataset.table("connections")).sum())
    strain = capacity.capacity_strain(
        selected_assets(dataset, selection),
        selected_connections(dataset, selection),
        selection.months,
        level,
    )
    measured = dataset.table("outcomes")
    measured = measured[measured["referral_id"].isin(refs["referral_id"])]
    change = outcomes.headline_measure(outcomes.paired_change(measured, level))
    summary = capacity.summarise(strain)
    return {
        "referred": len(refs),
        "referrals": disclose_count(len(refs), level),
        "connected_pct": _number(disclosed_rate([connected], [len(refs)], level, 100).iloc[0]),
        "over_capacity": summary.over,
        "capacity_hidden": summary.undecided,
        "measured": len(measured),
        "change": None if change is None else _number(change["mean_change"]),
        "change_label": None if change is None else change["label"],
        "paired": None if change is None else _number(change["paired"]),
    }


def headline_figures(dataset: Dataset, selection: Selection, level: Level) -> list[Headline]:
    """Referrals, % connected, active assets, assets over capacity, wellbeing change."""
    now = _period_figures(dataset, selection, level)
    span = data_period(dataset)
    previous = selection.previous()
    compared = span is not None and previous.start >= span[0]  # all of it inside the data
    before = _period_figures(dataset, previous, level) if compared else dict.fromkeys(now)
    assets = selected_assets(dataset, selection)
    active = int((assets["status"] == "active").sum())
    paired = "hidden: 1-7 people" if now["paired"] is None else f"{now['paired']:,.0f} people"
    label = now["change_label"] or "No outcome measure"
    hidden_note = capacity.undecided_note(now["capacity_hidden"])
    absent = {t: f"no {t} table" for t in TABLE_NEEDED if not dataset.has(t)}
    no_capacity = (
        "no assets"
        if assets.empty
        else (None if assets["capacity_per_month"].notna().any() else "no capacity stated")
    )
    return [
        Headline(
            "Referrals",
            now["referrals"],
            before["referrals"],
            "",
            "Referrals received in the period from the chosen place.",
            missing=absent.get("referrals"),
            compared=compared,
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
            missing=absent.get("referrals")
            or absent.get("connections")
            or (None if now["referred"] else "no referrals"),
            compared=compared and bool(before["referred"]),
        ),
        Headline(
            "Active assets",
            active,
            None,
            "",
            "Assets with status active (in the chosen areas, if areas are chosen). "
            "assets.csv holds current status only, so there is no previous-period figure.",
            compared=False,
        ),
        Headline(
            "Over capacity",
            now["over_capacity"],
            before["over_capacity"],
            "",
            "Assets sent more people a month than the capacity their provider states, "
            "counting everyone sent to them in the period. " + hidden_note,
            lower_is_better=True,
            missing=absent.get("connections") or no_capacity,
            compared=compared,
        ),
        Headline(
            "Wellbeing change",
            now["change"],
            before["change"],
            "",
            f"{label}: mean change from baseline to latest follow-up for people referred in the "
            f"period who have both ({paired}). Positive is better except for anxiety, "
            "loneliness and GP appointments.",
            decimals=2,
            missing=absent.get("outcomes")
            or (
                None
                if now["change_label"]
                else ("nobody measured twice" if now["measured"] else "no outcomes")
            ),
            compared=compared and before["change_label"] == now["change_label"],
        ),
    ]


def headline_table(figures: list[Headline]) -> pd.DataFrame:
    """The headline figures as a table to export: numbers stay numbers, `*` where hidden,
    blank where there is no figure (no data, or nothing to compare with)."""

    def cell(figure: Headline, value, exists: bool):
        if not exists:
            return None
        if value is None:
            return SUPPRESSED
        # as shown on screen: more digits would undo the rounding of the counts behind them
        return round(value, figure.decimals) if figure.decimals else int(round(value))

    return pd.DataFrame(
        [
            {
                "figure": f.name,
                "unit": f.unit.strip(),
                "value": cell(f, f.value, not f.missing),
                "previous period": cell(f, f.previous, f.compared and not f.missing),
                "change": cell(f, f.change, f.compared and not f.missing),
            }
            for f in figures
        ],
        dtype=object,  # 63 stays 63 beside 50.8 and "*", not 63.0
    )
