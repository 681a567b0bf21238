"""What if: the next 12 months replaying the last 12, with referral growth, capacity added and
funding moved, beside nothing changed. Strain, people beyond capacity and the funding gap are
worked out by `capacity.scenario_spec` from the counts as shown, asset by asset where capacity
is concerned; the headline from the tables as shown (`capacity.scenario_headline`).
"""

from __future__ import annotations

import pandas as pd

from socialrx.data.dataset import Dataset
from socialrx.disclosure import Level
from socialrx.metrics import capacity, funding
from socialrx.metrics.selection import Selection, selected_assets
from socialrx.views import capacity_charts
from socialrx.views.capacity import RANKED, RATING_WORDS, provider_names
from socialrx.views.panels import Card, Panel, disclosure_caption

SCENARIO_LABELS = {
    "name": "Name",
    "capacity_per_month": "Capacity a month (with what is added)",
    "added_per_month": "Added a month",
    "sent": "People sent, last 12 months",
    "demand_per_month": "Demand a month, next 12",
    "strain_pct": "Strain next 12 months (%)",
    "at_least_85": "At 85% or more",
    "over_100": "Over 100%",
    "beyond_capacity": "People beyond capacity a year",
}
REPLAY = (
    "The next 12 months replay the 12 months to the end of the chosen period (the counts as "
    "shown), changed as you set here; they do not start from the forecast (see the Forecast "
    "tab for what the next months may bring, and set the growth to match it)."
)


def scenario_base(dataset: Dataset, selection: Selection) -> pd.DataFrame:
    """Each chosen asset's last 12 months to the period's end: the what-if's starting point
    (the part worth caching: it does not change as the sliders move)."""
    assets = selected_assets(dataset, selection)
    return capacity.scenario_base(assets, dataset.table("connections"), selection.end)


def scenario_panels(
    dataset: Dataset,
    selection: Selection,
    level: Level,
    scenario: capacity.Scenario,
    default_cost: float = funding.DEFAULT_COST_GBP,
    base: pd.DataFrame | None = None,
) -> list[Panel]:
    """What if: the next 12 months replaying the last 12 (to the period's end), with referral
    growth, capacity added and funding moved; strain, people beyond capacity and the funding
    gap by provider and by category, beside nothing changed. Everything from the counts as
    shown: each group's own, and (for people beyond capacity and the value of work) its
    assets', as the panels' basis. `base`: `scenario_base`, when the caller keeps it."""
    assets = selected_assets(dataset, selection)
    base = scenario_base(dataset, selection) if base is None else base
    names = provider_names(dataset, assets)
    year, funded = funding.latest_year_funding(dataset.table("funding"))
    moved = funding.moved_funding(funded, scenario.moves)

    def rows(chosen: capacity.Scenario, by: str, money: pd.Series | None = None) -> dict:
        return _scenario_table(base, chosen, by, names, money, default_cost)

    baseline = Panel(
        name="whatif_now",
        title="",
        caption="",
        level=level,
        show_table=False,
        **rows(capacity.Scenario(), "provider", funded),
    )
    providers = _providers_panel(
        scenario, selection, year, level, rows(scenario, "provider", moved)
    )
    notes = []
    overdrawn = funding.overdrawn(moved)
    if overdrawn:
        notes.append(
            "Moving that much leaves "
            + ", ".join(str(names.get(p, p)) for p in overdrawn)
            + " with less than nothing: check the amount."
        )
    if year is None:
        notes.append("No usable funding.csv rows: funding counts as £0.")
    return [
        _headline_panel(providers, baseline, notes, level),
        providers,
        _categories_panel(level, rows(scenario, "category")),
    ]


def _scenario_table(base: pd.DataFrame, chosen: capacity.Scenario, by: str, names: dict,
                    money: pd.Series | None, default_cost: float) -> dict:  # fmt: skip
    """A panel's table, spec and basis (its assets as shown) for `chosen`, by `provider` or
    `category`; `money`: each provider's funding a year, where the gap is shown."""
    table = capacity.scenario_rows(base, chosen, by)
    table["name"] = capacity.named(table["group"], names if by == "provider" else None)
    if money is not None:
        table["funding_gbp"] = funding.funding_of(table["group"], money)
    each = capacity.scenario_assets(base, chosen, default_cost)
    return {
        "table": table,
        "spec": capacity.scenario_spec(chosen.growth, by),
        "basis": {"assets": (each, capacity.scenario_spec(chosen.growth))},
    }


def _providers_panel(scenario: capacity.Scenario, selection: Selection, year: str | None,
                     level: Level, rows: dict) -> Panel:  # fmt: skip
    return Panel(
        name="whatif_providers",
        title="What if: providers in the next 12 months",
        caption=f"How to read this: each provider's demand in the 12 months to "
        f"{selection.end:%b %Y}, grown by {scenario.growth:+.0%}, against its capacity "
        "with what you added. People beyond capacity (who would wait or be turned away) are "
        "counted asset by asset: spare room at one asset does not take another's people. The "
        "value of work (people who would start, at each asset's share who started in the last "
        "12 months, x its cost per person) is set against the provider's funding "
        f"for social prescribing in {year or 'the latest year'} with what you moved. "
        + REPLAY
        + " "
        + RATING_WORDS
        + " "
        + disclosure_caption(level),
        level=level,
        labels={
            **SCENARIO_LABELS,
            "name": "Provider",
            "value_gbp": "Value of work (£)",
            "funding_gbp": "Funding for social prescribing (£ a year)",
            "gap_gbp": "Gap (£)",
        },
        chart=lambda v: capacity_charts.scenario_chart(v, "provider, next 12 months"),
        empty="No provider states a capacity and was sent anyone (or 1-7, hidden).",
        rank=RANKED,
        answer=lambda v: capacity.rated_answer(v, "provider", ahead=True),
        said=_hidden_assets_note,
        download="Download the what-if by provider (CSV)",
        **rows,
    )


def _headline_panel(providers: Panel, baseline: Panel, notes: list[str], level: Level) -> Panel:
    """The scenario's providers over capacity, people beyond capacity and unfunded work,
    each against nothing changed, from the two provider tables as shown."""
    then = capacity.scenario_headline(providers.disclosed.values)
    change = then.change_from(capacity.scenario_headline(baseline.disclosed.values))
    return Panel(
        name="whatif_headlines",
        title="",
        caption="",
        level=level,
        show_table=False,
        cards=(
            Card(
                "Providers over capacity",
                f"{then.over:,}",
                "Over 100% of stated capacity in the next 12 months, under this scenario.",
                change=f"{change.over:+,} against nothing changed",
            ),
            Card(
                "People beyond capacity",
                f"{then.beyond:,.0f}",
                "Who would wait or be turned away in the next 12 months (from counts shown).",
                change=f"{change.beyond:+,.0f} against nothing changed",
            ),
            Card(
                "Unfunded work",
                f"£{then.unfunded_gbp:,.0f}",
                "Total of providers' positive gaps, next 12 months.",
                change=_pounds_change(change.unfunded_gbp) + " against nothing changed",
            ),
        ),
        notes=tuple(notes),
    )


def _categories_panel(level: Level, rows: dict) -> Panel:
    return Panel(
        name="whatif_categories",
        title="What if: categories in the next 12 months",
        caption="How to read this: as for providers, each category's assets together. "
        + RATING_WORDS
        + " "
        + disclosure_caption(level),
        level=level,
        labels={**SCENARIO_LABELS, "name": "Category"},
        chart=lambda v: capacity_charts.scenario_chart(v, "category, next 12 months"),
        empty="No category states a capacity and was sent anyone (or 1-7, hidden).",
        rank=RANKED,
        answer=lambda v: capacity.rated_answer(v, "category", ahead=True),
        said=_hidden_assets_note,
        download="Download the what-if by category (CSV)",
        **rows,
    )


def _hidden_assets_note(values: pd.DataFrame) -> tuple[str, ...]:
    """The assets left out of people beyond capacity and the value of work, from the table."""
    hidden = capacity.hidden_assets(values)
    if not hidden:
        return ()
    return (
        f"{hidden:,} asset(s) sent 1-7 people in the last 12 months (hidden) are left out "
        "of people beyond capacity and the value of work.",
    )


def _pounds_change(amount: float) -> str:
    """+£1,200 or -£300."""
    return f"{'-' if amount < 0 else '+'}£{abs(amount):,.0f}"
