"""The capacity page's system view, and what its other tabs share: demand sent to each asset
against the capacity its provider states, every provider, category and area rated by strain,
and the providers' names and the words that rate them.

The page's other tabs have their own views: `provider` (My organisation), `funding` (funding
follows the referral), `link_workers`, `what_if` and `forecast`. Every figure is worked out by
the panels' specs from the counts as shown (`Derived` columns and `Judgement`s in
socialrx.metrics.capacity, funding and forecast); a card or a sentence quotes a panel's
disclosed values. Titles, captions, notes and answers are plain text, escaped by the drawing
step for its medium (Streamlit's markdown on screen, HTML in the pack).
"""

from __future__ import annotations

import pandas as pd

from socialrx.data.dataset import Dataset
from socialrx.disclosure import Level
from socialrx.metrics import capacity
from socialrx.metrics.selection import (
    DEMAND_COLUMNS,
    Selection,
    selected_assets,
    selected_connections,
)
from socialrx.views import capacity_charts, charts
from socialrx.views.panels import Card, Panel, Section, disclosure_caption, sections_by_name

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
GROUP_LABELS = {
    "name": "Name",
    "assets": "Assets",
    "assets_stated": "Assets stating a capacity",
    "capacity_per_month": "Capacity a month",
    "sent": "People sent",
    "waiting_list": "Waiting list",
    "declined_full": "Turned away: full",
    "declined_not_suitable": "Turned away: not suitable",
    "demand_per_month": "Demand a month",
    "strain_pct": "Strain (%)",
    "at_least_85": "At 85% or more",
    "over_100": "Over 100%",
}
# a group_strain table and its asset_cells
Grouped = tuple[pd.DataFrame, pd.DataFrame]
RANKED = ("rating", "strain_pct")  # most strained first, by the rating shown
RATING_WORDS = (
    "Rated under 85%, 85-100% or over 100% of the capacity stated: the chart says it in words "
    "as well as colour, the table as two answers (at 85% or more, over 100%); “borderline” "
    "where the rounded count could fall either side of 85% or 100%. A capacity of 0 with "
    "anyone sent is over 100%; “–” where no asset gives capacity_per_month. Strain counts "
    "only demand on assets that state a capacity, a period under a month held to one month's "
    "capacity; the same figure on every tab."
)


# ---------------------------------------------------------------------------------------------
# What the tabs share: providers, their names, and the rated table.


def provider_names(dataset: Dataset, assets) -> dict[str, str]:
    """Each provider's name: the organisation's, or the asset's where none is recorded."""
    organisations = dataset.table("organisations").drop_duplicates("organisation_id")
    names = dict(zip(organisations["organisation_id"], organisations["name"], strict=True))
    frame = pd.DataFrame(
        {
            "provider": capacity.provider_of(assets).to_numpy(dtype=object),
            "org": assets["organisation_id"].to_numpy(dtype=object),
            "name": assets["name"].to_numpy(dtype=object),
        }
    ).drop_duplicates("provider")  # a few thousand providers, not every asset
    return {
        provider: str(names.get(org) or (org if pd.notna(org) else f"{name} (no organisation)"))
        for provider, org, name in zip(frame["provider"], frame["org"], frame["name"], strict=True)
    }


def provider_options(dataset: Dataset, selection: Selection) -> dict[str, str]:
    """The providers of the chosen assets, as "name (n assets)", sorted by name (plain text
    for a select box, which shows it as it is)."""
    assets = selected_assets(dataset, selection)
    names = provider_names(dataset, assets)
    sizes = capacity.assets_per_provider(assets)
    options = {p: f"{names[p]} ({sizes[p]:,} asset{'s' if sizes[p] != 1 else ''})" for p in names}
    return dict(sorted(options.items(), key=lambda kv: kv[1].lower()))


def provider_assets(dataset: Dataset, selection: Selection, provider: str) -> pd.DataFrame:
    """The chosen assets `provider` runs."""
    assets = selected_assets(dataset, selection)
    return assets[(capacity.provider_of(assets) == provider).to_numpy()]


def area_names(dataset: Dataset) -> dict:
    """Each area's name by its code (none where the dataset has no areas)."""
    if dataset.areas is None:
        return {}
    return dict(zip(dataset.areas["area_code"], dataset.areas["area_name"], strict=True))


def rated_panel(name: str, title: str, caption: str, level: Level, table: pd.DataFrame,
                what: str, download: str, drawn: bool = True,
                cells: pd.DataFrame | None = None, **more) -> Panel:  # fmt: skip
    """A table of groups (providers, categories, areas, assets) rated by strain, drawn as
    bars (`drawn`) unless there is one; `cells`: the groups' `asset_cells`, where the page
    also shows each asset's counts. How the rating works folds away (`method`)."""
    more.setdefault("method", RATING_WORDS + " " + disclosure_caption(level))
    return Panel(
        name=name,
        title=title,
        caption=caption,
        level=level,
        table=table,
        spec=capacity.group_spec(cells=cells is not None),
        basis={} if cells is None else {"cells": capacity.cells_basis(cells)},
        labels={**GROUP_LABELS, "name": what.capitalize()},
        chart=(lambda v: capacity_charts.ratings_chart(v, what)) if drawn else None,
        empty=f"No {what} states a capacity and was sent anyone (or 1-7, hidden).",
        rank=RANKED,
        answer=lambda v: capacity.rated_answer(v, what, named=True),
        download=download,
        **more,
    )


# ---------------------------------------------------------------------------------------------
# Every asset: the page's headline, the most strained drawn, and every asset's figures.


def panels(dataset: Dataset, selection: Selection, level: Level) -> list[Panel]:
    """Headline cards, the most strained assets drawn, and every asset's figures."""
    table = capacity.capacity_strain(
        selected_assets(dataset, selection),
        selected_connections(dataset, selection, DEMAND_COLUMNS),
        selection.months,
    )
    assets = _assets_panel(table, level)
    summary = capacity.summarise(assets.disclosed.values)
    return [
        _headline_panel(summary, level),
        _most_strained_panel(table, summary, level),
        assets,
    ]


def _assets_panel(table: pd.DataFrame, level: Level) -> Panel:
    return Panel(
        name="assets_capacity",
        title="All assets",
        caption="Demand counts everyone sent in the period, including people put on a waiting "
        "list or turned away.",
        method="A period under a month is held to one month's capacity. “–” means no capacity "
        "(or a capacity of 0) or no unit cost is stated. " + disclosure_caption(level),
        level=level,
        table=table,
        spec=capacity.strain_spec(),
        labels=LABELS,
        rank=("strain_pct", "connections"),
        answer=lambda v: capacity.assets_answer(v, named=True),
    )


def _headline_panel(summary: capacity.CapacitySummary, level: Level) -> Panel:
    notes = [capacity.undecided_note(summary.undecided)]
    if summary.uncosted:
        notes.append(
            f"The cost leaves out {summary.uncosted:,} asset(s) with a cost per person whose "
            "number of people sent is hidden (1-7)."
        )
    return Panel(
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
                f"{summary.stated:,} of {summary.assets:,}",
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


def _most_strained_panel(
    table: pd.DataFrame, summary: capacity.CapacitySummary, level: Level
) -> Panel:
    return Panel(
        name="capacity_most_strained",
        title="The most strained assets",
        caption="How to read this: for each asset, the people sent per month in the period "
        "(orange) against the capacity per month its provider states (blue); orange longer "
        "than blue is over capacity.",
        method="Assets whose demand is hidden (1-7 people) or nil are not drawn. "
        + disclosure_caption(level),
        level=level,
        table=table,
        spec=capacity.strain_spec(),
        labels=LABELS,
        chart=lambda values: charts.capacity_chart(capacity.most_strained(values)),
        empty="No asset stating a capacity was sent anyone in the period (or 1-7, hidden)."
        if summary.stated
        else "No asset states a capacity: add capacity_per_month to assets.csv to see strain.",
        rank=("strain_pct", "connections"),
        show_table=False,
    )


# ---------------------------------------------------------------------------------------------
# The system view: every provider, category and area rated; category x month heat; people
# waiting or turned away.


# the system view's tabs: providers first (are we over capacity, and who?), then assets,
# categories and areas
SYSTEM_SECTIONS = {
    "Providers": ("capacity_providers",),
    "Assets": ("capacity_most_strained", "assets_capacity"),
    "Categories": ("capacity_categories", "capacity_heat", "capacity_not_taken"),
    "Areas": ("capacity_areas",),
}


def system_sections(panels: list[Panel]) -> list[Section]:
    """The system view's panels (the most strained and every asset, then `system_panels`)
    in its tabs (`SYSTEM_SECTIONS`)."""
    return sections_by_name(panels, SYSTEM_SECTIONS)


def system_panels(dataset: Dataset, selection: Selection, level: Level) -> list[Panel]:
    """Every provider's strain rated; categories where demand outruns capacity, category x
    month heat, people waiting or turned away by category; areas where demand outruns
    capacity."""
    assets = selected_assets(dataset, selection)
    connections = selected_connections(dataset, selection, DEMAND_COLUMNS)
    months = selection.months
    names = pd.Series(provider_names(dataset, assets))
    counts = capacity.asset_counts(connections)  # once, for every grouping below

    def grouped(by: pd.Series, named: pd.Series | None = None, rows=None) -> Grouped:
        chosen = assets if rows is None else assets[rows]
        cells = capacity.asset_cells(chosen, connections, by, counts)
        return capacity.group_strain(chosen, connections, months, by, named, counts, cells), cells

    out: list[Panel] = [_providers_panel(grouped(capacity.provider_of(assets), names), level)]
    by_category = grouped(assets["category"])
    out.append(_categories_panel(by_category, level))
    heat = capacity.category_month_strain(assets, connections, selection.start, selection.end)
    out.append(_heat_panel(heat, level))
    out.append(_not_taken_panel(by_category, level))
    placed = assets["area_code"].notna().to_numpy()
    if placed.any():
        codes = assets.loc[placed, "area_code"]
        named = area_names(dataset)
        labels = pd.Series({c: f"{named.get(c) or c} ({c})" for c in codes})
        out.append(_areas_panel(grouped(codes, labels, placed), level))
    return out


def _providers_panel(providers: Grouped, level: Level) -> Panel:
    return rated_panel(
        "capacity_providers",
        "Every provider's strain",
        "How to read this: each bar is a provider's people sent a month as a % of the "
        "capacity its assets state, for the whole period; the dotted lines mark 85% and "
        "100%.",
        level,
        providers[0],
        "provider",
        "Download providers' strain (CSV)",
        cells=providers[1],
    )


def _heat_panel(heat: pd.DataFrame, level: Level) -> Panel:
    return Panel(
        name="capacity_heat",
        title="Strain by category and month",
        caption="How to read this: each cell is the people sent in that month to the "
        "category's assets that state a capacity, as a % of their capacity; darker is "
        "less strained, yellow is most.",
        method="Blank where the count is hidden (1-7). " + disclosure_caption(level),
        level=level,
        table=heat,
        spec=capacity.CATEGORY_MONTH_SPEC,
        labels={
            "category": "Category",
            "label": "Month",
            "capacity_per_month": "Capacity a month",
            "sent_stated": "People sent",
            "strain_pct": "Strain (%)",
        },
        chart=capacity_charts.heat_chart,
        empty="No category states a capacity.",
        answer=capacity.heat_answer,
        show_table=False,
        download="Download the heat table's figures (CSV)",
    )


def _categories_panel(by_category: Grouped, level: Level) -> Panel:
    return rated_panel(
        "capacity_categories",
        "Categories where demand outruns capacity",
        "How to read this: as for providers, each category's assets together.",
        level,
        by_category[0],
        "category",
        "Download categories' strain (CSV)",
        cells=by_category[1],
    )


def _not_taken_panel(by_category: Grouped, level: Level) -> Panel:
    return Panel(
        name="capacity_not_taken",
        title="People waiting or turned away, by category",
        caption="How to read this: people sent in the period who were put on a waiting "
        "list, or turned away because the asset was full or they were not suitable.",
        method=disclosure_caption(level),
        level=level,
        table=by_category[0],
        spec=capacity.group_spec(cells=True),
        basis={"cells": capacity.cells_basis(by_category[1])},
        labels={
            "name": "Category",
            "waiting_list": "Waiting list",
            "declined_full": "Turned away: full",
            "declined_not_suitable": "Turned away: not suitable",
            "not_taken": "Waiting or turned away",
        },
        chart=capacity_charts.not_taken_chart,
        empty="Nobody sent in the period was put on a waiting list or turned away (or the "
        "counts are 1-7, hidden).",
        rank=("not_taken",),
        show_table=False,
        answer=not_taken_answer,
        download="Download waiting and turned away by category (CSV)",
    )


def _areas_panel(by_area: Grouped, level: Level) -> Panel:
    return rated_panel(
        "capacity_areas",
        "Areas where demand outruns capacity",
        "How to read this: the assets located in each area together (online and "
        "telephone assets have no area).",
        level,
        by_area[0],
        "area",
        "Download areas' strain (CSV)",
        cells=by_area[1],
    )


def not_taken_answer(values: pd.DataFrame) -> str:
    """Where people were most often put on a waiting list or turned away, from the counts
    shown (the table is ranked by them)."""
    most = capacity.most_not_taken(values)
    if most is None:
        return "No category shows anyone waiting or turned away (1-7 people are hidden)."
    hidden = most.hidden
    more = (
        f" {hidden:,} {'category' if hidden == 1 else 'categories'} had 1-7 (hidden)."
        if hidden
        else ""
    )
    name = most.name
    return (
        f"{name[:1].upper() + name[1:]} had the most people put on a waiting list or turned "
        f"away: {most.people:,.0f}.{more}"
    )
