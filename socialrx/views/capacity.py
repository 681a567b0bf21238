"""The capacity page: demand sent to each asset against the capacity its provider states.

Every figure is worked out by the panels' specs from the counts as shown (`Derived` columns
and `Judgement`s in socialrx.metrics.capacity and funding); a card or a sentence quotes a
panel's disclosed values. Titles, captions, notes and answers are plain text, escaped by the
drawing step for its medium (Streamlit's markdown on screen, HTML in the pack).
"""

from __future__ import annotations

import re

import pandas as pd

from socialrx.data.dataset import Dataset
from socialrx.disclosure import Level, Spec
from socialrx.metrics import capacity, forecast, funding
from socialrx.metrics import overview as overview_metrics
from socialrx.metrics import referrals as referral_metrics
from socialrx.metrics.selection import (
    WHOLE,
    Selection,
    in_place,
    selected_assets,
    selected_connections,
    selected_referrals,
)
from socialrx.views import capacity_charts, charts
from socialrx.views.panels import Card, Panel, disclosure_caption

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
    spec = capacity.strain_spec()
    assets = Panel(
        name="assets_capacity",
        title="All assets",
        caption="Demand counts everyone sent in the period, including people put on a waiting "
        "list or turned away; a period under a month is held to one month's capacity. “–” "
        "means no capacity (or a capacity of 0) or no unit cost is stated. "
        + disclosure_caption(level),
        level=level,
        table=table,
        spec=spec,
        labels=LABELS,
        rank=("strain_pct", "connections"),
        answer=capacity.assets_answer,
    )
    summary = capacity.summarise(assets.disclosed.values)
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


# ---------------------------------------------------------------------------------------------
# The issue "VCS capacity and funding": a provider's own view, the system view, funding
# following the referral, link workers, what if, and the demand forecast.

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
RANKED = ("rating", "strain_pct")  # most strained first, by the rating shown
RATING_WORDS = (
    "Rated under 85%, 85-100% or over 100% of the capacity stated: the chart says it in words "
    "as well as colour, the table as two answers (at 85% or more, over 100%); “borderline” "
    "where the rounded count could fall either side of 85% or 100%. A capacity of 0 with "
    "anyone sent is over 100%; “–” where no asset gives capacity_per_month. Strain counts "
    "only demand on assets that state a capacity, a period under a month held to one month's "
    "capacity; the same figure on every tab."
)


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
    sizes = capacity.provider_of(assets).value_counts()
    options = {p: f"{names[p]} ({sizes[p]:,} asset{'s' if sizes[p] != 1 else ''})" for p in names}
    return dict(sorted(options.items(), key=lambda kv: kv[1].lower()))


def summary_file_name(provider: str) -> str:
    """The provider summary's download file name: the provider id reduced to letters, digits,
    `-` and `_` (an id from a file could hold a path or quotes)."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", str(provider)).strip("_")[:40]
    return f"summary_{slug or 'provider'}.html"


def _rated_panel(name: str, title: str, caption: str, level: Level, table: pd.DataFrame,
                 what: str, download: str, drawn: bool = True, **more) -> Panel:  # fmt: skip
    """A table of groups (providers, categories, areas, assets) rated by strain, drawn as
    bars (`drawn`) unless there is one."""
    return Panel(
        name=name,
        title=title,
        caption=caption,
        level=level,
        table=table,
        spec=capacity.group_spec(),
        labels={**GROUP_LABELS, "name": what.capitalize()},
        chart=(lambda v: capacity_charts.ratings_chart(v, what)) if drawn else None,
        empty=f"No {what} states a capacity and was sent anyone (or 1-7, hidden).",
        rank=RANKED,
        answer=lambda v: capacity.rated_answer(v, what),
        download=download,
        **more,
    )


def system_panels(dataset: Dataset, selection: Selection, level: Level) -> list[Panel]:
    """Every provider's strain rated; category x month heat; categories and areas where
    demand outruns capacity; people waiting or turned away by category."""
    assets = selected_assets(dataset, selection)
    connections = selected_connections(dataset, selection)
    months = selection.months
    names = pd.Series(provider_names(dataset, assets))
    counts = capacity.asset_counts(connections)  # once, for every grouping below
    providers = capacity.group_strain(
        assets, connections, months, capacity.provider_of(assets), names, counts
    )
    ending = disclosure_caption(level)
    out: list[Panel] = [
        _rated_panel(
            "capacity_providers",
            "Every provider's strain",
            "How to read this: each bar is a provider's people sent a month as a % of the "
            "capacity its assets state, for the whole period; the dotted lines mark 85% and "
            "100%. " + RATING_WORDS + " " + ending,
            level,
            providers,
            "provider",
            "Download providers' strain (CSV)",
        )
    ]
    heat = capacity.category_month_strain(assets, connections, selection.start, selection.end)
    out.append(
        Panel(
            name="capacity_heat",
            title="Strain by category and month",
            caption="How to read this: each cell is the people sent in that month to the "
            "category's assets that state a capacity, as a % of their capacity; darker is "
            "less strained, yellow is most. Blank where the count is hidden (1-7). " + ending,
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
            show_table=False,
            download="Download the heat table's figures (CSV)",
        )
    )
    by_category = capacity.group_strain(
        assets, connections, months, assets["category"], counts=counts
    )
    out.append(
        _rated_panel(
            "capacity_categories",
            "Categories where demand outruns capacity",
            "How to read this: as for providers, each category's assets together. "
            + RATING_WORDS
            + " "
            + ending,
            level,
            by_category,
            "category",
            "Download categories' strain (CSV)",
        )
    )
    out.append(
        Panel(
            name="capacity_not_taken",
            title="People waiting or turned away, by category",
            caption="How to read this: people sent in the period who were put on a waiting "
            "list, or turned away because the asset was full or they were not suitable. " + ending,
            level=level,
            table=by_category,
            spec=capacity.group_spec(),
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
    )
    placed = assets[assets["area_code"].notna()]
    if len(placed):
        area_names = {}
        if dataset.areas is not None:
            area_names = dict(
                zip(dataset.areas["area_code"], dataset.areas["area_name"], strict=True)
            )
        by_area = capacity.group_strain(
            placed,
            connections,
            months,
            placed["area_code"],
            pd.Series({c: f"{area_names.get(c) or c} ({c})" for c in placed["area_code"]}),
            counts,
        )
        out.append(
            _rated_panel(
                "capacity_areas",
                "Areas where demand outruns capacity",
                "How to read this: the assets located in each area together (online and "
                "telephone assets have no area). " + RATING_WORDS + " " + ending,
                level,
                by_area,
                "area",
                "Download areas' strain (CSV)",
            )
        )
    return out


def not_taken_answer(values: pd.DataFrame) -> str:
    """Where people were most often put on a waiting list or turned away, from the counts
    shown (the table is ranked by them)."""
    shown = values["not_taken"].astype("Float64")
    if not (shown > 0).any():
        return "No category shows anyone waiting or turned away (1-7 people are hidden)."
    top = values.loc[shown.fillna(-1).idxmax()]
    hidden = int(shown.isna().sum())
    more = (
        f" {hidden:,} {'category' if hidden == 1 else 'categories'} had 1-7 (hidden)."
        if hidden
        else ""
    )
    name = str(top["name"])
    return (
        f"{name[:1].upper() + name[1:]} had the most people put on a waiting list or turned "
        f"away: {top['not_taken']:,.0f}.{more}"
    )


ACTIVITY_LABELS = {
    "label": "Period",
    "capacity": "Capacity stated for the period",
    "sent": "People sent",
    "strain_pct": "Strain (%)",
    "over_100": "Over capacity",
    "waiting_list": "Waiting list",
    "declined_full": "Turned away: full",
    "declined_not_suitable": "Turned away: not suitable",
    "started": "Started",
    "started_pct": "% of those sent who started",
    "stayed": "Stayed (attending or moved on)",
    "stayed_pct": "% of starters who stayed",
}
SPAN_LABELS = {
    "label": "Months",
    "capacity_per_month": "Capacity a month",
    "sent": "People sent",
    "sent_stated": "Sent to assets stating a capacity",
    "demand_per_month": "Demand a month",
    "strain_pct": "Strain (%)",
    "at_least_85": "At 85% or more",
    "over_100": "Over 100%",
}


def _sent_to(dataset: Dataset, selection: Selection, assets) -> pd.DataFrame:
    """The connections sent to these assets in the period (the period first: it is the
    cheaper filter over a million rows)."""
    chosen = selected_connections(dataset, selection)
    return chosen[chosen["asset_id"].isin(set(assets["asset_id"]))]


def _provider_assets(dataset: Dataset, selection: Selection, provider: str) -> pd.DataFrame:
    assets = selected_assets(dataset, selection)
    return assets[(capacity.provider_of(assets) == provider).to_numpy()]


def choose_grain(dataset: Dataset, selection: Selection, level: Level, provider: str) -> str:
    """Month, or quarter where most of the provider's monthly counts, as shown, are hidden."""
    if level == Level.OFF:
        return "month"
    mine = _provider_assets(dataset, selection, provider)
    monthly = capacity.provider_activity(
        mine, _sent_to(dataset, selection, mine), selection.start, selection.end, "month"
    )
    together = Panel(
        name="provider_grain",
        title="",
        caption="",
        level=level,
        table=monthly[monthly["asset_id"] == "all"],
        spec=Spec(counts=("sent",)),
    )
    return "quarter" if capacity.mostly_hidden(together.disclosed.values["sent"]) else "month"


def provider_strain_panel(
    dataset: Dataset, selection: Selection, level: Level, provider: str, by: str = "month"
) -> Panel:
    """A provider's strain over the whole period, worked out as the system view works out
    every provider's (`capacity.provider_spans`, `group_spec`), and over its latest months or
    quarters against those before, in a sentence."""
    mine = _provider_assets(dataset, selection, provider)
    name = provider_names(dataset, mine).get(provider, provider)
    word = "quarter" if by == "quarter" else "month"
    stated = int(mine["capacity_per_month"].notna().sum())
    notes = []
    if stated < len(mine):
        notes.append(
            f"{len(mine) - stated:,} of its {len(mine):,} assets state no capacity: "
            "the people sent to them are not in its strain."
        )
    if (mine["capacity_per_month"] == 0).any():
        notes.append(
            "An asset stating a capacity of 0 is over capacity as soon as anyone is "
            "sent to it; its strain cannot be a percentage (–)."
        )
    sent = _sent_to(dataset, selection, mine)
    return Panel(
        name="provider_strain",
        title="Strain over the period",
        caption="How to read this: people sent a month to its assets that state a capacity, "
        "as a % of that capacity, over the whole period (the figure the system view gives) "
        f"and over its latest {word}s against those before. Each span's people are counted, "
        "and shown, on their own. " + RATING_WORDS + " " + disclosure_caption(level),
        level=level,
        table=capacity.provider_spans(mine, sent, selection.start, selection.end, by),
        spec=capacity.group_spec(),
        labels=SPAN_LABELS,
        answer=lambda v: capacity.span_answer(v, name),
        notes=tuple(notes),
        download="Download its strain over the period (CSV)",
    )


def provider_panels(
    dataset: Dataset, selection: Selection, level: Level, provider: str, by: str = "month"
) -> list[Panel]:
    """One provider's view for its funder: its strain over the period (the system view's
    figure) and its trend, demand by month or quarter against capacity, what happened to the
    people sent, each asset, the reasons people were sent for, and the practices and areas
    they came from."""
    mine = _provider_assets(dataset, selection, provider)
    if mine.empty:
        return []
    sent = _sent_to(dataset, selection, mine)
    activity = capacity.provider_activity(mine, sent, selection.start, selection.end, by)
    together = activity[activity["asset_id"] == "all"].reset_index(drop=True)
    spec = capacity.activity_spec()
    ending = disclosure_caption(level)
    word = "quarter" if by == "quarter" else "month"
    out: list[Panel] = [
        provider_strain_panel(dataset, selection, level, provider, by),
        Panel(
            name="provider_demand",
            title=f"People sent a {word}, against the capacity stated",
            caption=f"How to read this: orange bars are the people sent to all its assets each "
            f"{word}, including those put on a waiting list or turned away; the blue line is "
            f"the capacity its assets state for that {word}. " + ending,
            level=level,
            table=together,
            spec=spec,
            labels=ACTIVITY_LABELS,
            chart=lambda v: capacity_charts.provider_demand_chart(v, word),
            empty="Nobody was sent to this provider in the period (or 1-7, hidden).",
            download="Download the provider's figures by period (CSV)",
        ),
        Panel(
            name="provider_strain_trend",
            title="Strain and its trend",
            caption=f"How to read this: people sent to its assets that state a capacity, as a "
            f"% of that capacity, each {word}; above the 100% line is more than it says it can "
            "take. " + ending,
            level=level,
            table=together,
            spec=spec,
            labels=ACTIVITY_LABELS,
            chart=lambda v: capacity_charts.strain_trend_chart(v, word),
            empty="Strain cannot be shown: no capacity stated, or the counts are hidden.",
            show_table=False,
            download="Download strain by period (CSV)",
        ),
        Panel(
            name="provider_outcomes",
            title="Waiting, turned away, started",
            caption="How to read this: of the people sent each period, those who started, were "
            "put on a waiting list, or were turned away (full, or not suitable). Those who did "
            "not attend are not drawn. " + ending,
            level=level,
            table=together,
            spec=spec,
            labels=ACTIVITY_LABELS,
            chart=lambda v: capacity_charts.provider_outcome_chart(v, word),
            empty="Nobody was sent in the period (or the counts are 1-7, hidden).",
            show_table=False,
            download="Download what happened by period (CSV)",
        ),
    ]
    names = mine.set_index("asset_id")["name"].astype(str)
    each = capacity.group_strain(
        mine,
        sent,
        selection.months,
        mine["asset_id"],
        pd.Series({a: f"{n} ({a})" for a, n in names.items()}),
    )
    many = len(mine) > capacity_charts.MOST
    out.append(
        _rated_panel(
            "provider_assets",
            "Each of its assets",
            "How to read this: each asset's strain over the whole period. "
            + RATING_WORDS
            + " "
            + ending,
            level,
            each,
            "asset",
            "Download each asset's strain (CSV)",
            drawn=len(mine) > 1,
            notes=(
                f"The chart shows the {capacity_charts.MOST} most strained of its "
                f"{len(mine):,} assets; the table lists them all.",
            )
            if many
            else (),
        )
    )
    referrals = dataset.table("referrals")
    # the referrals of the people sent, found once (not once per breakdown)
    referrals = referrals[referrals["referral_id"].isin(set(sent["referral_id"]))]
    if dataset.has("referrals"):
        practices = dataset.table("practices").set_index("practice_code")["name"].dropna()
        area_names = {}
        if dataset.areas is not None:
            area_names = dict(
                zip(dataset.areas["area_code"], dataset.areas["area_name"], strict=True)
            )
        for column, title, what, names_of in (
            ("reasons", "Why people were sent", "reason", None),
            (
                "practice_code",
                "Which practices they came from",
                "practice",
                {c: f"{n} ({c})" for c, n in practices.items()},
            ),
            (
                "area_code",
                "Which areas they came from",
                "area",
                {c: f"{n} ({c})" for c, n in area_names.items() if pd.notna(n)},
            ),
        ):
            table = capacity.sent_by(sent, referrals, column, names_of)
            out.append(
                Panel(
                    name=f"provider_by_{what}",
                    title=title,
                    caption=(
                        "How to read this: people sent in the period by the reasons on their "
                        "referral; someone with several reasons counts under each. "
                        if column == "reasons"
                        else f"How to read this: people sent in the period by the {what} on "
                        "their referral (the 30 largest drawn). "
                    )
                    + ending,
                    level=level,
                    table=table,
                    spec=Spec(counts=("sent",)),
                    labels={"name": what.capitalize(), "sent": "People sent"},
                    chart=lambda v, t=title: capacity_charts.ranked_bars(
                        v, "sent", t, "People sent"
                    ),
                    empty="Nobody was sent in the period (or all counts are 1-7, hidden).",
                    rank=("sent",),
                    download=f"Download people sent by {what} (CSV)",
                )
            )
    return out


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
    dataset: Dataset, selection: Selection, level: Level, default_cost: float
) -> list[Panel]:
    """Funding follows the referral: per provider and financial year, the value of the work
    it took on (from each asset-year's counts as shown) against the money it received for
    social prescribing, pro rata for the part of each year in the period; the place's totals
    from the table's cells as shown."""
    assets = selected_assets(dataset, selection)
    start, end = selection.start, selection.end
    work = funding.work_by_asset_year(
        assets, dataset.table("connections"), start, end, default_cost
    )
    funded, check = funding.funding_received(
        dataset.table("funding"), capacity.provider_of(assets), start, end
    )
    everywhere = set(capacity.provider_of(dataset.table("assets")))
    check.no_assets = [p for p in check.no_assets if p not in everywhere]
    names = pd.Series(provider_names(dataset, assets))
    panel = Panel(
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
        table=funding.funding_gap(work, funded, names),
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
    totals = funding.gap_totals(panel.disclosed.values)
    years = funding.financial_years_in(start, end)
    part = years[years["months_in_period"] < 12]
    notes = list(check.notes())
    assumed = int(work.drop_duplicates("asset_id")["cost_assumed"].sum())
    if assumed:
        notes.append(
            f"Assumption: {assumed:,} asset(s) state no cost per person; their work is "
            f"valued at £{default_cost:,.0f} a person (set above)."
        )
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
    cards = Panel(
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
    return [cards, panel]


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


COST_LABELS = {
    "average_wte": "Average WTE in post",
    "salary_gbp": "Salary a year (£)",
    "cost_gbp": "Cost in period (£)",
    "held_referrals": "Referrals its link workers took on",
    "referrals": "Referrals from the place",
    "place_cost_gbp": "The place's share of the cost (£)",
    "eligible": "Old enough to judge (90 days)",
    "connected": "Connected within 90 days",
    "connected_pct": "% connected within 90 days",
    "too_recent": "Too recent to judge",
    "cost_per_connected_gbp": "£ per person connected",
}
CASELOAD_LABELS = {
    "open_referrals": "Open referrals from the place",
    "held_referrals": "Open referrals its link workers hold",
    "wte": "WTE in post",
    "caseload_per_wte": "Open referrals per WTE",
}


def link_worker_panels(
    dataset: Dataset, selection: Selection, level: Level, salary: float
) -> list[Panel]:
    """For the chosen place: the cost of its link workers per person connected within 90 days,
    their caseload per WTE by month and by employer, and the place's wait from referral to
    first contact."""
    referrals, workers = dataset.table("referrals"), dataset.table("link_workers")
    start, end = selection.start, selection.end
    ending = disclosure_caption(level)
    place = in_place(referrals, dataset, selection)
    serving = funding.service(referrals, workers, place, start, end)
    first = dataset.derived(
        "first_started",
        lambda: referral_metrics.first_started(referrals, dataset.table("connections")),
    )
    cost = funding.link_worker_cost(
        serving,
        dataset.table("connections"),
        start,
        end,
        overview_metrics.as_at(dataset),
        salary,
        first,
    )
    # who serves the place rests on the count of its referrals each link worker holds: those
    # counts are the basis of every panel of the service
    workers_basis = {"workers": (serving.by_worker, funding.WORKER_SPEC)}
    local = selection.place_kind != WHOLE and serving.named
    whose = (
        "the link workers who hold the place's referrals (every referral they hold, from any "
        "place, is their caseload)"
        if local
        else "the link workers"
    )
    costed = Panel(
        name="link_worker_cost",
        title="Cost per person connected",
        caption=f"How to read this: the whole-time equivalent in post each month of the period "
        f"of {whose}, costed at £{salary:,.0f} a year each (salary and on-costs: an "
        "assumption you set above). The place's share of that cost follows its share of the "
        "referrals they took on in the period; it is divided by the people its referrals "
        "connect: the referrals made in the period x the share connected (started at an asset) "
        "within 90 days, among those made at least 90 days before the data end (a newer "
        "referral has not had its 90 days, so it is too recent to judge, not unconnected). "
        "All from the counts shown. " + ending,
        level=level,
        table=cost,
        spec=funding.COST_SPEC,
        basis=workers_basis,
        labels=COST_LABELS,
        answer=_cost_answer,
        download="Download link-worker cost (CSV)",
    )
    row, marks = costed.disclosed.values.iloc[0], costed.disclosed.marks.iloc[0]
    each = row["cost_per_connected_gbp"]
    costed.cards = (
        Card("Average WTE in post", f"{row['average_wte']:,.1f}", "From link_workers.csv."),
        Card(
            "Link-worker cost in period",
            f"£{row['cost_gbp']:,.0f}",
            f"WTE-months / 12 x £{salary:,.0f}, for {whose}.",
        ),
        Card(
            "£ per person connected",
            (marks["cost_per_connected_gbp"] or "–") if pd.isna(each) else f"£{each:,.0f}",
            "The place's share of the cost / the people its referrals connect within 90 days, "
            "from the counts shown.",
        ),
    )
    loads = funding.caseload(serving, start, end)
    waits = funding.wait_to_contact(selected_referrals(dataset, selection), start, end)
    who = Panel(
        name="link_worker_workers",
        title="The link workers who hold the place's referrals",
        caption="How to read this: each link worker named on any of the place's referrals open "
        "during the period, with how many of them; the panels above and below count their "
        "whole caseload and whole-time equivalent. " + ending,
        level=level,
        table=serving.by_worker,
        spec=funding.WORKER_SPEC,
        labels={
            "link_worker_id": "Link worker",
            "employer": "Employer",
            "wte": "WTE",
            "place_referrals": "The place's referrals held in the period",
        },
        download="Download the place's link workers (CSV)",
    )
    return [
        costed,
        *([who] if local else []),
        Panel(
            name="link_worker_caseload",
            title="Caseload per whole-time link worker",
            caption="How to read this: referrals open at each month's end (referred and not yet "
            f"closed): the place's, and all those held by {whose}, per whole-time-equivalent "
            "link worker in post then. " + ending,
            level=level,
            table=loads,
            spec=funding.CASELOAD_SPEC,
            basis=workers_basis,
            labels={"label": "Month", **CASELOAD_LABELS},
            chart=capacity_charts.caseload_chart,
            empty="No link worker in post, or no open referrals, in the period.",
            download="Download caseload by month (CSV)",
        ),
        Panel(
            name="link_worker_employers",
            title=f"Caseload by employer on {end:%d %b %Y}",
            caption="How to read this: referrals open at the end of the period held by each "
            f"employer's link workers (a PCN or organisation, from link_workers.csv), of {whose}"
            ", per whole-time equivalent in post then. " + ending,
            level=level,
            table=funding.caseload_by_employer(serving, end),
            spec=funding.CASELOAD_SPEC,
            basis=workers_basis,
            labels={"employer": "Employer", **CASELOAD_LABELS},
            rank=("caseload_per_wte", "held_referrals"),
            download="Download caseload by employer (CSV)",
        ),
        Panel(
            name="link_worker_wait",
            title="Wait from referral to first contact",
            caption="How to read this: for the place's referrals made each month, the median "
            "days to first contact and the days within which 9 in 10 of those contacted were; "
            "shown only for months with 30 or more people contacted. " + ending,
            level=level,
            table=waits,
            spec=funding.WAIT_SPEC,
            labels={
                "label": "Month of referral",
                "referrals": "Referrals",
                "contacted": "Contacted",
                "median_days": "Median days",
                "p90_days": "9 in 10 within (days)",
            },
            chart=capacity_charts.wait_chart,
            empty="Too few people contacted in any month to show the wait (fewer than 30).",
            download="Download wait to first contact (CSV)",
        ),
    ]


def _cost_answer(values: pd.DataFrame) -> str:
    """The link-worker cost in a sentence, from the row shown."""
    row = values.iloc[0]
    share, each = row["connected_pct"], row["cost_per_connected_gbp"]
    if pd.isna(share):
        return (
            "Too few of the place's referrals are old enough, or shown, to say what share is "
            "connected within 90 days, so there is no cost per person connected."
        )
    return (
        f"{share:,.0f}% of the place's referrals old enough to judge were connected within 90 "
        "days; at that share its link workers cost "
        + ("an amount that cannot be shown" if pd.isna(each) else f"£{each:,.0f}")
        + " per person connected."
    )


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
    growth = scenario.growth
    names = provider_names(dataset, assets)
    year, sp = funding.latest_year_funding(dataset.table("funding"))
    moved = sp.copy()
    for source, target, amount in scenario.moves:
        moved[source] = moved.get(source, 0.0) - amount
        moved[target] = moved.get(target, 0.0) + amount
    overdrawn = sorted(p for p, v in moved.items() if v < 0)

    def rows(chosen: capacity.Scenario, by: str, money: pd.Series | None) -> dict:
        """A panel's table, spec and basis (its assets as shown) for `chosen`."""
        table = capacity.scenario_rows(base, chosen, by)
        table["name"] = capacity.named(table["group"], names if by == "provider" else None)
        if money is not None:
            table["funding_gbp"] = table["group"].map(money).astype(float).fillna(0.0).round(0)
        each = capacity.scenario_assets(base, chosen, default_cost)
        return {
            "table": table,
            "spec": capacity.scenario_spec(chosen.growth, by),
            "basis": {"assets": (each, capacity.scenario_spec(chosen.growth))},
        }

    baseline = Panel(
        name="whatif_now",
        title="",
        caption="",
        level=level,
        show_table=False,
        **rows(capacity.Scenario(), "provider", sp),
    )
    provider_panel = Panel(
        name="whatif_providers",
        title="What if: providers in the next 12 months",
        caption=f"How to read this: each provider's demand in the 12 months to "
        f"{selection.end:%b %Y}, grown by {growth * 100:+.0f}%, against its capacity with what "
        "you added. People beyond capacity (who would wait or be turned away) are counted "
        "asset by asset: spare room at one asset does not take another's people. The value of "
        "work (people who would start, at each asset's share who started in the last 12 "
        "months, x its cost per person) is set against the provider's funding "
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
        **rows(scenario, "provider", moved),
    )
    then, before = provider_panel.disclosed.values, baseline.disclosed.values

    def over(values: pd.DataFrame) -> int:
        return int(capacity.ratings(values).str.startswith("over").sum())

    def beyond(values: pd.DataFrame) -> float:
        return float(values["beyond_capacity"].astype("Float64").fillna(0).sum())

    def unfunded(values: pd.DataFrame) -> float:
        return float(values["gap_gbp"].astype("Float64").fillna(0).clip(lower=0).sum())

    notes = []
    if overdrawn:
        notes.append(
            "Moving that much leaves "
            + ", ".join(str(names.get(p, p)) for p in overdrawn)
            + " with less than nothing: check the amount."
        )
    if year is None:
        notes.append("No usable funding.csv rows: funding counts as £0.")
    cards = Panel(
        name="whatif_headlines",
        title="",
        caption="",
        level=level,
        show_table=False,
        cards=(
            Card(
                "Providers over capacity",
                f"{over(then):,}",
                "Over 100% of stated capacity in the next 12 months, under this scenario.",
                change=f"{over(then) - over(before):+,} against nothing changed",
            ),
            Card(
                "People beyond capacity",
                f"{beyond(then):,.0f}",
                "Who would wait or be turned away in the next 12 months (from counts shown).",
                change=f"{beyond(then) - beyond(before):+,.0f} against nothing changed",
            ),
            Card(
                "Unfunded work",
                f"£{unfunded(then):,.0f}",
                "Total of providers' positive gaps, next 12 months.",
                change=_pounds_change(unfunded(then) - unfunded(before))
                + " against nothing changed",
            ),
        ),
        notes=tuple(notes),
    )
    category_panel = Panel(
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
        **rows(scenario, "category", None),
    )
    return [cards, provider_panel, category_panel]


def _hidden_assets_note(values: pd.DataFrame) -> tuple[str, ...]:
    """The assets left out of people beyond capacity and the value of work, from the table."""
    hidden = int(values["hidden_assets"].astype("Float64").fillna(0).sum())
    if not hidden:
        return ()
    return (
        f"{hidden:,} asset(s) sent 1-7 people in the last 12 months (hidden) are left out "
        "of people beyond capacity and the value of work.",
    )


def _pounds_change(amount: float) -> str:
    """+£1,200 or -£300."""
    return f"{'-' if amount < 0 else '+'}£{abs(amount):,.0f}"


def forecast_data(dataset: Dataset, selection: Selection, level: Level, horizon: int = 12):
    """Forecasts of people sent a month to the chosen assets, for the whole place and each
    category, from the last whole month of the data, fitted on the monthly counts as shown at
    `level` (the heavy part: cache it)."""
    assets = selected_assets(dataset, selection)
    connections = dataset.table("connections")
    connections = connections[connections["asset_id"].isin(set(assets["asset_id"]))]
    last = forecast.last_complete_month(selection.end)
    category = connections["asset_id"].map(assets.set_index("asset_id")["category"])
    series = forecast.monthly_series(connections, last)
    series.update(forecast.monthly_series(connections, last, category))
    names = {"all": "All categories (the whole place)"}
    return forecast.forecast_table(series, level, horizon, names)


def provider_forecast_data(
    dataset: Dataset, selection: Selection, level: Level, provider: str, horizon: int = 12
):
    """One provider's forecast (asked for with a button: one model, not one per provider),
    fitted on its monthly counts as shown at `level`."""
    mine = set(_provider_assets(dataset, selection, provider)["asset_id"])
    connections = dataset.table("connections")
    connections = connections[connections["asset_id"].isin(mine)]
    series = forecast.monthly_series(connections, forecast.last_complete_month(selection.end))
    series = dict(zip([provider], series.values(), strict=False))
    return forecast.forecast_table(series, level, horizon, {provider: "this provider"})


METHOD_LABELS = {
    "name": "Series",
    "method": "Method",
    "reason": "Why not the model",
    "months": "Months of data",
    "next_months": "People forecast, next months",
    "mape_pct": "Backtest MAPE (%)",
    "mase": "Backtest MASE",
    "naive_mape_pct": "Last year's figures: MAPE (%)",
    "naive_mase": "Last year's figures: MASE",
}
MODEL_WHY = (
    f"Forecasts use {forecast.ETS} from statsmodels (ETSModel): exponential smoothing with "
    "additive errors, a damped trend and a 12-month seasonal pattern, because demand has a "
    "strong yearly rhythm, a trend that should flatten rather than run on, and counts that "
    "can be zero; its state-space form gives the 80% prediction interval (the shaded band). "
    "With under 24 months, or mostly empty months, a seasonal naive forecast is used (each "
    "month as the same month last year). The model is fitted on the monthly counts as shown "
    "(rounded, a hidden month taken as 4), never on exact ones. The backtest fits on all but "
    "the last 6 whole months and forecasts them: MAPE is the average % error, MASE the error "
    "over that of last year's figures (under 1 beats them); the last two columns score last "
    "year's figures themselves on the same months, for comparison."
)


def forecast_panels(
    table: pd.DataFrame,
    methods: pd.DataFrame,
    level: Level,
    horizon: int,
    category: str | None = None,
    label: str = "",
) -> list[Panel]:
    """The whole place's (or a provider's) forecast, a chosen category's, and every
    series' method and backtest error (`forecast_data`, fitted at `level`); figures of
    people disclosed as counts."""
    ending = disclosure_caption(level)
    months = table["forecast"].isna() | (
        table.groupby("group").cumcount()
        - table["actual"].notna().groupby(table["group"]).transform("sum")
        < horizon
    )
    table = table[months]
    labels = {
        "name": "Series",
        "month": "Month",
        "actual": "Recorded",
        "forecast": "Forecast",
        "lower": "80% interval: low",
        "upper": "80% interval: high",
    }
    out = []
    groups = (
        [g for g in dict.fromkeys(table["group"]) if g == "all" or g == category]
        if category is not None
        else list(dict.fromkeys(table["group"]))
    )
    for group in groups:
        rows = table[table["group"] == group].reset_index(drop=True)
        title = str(rows["name"].iloc[0]) if len(rows) else group
        out.append(
            Panel(
                name=f"forecast_{label}{'all' if group == 'all' else 'series'}",
                title=f"Forecast: {title}",  # a category (one of the contract's) or fixed words
                caption="How to read this: people sent a month, recorded (solid) and forecast "
                f"(dashed) for the next {horizon} months, with the 80% interval shaded. The "
                "model is fitted on the months as shown; forecast figures are counts of people "
                "and disclosed as such. " + ending,
                level=level,
                table=rows.assign(month=rows["month"].astype(str)),
                spec=forecast.FORECAST_SPEC,
                labels=labels,
                chart=lambda v, t=title: capacity_charts.forecast_chart(
                    v, f"People sent a month: {t}"
                ),
                empty="Nothing to forecast (no one sent, or all counts hidden).",
                show_table=False,
                answer=lambda v, h=horizon: forecast_answer(v, h),
                download=f"Download forecast: {title} (CSV)",
            )
        )
    if len(methods):
        ahead = table.groupby("group")["forecast"].sum()  # over the months chosen
        methods = methods.assign(next_months=methods["group"].map(ahead).astype(float))
        out.append(
            Panel(
                name=f"forecast_{label}methods",
                title="How each forecast was made, and how well it did",
                caption=MODEL_WHY + " Errors show only for series with 30 or more people in "
                "the held-out months. " + ending,
                level=level,
                table=methods,
                spec=forecast.METHOD_SPEC,
                labels={**METHOD_LABELS, "next_months": f"People forecast, next {horizon} months"},
                rank=("next_months",),
                download="Download forecast methods and errors (CSV)",
            )
        )
    return out


def forecast_answer(values: pd.DataFrame, horizon: int) -> str:
    """A forecast in a sentence, from the figures shown: the first month's forecast and its
    80% interval, and the months it runs."""
    future = values[values["future"].astype(bool)]
    if future.empty:
        return ""
    first = future.iloc[0]

    def said(value) -> str:
        return "fewer than 8" if pd.isna(value) else f"{value:,.0f}"

    return (
        f"Forecast for {pd.Timestamp(first['month_start']):%B %Y}: {said(first['forecast'])} "
        f"people sent (80% interval {said(first['lower'])} to {said(first['upper'])}); the "
        f"forecast runs {horizon} months."
    )
