"""The overview's headline figures for a place and period, exact, each beside the same months
just before. The overview's panel carries them as its basis, disclosed where it is drawn, and
its cards compare the figures shown."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from socialrx.data.dataset import Dataset, keep
from socialrx.metrics import capacity, outcomes, referrals
from socialrx.metrics.selection import (  # as_at: pages ask it of the overview
    DEMAND_COLUMNS,
    Selection,
    as_at,
    data_period,
    default_selection,
    first_started,
    is_lasting_default,
    selected_assets,
    selected_connections,
    selected_outcomes,
    selected_referrals,
)

# The tables a headline figure needs; without one the figure says so instead of showing 0.
TABLE_NEEDED = ("assets", "referrals", "connections", "outcomes")


@dataclass(frozen=True)
class PeriodFigures:
    """The exact figures behind the cards for one period."""

    referrals: int
    monthly: pd.DataFrame  # referrals.monthly_referrals: the card adds up the months as shown
    connected: dict  # referrals.connected_within's counts
    strain: pd.DataFrame  # capacity.capacity_strain
    changes: pd.DataFrame  # outcomes.paired_change: the view headlines one measure as shown
    measured: int  # outcome rows of the period's referrals

    def change(self, measure: str | None) -> pd.Series | None:
        """`measure`'s row of `changes` (None where it has none)."""
        rows = self.changes[self.changes["measure"] == measure]
        return rows.iloc[0] if len(rows) else None


def period_figures(dataset: Dataset, selection: Selection):
    """The exact figures for one period."""
    refs = selected_referrals(dataset, selection, ["referral_date"])  # all the figures need
    first = first_started(dataset)
    strain = capacity.capacity_strain(
        selected_assets(dataset, selection),
        selected_connections(dataset, selection, DEMAND_COLUMNS),
        selection.months,
    )
    measured = selected_outcomes(dataset, selection)
    return PeriodFigures(
        referrals=len(refs),
        monthly=referrals.monthly_referrals(refs, selection.start, selection.end),
        connected=referrals.connected_within(refs, None, as_at(dataset), first=first),
        strain=strain,
        changes=outcomes.paired_change(measured),
        measured=measured.rows,
    )


def headline_periods(dataset: Dataset, selection: Selection):
    """This period's figures, the previous period's (None when it starts before the data),
    and the previous period itself. The default choice's are kept (`opening_headline`), where
    the data's dates fix it (without them it moves with today's date)."""
    if is_lasting_default(dataset, selection):
        return (*opening_headline(dataset), selection.previous())
    return _periods(dataset, selection)


def opening_headline(dataset: Dataset) -> tuple[PeriodFigures, PeriodFigures | None]:
    """The whole data's figures over the default period (`default_selection`) and the period
    before, once per dataset and kept with its saved copy: the page every visitor opens first
    then reads none of the person-level tables (at the region's size, 5 million rows and
    about 1.5 s of a fresh server's first page)."""

    def build():
        now, before, _ = _periods(dataset, default_selection(dataset))
        return now, before

    return dataset.derived("opening_headline", build)


def _periods(dataset: Dataset, selection: Selection):
    now = period_figures(dataset, selection)
    span = data_period(dataset)
    previous = selection.previous()
    if span is None or previous.start < span[0].to_period("M").start_time:
        return now, None, previous
    return now, period_figures(dataset, previous), previous


def _as_tables(figures: tuple[PeriodFigures, PeriodFigures | None]) -> dict[str, pd.DataFrame]:
    """`opening_headline` as the tables a saved copy keeps."""
    tables = {}
    for when, period in zip(("now", "before"), figures, strict=True):
        if period is None:
            continue
        numbers = {"referrals": period.referrals, "measured": period.measured}
        numbers |= {f"connected {name}": count for name, count in period.connected.items()}
        tables[when] = pd.DataFrame({name: [count] for name, count in numbers.items()})
        for part in ("monthly", "strain", "changes"):
            tables[f"{when} {part}"] = getattr(period, part)
    return tables


def _from_tables(tables: dict[str, pd.DataFrame]) -> tuple[PeriodFigures, PeriodFigures | None]:
    def period(when: str) -> PeriodFigures | None:
        if when not in tables:
            return None
        numbers = {name: int(count) for name, count in tables[when].iloc[0].items()}
        connected = {name.removeprefix("connected "): count for name, count in numbers.items()
                     if name.startswith("connected ")}  # fmt: skip
        return PeriodFigures(numbers["referrals"], tables[f"{when} monthly"], connected,
                             tables[f"{when} strain"], tables[f"{when} changes"],
                             numbers["measured"])  # fmt: skip

    return period("now"), period("before")


keep("opening_headline", _as_tables, _from_tables, "socialrx.metrics.overview",
     ask=opening_headline)  # fmt: skip


def missing_reasons(dataset: Dataset) -> dict[str, str]:
    """Why a card has no figure: the table it needs is absent."""
    return {t: f"no {t} table" for t in TABLE_NEEDED if not dataset.has(t)}


def active_assets(dataset: Dataset, selection: Selection) -> int:
    """Assets with status active in the chosen place (not person-level: never suppressed)."""
    return int((selected_assets(dataset, selection)["status"] == "active").sum())
