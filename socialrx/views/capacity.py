"""The capacity page: demand sent to each asset against the capacity its provider states."""

from __future__ import annotations

from socialrx import capacity, charts
from socialrx.dataset import Dataset
from socialrx.disclosure import Level
from socialrx.panels import Card, Panel, disclosure_caption
from socialrx.selection import Selection, selected_assets, selected_connections

LABELS = {
    "asset_id": "Asset",
    "name": "Name",
    "organisation_id": "Organisation",
    "category": "Category",
    "capacity_per_month": "Capacity a month",
    "cost_per_person_gbp": "Cost per person (£)",
    "connections": "People sent",
    "turned_away_or_waiting": "Waiting or turned away (full)",
    "demand_per_month": "Demand a month",
    "strain_pct": "Strain (demand / capacity, %)",
    "over_capacity": "Over capacity",
    "cost_of_demand_gbp": "Cost of demand (£)",
}


def panels(dataset: Dataset, selection: Selection, level: Level) -> list[Panel]:
    """Headline cards, the most strained assets drawn, and every asset's figures."""
    table = capacity.capacity_strain(
        selected_assets(dataset, selection),
        selected_connections(dataset, selection),
        selection.months,
    )
    spec = capacity.strain_spec(selection.months)
    assets = Panel(
        name="assets_capacity",
        title="All assets",
        caption="Demand counts everyone sent in the period, including people put on a waiting "
        "list or turned away; a period under a month is held to one month's capacity. `–` "
        "means no capacity (or a capacity of 0) or no unit cost is stated. "
        + disclosure_caption(level),
        level=level,
        table=table,
        spec=spec,
        labels=LABELS,
        rank=("strain_pct", "connections"),
    )
    shown = assets.disclosed
    summary = capacity.summarise(shown.values, shown.marks)
    notes = [capacity.undecided_note(summary.undecided)]
    if summary.uncosted:
        notes.append(
            f"The cost leaves out {summary.uncosted:,} asset(s) with a cost per person whose "
            "number of people sent is hidden (1-7)."
        )
    cards = Panel(
        name="capacity_headlines",
        title="",
        caption="",
        level=level,
        show_table=False,
        cards=(
            Card(
                "Assets over capacity",
                f"{summary.over:,}",
                "Assets sent more people a month than the capacity they state, judged only "
                "where every true count consistent with the one shown gives the same answer.",
            ),
            Card(
                "Assets stating a capacity",
                f"{summary.stated:,} of {len(table):,}",
                "Assets with capacity_per_month in assets.csv.",
            ),
            Card(
                "Cost of demand in period",
                f"£{summary.cost_gbp:,.0f}",
                "People sent x the asset's cost per person, where given, from the counts shown.",
            ),
        ),  # fmt: skip
        notes=tuple(n for n in notes if n),
    )
    chart = Panel(
        name="capacity_most_strained",
        title="The most strained assets",
        caption="How to read this: for each asset, the people sent per month in the period "
        "(orange) against the capacity per month its provider states (blue). Orange longer "
        "than blue is over capacity. Assets whose demand is hidden (1-7 people) or nil are "
        "not drawn. " + disclosure_caption(level),
        level=level,
        table=table,
        spec=spec,
        labels=LABELS,
        chart=lambda values: charts.capacity_chart(capacity.most_strained(values)),
        empty="No asset stating a capacity was sent anyone in the period (or 1-7, hidden)."
        if summary.stated
        else "No asset states a capacity: add capacity_per_month to assets.csv to see strain.",
        rank=("strain_pct", "connections"),
        show_table=False,
    )
    return [cards, chart, assets]
