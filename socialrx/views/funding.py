"""Funding follows the referral: per provider and financial year, the value of the work it took
on against the money it received for social prescribing. The £ figures are worked out by
`funding.GAP_SPEC` from each asset-year's counts as shown; the place's totals from the table's
cells as shown (`funding.gap_totals`).
"""

from __future__ import annotations

import pandas as pd

from socialrx.data.dataset import Dataset
from socialrx.disclosure import Level
from socialrx.metrics import capacity, funding
from socialrx.metrics.selection import Selection, selected_assets
from socialrx.views import capacity_charts
from socialrx.views.capacity import provider_names
from socialrx.views.panels import Card, Panel, disclosure_caption

GAP_LABELS = {
    "name": "Provider",
    "financial_year": "Financial year",
    "sent": "People sent",
    "not_taken": "Waiting or turned away",
    "started": "Started",
    "value_sent_gbp": "Value of demand sent (£)",
    "value_taken_gbp": "Value of work taken on (£)",
    "funded_sp_gbp": "Funding for social prescribing (£, pro rata)",
    "gap_gbp": "Gap (£, value less funding)",
    "value_not_taken_gbp": "Value of demand waiting or turned away (£)",
    "funded_other_gbp": "Other funding (£, pro rata)",
    "assumed_cost_assets": "Assets valued at the assumed cost",
}


def funding_panels(
    dataset: Dataset,
    selection: Selection,
    level: Level,
    default_cost: float,
    provider: str | None = None,
) -> list[Panel]:
    """Funding follows the referral: per provider and financial year, the value of the work
    it took on (from each asset-year's counts as shown) against the money it received for
    social prescribing, pro rata for the part of each year in the period; the place's totals
    from the table's cells as shown. `provider`: its rows only (each row rests on its own
    asset-years, so they are the figures the whole table gives it) and its totals."""
    assets = selected_assets(dataset, selection)
    if provider is not None:
        assets = assets[(capacity.provider_of(assets) == provider).to_numpy()]
    start, end = selection.start, selection.end
    work = funding.work_by_asset_year(
        assets, dataset.table("connections"), start, end, default_cost
    )
    funded, check = funding.funding_received(
        dataset.table("funding"), capacity.provider_of(assets), start, end
    )
    everywhere = set(capacity.provider_of(dataset.table("assets")))
    # one provider's view names no other organisation's funding
    check.no_assets = [] if provider is not None else [
        p for p in check.no_assets if p not in everywhere]  # fmt: skip
    names = pd.Series(provider_names(dataset, assets))
    panel = _gap_panel(funding.funding_gap(work, funded, names), work, level)
    notes = [*check.notes(), *_assumption_notes(dataset, work, selection, default_cost)]
    totals = funding.gap_totals(panel.disclosed.values)
    return [_headline_panel(totals, notes, level), panel]


def _gap_panel(table: pd.DataFrame, work: pd.DataFrame, level: Level) -> Panel:
    return Panel(
        name="funding_gap",
        title="Funding follows the referral",
        caption="How to read this: for each provider and financial year (April to March), the "
        "value of the work it took on (people who started x the asset's cost per person) "
        "beside the demand it was sent and the demand it left waiting or turned away, against "
        "the funding it received for social prescribing (funding.csv, for_social_prescribing "
        "yes), counted pro rata for the months of each year inside the period. A positive gap "
        "is work done without funding for it. £ figures are worked out from the counts shown, "
        "asset by asset; the people columns are each provider's counts, shown on their own. "
        + disclosure_caption(level),
        level=level,
        table=table,
        spec=funding.GAP_SPEC,
        basis={"work": (work, funding.WORK_SPEC)},
        labels=GAP_LABELS,
        chart=capacity_charts.gap_chart,
        empty="No provider took anyone on or received funding for social prescribing in the "
        "period.",
        answer=funding.gap_answer,
        said=_unvalued_note,
        download="Download value of work and funding (CSV)",
    )


def _assumption_notes(
    dataset: Dataset, work: pd.DataFrame, selection: Selection, default_cost: float
) -> list[str]:
    """What the figures assume: the assumed cost, part years counted pro rata, and £0 of
    funding without funding.csv."""
    notes = []
    assumed = funding.assumed_cost_assets(work)
    if assumed:
        notes.append(
            f"Assumption: {assumed:,} asset(s) state no cost per person; their work is "
            f"valued at £{default_cost:,.0f} a person (set above)."
        )
    part = funding.part_years(selection.start, selection.end)
    if len(part):
        notes.append(
            "Part years: "
            + "; ".join(
                f"{r.financial_year} has {r.months_in_period:.1f}".removesuffix(".0")
                + " of its 12 months in the period"
                for r in part.itertuples()
            )
            + ", so its funding counts pro rata."
        )
    if not dataset.has("funding"):
        notes.append(
            "No funding.csv: every provider's funding is counted as £0. Add "
            "funding.csv (organisation_id, financial_year, funder, amount_gbp, "
            "for_social_prescribing) to see the gap."
        )
    return notes


def _headline_panel(totals: funding.GapTotals, notes: list[str], level: Level) -> Panel:
    return Panel(
        name="funding_headlines",
        title="",
        caption="",
        level=level,
        show_table=False,
        cards=(
            Card(
                "Value of work taken on",
                f"£{totals.value_taken_gbp:,.0f}",
                "People who started x cost per person, from the counts shown.",
            ),
            Card(
                "Funding received",
                f"£{totals.funded_sp_gbp:,.0f}",
                "Funding for social prescribing (funding.csv, for_social_prescribing yes), pro "
                "rata for the months of each year in the period.",
            ),
            Card(
                "Unfunded work",
                f"£{totals.unfunded_gbp:,.0f}",
                "The total of providers' positive gaps: the unfunded demand on the VCS in "
                "the place.",
            ),
            Card(
                "Value turned away",
                f"£{totals.value_not_taken_gbp:,.0f}",
                "What the people put on a waiting list or turned away would cost to take.",
            ),
        ),
        notes=tuple(notes),
    )


def _unvalued_note(values: pd.DataFrame) -> tuple[str, ...]:
    """The asset-years left unvalued (1-7 people started, hidden), from the table shown."""
    totals = funding.gap_totals(values)
    if not totals.unvalued:
        return ()
    return (
        f"{totals.unvalued:,} asset-year(s) where 1-7 people started are not valued (the "
        f"count is hidden): the value of work taken on is between £{totals.hidden_low_gbp:,.0f}"
        f" and £{totals.hidden_high_gbp:,.0f} more than shown, and the gaps as much larger.",
    )
