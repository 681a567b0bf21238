"""The commissioning page: one ranked table of where more provision of which kind would meet the
most unmet need, each row saying why, and a scenario of places added (`metrics.commissioning`).
"""

from __future__ import annotations

import pandas as pd

from socialrx.data.dataset import Dataset
from socialrx.disclosure import Level
from socialrx.metrics import commissioning as metrics
from socialrx.metrics import forecast
from socialrx.metrics.selection import NEIGHBOURHOOD, WARD, Selection
from socialrx.views import capacity_charts
from socialrx.views.panels import Panel, disclosure_caption, shown_months

RADIUS_RANGE = (400, 5000)  # metres a user may set the reach to, as on the asset map
DEFAULT_ADDED = 40  # places a month a scenario starts with


def default_kind(kinds: list[str]) -> str | None:
    """Neighbourhoods where the data names any (the partnerships' own places), else wards."""
    for kind in (NEIGHBOURHOOD, WARD):
        if kind in kinds:
            return kind
    return kinds[0] if kinds else None


def forecast_areas(dataset: Dataset, selection: Selection, kind: str,
                   neighbourhoods: pd.DataFrame | None = None) -> tuple[str, ...]:  # fmt: skip
    """The areas of every place compared (the chosen place as a whole), whose residents'
    demand is forecast."""
    places = metrics.subdivisions(dataset, selection, kind, neighbourhoods)
    known = dataset.areas["area_code"] if dataset.areas is not None else []
    return tuple(metrics.place_areas(places, known))


def category_forecasts(dataset: Dataset, selection: Selection, areas,
                       level: Level) -> pd.DataFrame:  # fmt: skip
    """Each category's forecast for the people living in `areas`, fitted on its monthly
    series as shown at `level` (`metrics.category_forecasts`)."""
    series = metrics.category_series(dataset, selection, areas)
    return metrics.category_forecasts(shown_months(series, level), selection)


def ranking_rows(
    dataset: Dataset,
    selection: Selection,
    level: Level,
    kind: str,
    assumptions: metrics.Assumptions,
    neighbourhoods: pd.DataFrame | None = None,
    forecasts: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ranking's rows and assets (`metrics.commissioning_table`) with each category's
    forecast from its series as shown at `level` (`forecasts`, where the caller keeps them)."""
    if forecasts is None:
        areas = forecast_areas(dataset, selection, kind, neighbourhoods)
        forecasts = category_forecasts(dataset, selection, areas, level)
    return metrics.commissioning_table(dataset, selection, kind, forecasts, assumptions,
                                       neighbourhoods)  # fmt: skip


def method(assumptions: metrics.Assumptions) -> str:
    """How the page's figures are worked out, with their sources."""
    km = assumptions.radius / 1000
    return (
        "Rows: each asset category in each chosen kind of place (taken whole) that has any area "
        "in the place chosen in the sidebar. Need: the place's adults (area_stats) and its need "
        "indicator averaged over its areas, weighted by adults. Access: the two-step floating "
        "catchment area method (2SFCA, Luo and Wang 2003) for the category's in-person assets "
        f"within {km:,.1f} km (straight line) of an area's centre, each asset's stated capacity "
        "(its category's median where none is stated) shared among the adults within reach of "
        "it; an area has high need and low access where its need is at or above the median of "
        "all areas and its access below the median (or nothing within reach), as on the asset "
        "map. Demand: people living in the place sent to the category's assets in the last 12 "
        "whole months, per 1,000 adults a year, against the same rate across every row's "
        f"places. Forecast: the category's monthly series for those places, fitted on the "
        f"counts as shown, by {forecast.ETS} (statsmodels; exponential smoothing with a damped "
        "trend and 12-month seasonality, Hyndman et al.) where there are 24 months or more, "
        "else seasonal naive; its next months against its last 12 give the category's growth, "
        "applied to each row's 12 months as shown. Strain (as on the Capacity page): people "
        "sent a month to the category's assets within reach that state a capacity, as a % of "
        "that capacity; ahead, that demand grown by the forecast. Unmet need over the months "
        "ahead = people beyond capacity (the row's forecast times 1 - 100/strain ahead, where "
        "strain ahead is over 100%) + people not referred (the adults in its areas of high need "
        "and low access times how far the row's rate falls below the place's rate). Cost of "
        "meeting it: unmet need times the cost per person (the assets' stated costs, or the "
        "assumption). Unfunded work (as under Funding follows the referral): people who "
        "started at those assets in the 12 months times their cost per person (an asset whose "
        "count is hidden left out), less the funding for social prescribing of their providers "
        "in the latest financial year, each asset carrying an equal share of its provider's. "
        "Everything is worked out from the counts as shown, each asset's disclosed on its own as "
        "on the Capacity page and added up for the assets serving a place (a hidden count of 1-7 "
        "taken at 4 where a figure must go on; over 100% ahead judged on every true count the "
        "shown ones allow, \u201cborderline\u201d where they differ), the place's rate from its "
        "rows as shown, and the ranking too, so the order says nothing the rounding hides. A "
        "person sent twice counts twice. Places are taken whole: a part of a ward would be a new "
        "set of areas whose rounded totals, beside the whole ward's, could be subtracted."
    )


# the people ahead are forecasts worked out from the counts as shown, not counts of people: to
# the nearest person, as rounding them again would only blur the arithmetic a reader can follow
ESTIMATES = (
    "People ahead (forecast, beyond capacity, not referred, unmet need) are estimates worked "
    "out from the counts as shown, given to the nearest person: they reveal nothing the "
    "rounding hides. "
)

LABELS = {
    "rank": "Rank",
    "category": "Category",
    "name": "Place",
    "why": "Why",
    "unmet": "Unmet need (people)",
    "beyond": "Beyond capacity",
    "not_referred": "Not referred (high need, low access)",
    "unmet_cost_gbp": "Cost of meeting it (£)",
    "adults": "Adults",
    "need": "Need",
    "gap_areas": "Areas of high need, low access",
    "gap_adults": "Adults in them",
    "sent": "People sent, last 12 months",
    "rate_per_1000": "Per 1,000 adults a year",
    "place_rate_per_1000": "Place: per 1,000 adults a year",
    "forecast": "Forecast (people)",
    "serving_assets": "Assets within reach",
    "capacity_per_month": "Their capacity a month",
    "strain_pct": "Strain, last 12 months (%)",
    "strain_ahead_pct": "Strain ahead (%)",
    "over_words": "Over 100% ahead",
    "unfunded_gbp": "Their unfunded work, last 12 months (£)",
}


def ranked_panel(rows: tuple[pd.DataFrame, pd.DataFrame], level: Level,
                 assumptions: metrics.Assumptions, kind: str,
                 needs: dict[str, str]) -> Panel:  # fmt: skip
    """Every category in every place, the most unmet need first, each saying why (`rows`:
    `metrics.commissioning_table`, its assets the basis)."""
    table, assets = rows
    horizon = assumptions.horizon
    need = needs.get(assumptions.need, assumptions.need)
    return Panel(
        name="commission_ranked",
        title=f"Where more provision would meet the most unmet need, next {horizon} months",
        caption=f"How to read this: one row for each category of asset in each "
        f"{kind}, the most unmet need first. Unmet need is people over "
        f"the next {horizon} months: those beyond the capacity of the assets within reach, "
        "and those the adults in areas of high need and low access would send were they "
        "referred at the place's rate. Need is the "
        f"{need} averaged over the place's adults. The chart shows the 30 largest. "
        + ESTIMATES
        + disclosure_caption(level),
        level=level,
        table=table.assign(label=table["category"] + " in " + table["short"]),
        spec=metrics.commissioning_spec(horizon),
        labels={
            **LABELS,
            "unmet": f"Unmet need, next {horizon} months (people)",
            "forecast": f"Forecast, next {horizon} months (people)",
            "need": need,
        },
        chart=lambda v: capacity_charts.ranked_bars(
            v.assign(name=v["label"]),
            "unmet",
            "Unmet need by category and place",
            f"People, next {horizon} months",
        ),
        empty="No unmet need to show: nobody beyond capacity and no area of high need and low "
        "access referred below the place's rate.",
        rank=("unmet",),
        annotate=lambda v: {
            "why": reasons(v, assumptions.radius),
            "over_words": metrics.over_words(v),
            "rank": v["unmet"].rank(ascending=False, method="min"),
        },
        basis={"assets": (assets, metrics.ASSETS_SPEC)},
        answer=lambda v: ranked_answer(v, horizon),
        said=first_reasons,
        method=method(assumptions),
        download="Download the ranked table (CSV)",
    )


def reasons(values: pd.DataFrame, radius: float) -> pd.Series:
    """Each row's case in words, from its figures as shown."""
    km = f"{radius / 1000:,.1f} km"
    out = []
    for row in values.to_dict("records"):  # a thousand rows at a region's size: not iterrows
        said = []
        if not row["serving_assets"]:
            said.append(f"no {row['category']} asset within {km}")
        elif pd.notna(row["strain_ahead_pct"]):
            over = " (over 100%)" if row["over_ahead"] == 1 else ""
            said.append(
                f"the {row['serving_assets']:,.0f} asset(s) within {km} are forecast at "
                f"{row['strain_ahead_pct']:,.0f}% of the capacity they state{over}"
            )
        elif pd.isna(row["capacity_per_month"]):
            said.append(f"the {row['serving_assets']:,.0f} asset(s) within {km} state no capacity")
        if row["gap_areas"]:
            said.append(
                f"{row['gap_adults']:,.0f} adults live in {row['gap_areas']:,.0f} area(s) of "
                "high need and low access"
            )
        if pd.isna(row["rate_per_1000"]):
            said.append("1-7 people sent in the last 12 months (hidden)")
        elif pd.notna(row["place_rate_per_1000"]):
            word = "below" if row["rate_per_1000"] < row["place_rate_per_1000"] else "against"
            said.append(
                f"sent at {row['rate_per_1000']:,.1f} per 1,000 adults a year, {word} "
                f"{row['place_rate_per_1000']:,.1f} across the place"
            )
        if pd.notna(row["unfunded_gbp"]) and row["unfunded_gbp"] > 0:
            said.append(f"£{row['unfunded_gbp']:,.0f} of its providers' work went unfunded")
        text = "; ".join(said)
        out.append(text[:1].upper() + text[1:] + "." if text else "")
    return pd.Series(out, index=values.index, dtype=object)


def ranked_answer(values: pd.DataFrame, horizon: int) -> str:
    """The first three rows in a sentence, and how many rows have unmet need at all."""
    unmet = values["unmet"].astype("Float64").fillna(0)
    some = values[unmet.round(0) > 0]
    if some.empty:
        return (
            f"No category in any place shows unmet need over the next {horizon} months: nobody "
            "beyond capacity and no area of high need and low access referred below the "
            "place's rate."
        )
    said = [
        f"{row['category']} in {row['short']} (about {row['unmet']:,.0f} people: "
        f"{row['beyond']:,.0f} beyond capacity, {row['not_referred']:,.0f} not referred)"
        for _, row in some.head(3).iterrows()
    ]
    # the table's figures, each to the nearest person: 21.6 + 2.6 = 24.2 reads 22 + 3 = 24
    return (
        f"Most unmet need over the next {horizon} months (estimates, each to the nearest "
        "person, so the parts may not add up to the whole): " + "; ".join(said) + f". "
        f"{len(some):,} of {len(values):,} category-place rows show some."
    )


def first_reasons(values: pd.DataFrame, most: int = 3) -> tuple[str, ...]:
    """Why the first rows rank where they do, in words, from the table as shown."""
    rows = values[values["unmet"].astype("Float64").fillna(0).round(0) > 0].head(most)
    return tuple(
        f"{int(row['rank'])}. {row['category']} in {row['short']}: {row['why']}"
        for _, row in rows.iterrows()
    )


SCENARIO_LABELS = {
    "case": "Case",
    "capacity_with_added": "Capacity a month",
    "strain_ahead_pct": "Strain ahead (%)",
    "over_words": "Over 100% ahead",
    "everyone_beyond": "People beyond capacity (everyone the assets serve)",
    "beyond": "Of them living here",
    "unmet": "Unmet need here (people)",
    "taken": "People the added places would take",
    "added_cost_gbp": "Cost of the added places (£)",
    "gap_after_gbp": "Funding gap if the added work goes unfunded (£)",
}


def scenario_panel(rows: tuple[pd.DataFrame, pd.DataFrame], level: Level,
                   assumptions: metrics.Assumptions,
                   scenario: metrics.Scenario) -> Panel:  # fmt: skip
    """The scenario's place and category as forecast, and with the places added."""
    table, assets = rows
    horizon = assumptions.horizon
    chosen = metrics.scenario_rows(table, scenario)
    where = chosen["short"].iloc[0] if len(chosen) else scenario.place
    return Panel(
        name="commission_scenario",
        title=f"What if: {scenario.added_per_month:,.0f} {scenario.category} places a month "
        f"in {where}",
        caption=f"How to read this: the next {horizon} months as forecast (the category's "
        "forecast growth on the last 12 months as shown), then with the places added at the "
        f"{scenario.category} assets within reach of {where} (where none states a capacity, "
        "the places are the capacity). The added places take people beyond capacity first; "
        "they do not get more people referred. The funding gap is the providers' unfunded "
        f"work over the {horizon} months at the last 12 months' pace, plus the work the added "
        "places take at the cost per person, if no funding follows it. "
        + ESTIMATES
        + disclosure_caption(level),
        level=level,
        table=chosen,
        spec=metrics.commissioning_spec(horizon, scenario=True),
        basis={"assets": (assets, metrics.ASSETS_SPEC)},
        annotate=lambda v: {"over_words": metrics.over_words(v)},
        labels={
            **SCENARIO_LABELS,
            "everyone_beyond": f"People beyond capacity, next {horizon} months "
            "(everyone the assets serve)",
        },  # fmt: skip
        empty="That category and place is not among the rows.",
        answer=lambda v: scenario_answer(v, scenario, horizon),
        show_table=True,
        download="Download the scenario (CSV)",
    )


def _pct(row: pd.Series) -> str:
    if pd.isna(row["capacity_with_added"]):
        return "not known (no capacity stated)"
    return "hidden (1-7 people sent)" if pd.isna(row["strain_ahead_pct"]) else (
        f"{row['strain_ahead_pct']:,.0f}%")  # fmt: skip


def _beyond_words(row: pd.Series) -> str:
    if pd.isna(row["capacity_with_added"]):
        return "not known"
    return f"{row['everyone_beyond']:,.0f}"


def scenario_answer(values: pd.DataFrame, scenario: metrics.Scenario, horizon: int) -> str:
    """The scenario's effect in a sentence, from its two rows as shown."""
    if len(values) < 2:
        return ""
    before, after = values.iloc[0], values.iloc[1]
    if not before["serving_assets"] and not scenario.added_per_month:
        return f"No {scenario.category} asset is within reach of {before['short']}."
    strain = f"strain ahead goes from {_pct(before)} to {_pct(after)} of capacity"
    return (
        f"Adding {scenario.added_per_month:,.0f} {scenario.category} places a month for "
        f"{before['short']}: {strain}; people beyond the capacity of the {scenario.category} "
        f"assets within reach, everyone they serve wherever they live, over the next {horizon} "
        f"months go from {_beyond_words(before)} to {_beyond_words(after)}; "
        f"the places would take {after['taken']:,.0f} people at a cost of "
        f"£{after['added_cost_gbp']:,.0f}, and unless funding follows, the funding gap goes "
        f"from £{before['gap_after_gbp']:,.0f} to £{after['gap_after_gbp']:,.0f}."
    )


def scenario_places(table: pd.DataFrame) -> dict[str, str]:
    """The places a scenario can be set in (key -> label), in the table's order."""
    named = table.drop_duplicates("place")
    return dict(zip(named["place"], named["name"], strict=True))


def categories(table: pd.DataFrame) -> list[str]:
    """The categories the table has rows for."""
    return list(dict.fromkeys(table["category"]))


def default_scenario(values: pd.DataFrame) -> tuple[str, str]:
    """The top row of the ranking as shown (category, place): where a scenario starts."""
    return str(values["category"].iloc[0]), str(values["place"].iloc[0])


def access_note(dataset: Dataset) -> str | None:
    """Why the page cannot rank (no boundaries, or no adults to share capacity among)."""
    if dataset.areas is None:
        return "The commissioning view needs area boundaries (areas.geojson) to measure access."
    stats = dataset.table("area_stats")
    if stats.empty or not stats["population_adult"].notna().any():
        return "The commissioning view needs adults by area (area_stats.csv, population_adult)."
    return None
