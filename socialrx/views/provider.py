"""My organisation: one VCS provider's view for its funder, on the capacity page and in the
provider summary. Its strain is the system view's figure (`capacity.provider_spans`,
`group_spec`); every figure is worked out by the panels' specs from the counts as shown.
"""

from __future__ import annotations

import pandas as pd

from socialrx.data.dataset import Dataset
from socialrx.disclosure import Level, Spec, describe, shown
from socialrx.escape import file_slug
from socialrx.metrics import capacity
from socialrx.metrics.selection import Selection, selected_connections
from socialrx.views import capacity_charts
from socialrx.views.capacity import (
    RATING_WORDS,
    area_names,
    provider_assets,
    provider_names,
    rated_panel,
)
from socialrx.views.panels import Card, Panel, disclosure_caption
from socialrx.views.provider_outcomes import provider_outcome_panels

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


OWN_LABELS = {
    "label": "Month",
    "sent": "People sent",
    "started": "Started",
    "waiting_list": "Waiting list",
    "turned_away": "Turned away",
}
EXACT_OWN = "exact: your own records"


def own_counts_panel(dataset: Dataset, selection: Selection, level: Level, provider: str,
                     own_level: Level, by: str = "month") -> Panel | None:  # fmt: skip
    """The counts a provider holds already (people sent, started, waiting, turned away), in
    total and by month, at `own_level`: exact ("off") to the provider itself, as its role
    decides (`access.own_records_level`), else the page's `level`, by `by` (month or quarter,
    as the page's other panels are: by quarter where most monthly counts would be hidden). On
    the page only: never in a download, the provider summary or a pack."""
    mine = provider_assets(dataset, selection, provider)
    if mine.empty:
        return None
    exact = own_level == Level.OFF and level != Level.OFF
    by = "month" if exact else by  # exact, no month is hidden
    activity = capacity.provider_activity(
        mine, _sent_to(dataset, selection, mine), selection.start, selection.end, by
    )
    how = (
        f"{EXACT_OWN.capitalize()}: the people your organisation was sent, which it holds "
        "already, are shown to you exactly, here only. Every download, the printable summary "
        "and every breakdown by who they are (reasons, practices, areas, outcomes) stay "
        f"{describe(level)}."
        if exact
        else disclosure_caption(own_level)
    )
    return Panel(
        name="provider_own_counts",
        title="People sent, started, waiting and turned away"
        + (f" ({EXACT_OWN})" if exact else ""),
        caption=f"How to read this: people sent to all its assets each {by} and over the whole "
        "period; of them, those who started, were put on a waiting list, or were turned away "
        "(full, or not suitable).",
        method="" if exact else how,
        level=own_level,
        table=capacity.own_counts(activity),
        spec=capacity.own_counts_spec(),
        labels=OWN_LABELS | {"label": by.capitalize()},
        cards_from=lambda values, _basis: _own_cards(values, exact),
        on_screen_only=True,
        notes=(how,) if exact else (),
    )


def _own_cards(values: pd.DataFrame, exact: bool) -> tuple[Card, ...]:
    whole = values.iloc[-1]
    said = EXACT_OWN if exact else "as shown everywhere"
    return tuple(
        Card(OWN_LABELS[column], shown(whole[column]), f"Over the whole period ({said}).")
        for column in capacity.OWN_COUNTS
    )


def summary_file_name(provider: str) -> str:
    """The provider summary's download file name: the provider id reduced to letters, digits,
    `-` and `_` (an id from a file could hold a path or quotes)."""
    return f"summary_{file_slug(provider, 'provider')}.html"


def _sent_to(dataset: Dataset, selection: Selection, assets) -> pd.DataFrame:
    """The connections sent to these assets in the period (the period first: it is the
    cheaper filter over a million rows)."""
    chosen = selected_connections(dataset, selection)
    return chosen[chosen["asset_id"].isin(set(assets["asset_id"]))]


def choose_grain(dataset: Dataset, selection: Selection, level: Level, provider: str) -> str:
    """Month, or quarter where most of the provider's monthly counts, as shown, are hidden."""
    if level == Level.OFF:
        return "month"
    mine = provider_assets(dataset, selection, provider)
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
    mine = provider_assets(dataset, selection, provider)
    name = provider_names(dataset, mine).get(provider, provider)
    word = "quarter" if by == "quarter" else "month"
    stated = capacity.capacity_stated(mine)
    notes = []
    if stated.unstated:
        notes.append(
            f"{stated.unstated:,} of its {stated.assets:,} assets state no capacity: "
            "the people sent to them are not in its strain."
        )
    if stated.any_zero:
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
        f"and over its latest {word}s against those before.",
        method="Each span's people are counted, and shown, on their own. "
        + RATING_WORDS
        + " "
        + disclosure_caption(level),
        level=level,
        table=capacity.provider_spans(mine, sent, selection.start, selection.end, by),
        # the whole period's total beside each of its assets, checked as the system view does
        spec=capacity.group_spec(cells=True),
        basis={"cells": capacity.cells_basis(capacity.span_cells(mine, sent))},
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
    people sent, each asset, the reasons people were sent for, the practices and areas they
    came from, and their outcomes."""
    mine = provider_assets(dataset, selection, provider)
    if mine.empty:
        return []
    sent = _sent_to(dataset, selection, mine)
    activity = capacity.provider_activity(mine, sent, selection.start, selection.end, by)
    together = activity[activity["asset_id"] == "all"].reset_index(drop=True)
    return [
        provider_strain_panel(dataset, selection, level, provider, by),
        *_activity_panels(together, "quarter" if by == "quarter" else "month", level),
        _assets_panel(mine, sent, selection, level),
        *_sent_by_panels(dataset, sent, level),
        *provider_outcome_panels(dataset, level, mine, sent),
    ]


def _activity_panels(together: pd.DataFrame, word: str, level: Level) -> list[Panel]:
    """Its people sent against capacity, its strain, and what happened to them, each `word`
    (month or quarter), all its assets together."""
    spec = capacity.activity_spec()
    ending = disclosure_caption(level)
    return [
        Panel(
            name="provider_demand",
            title=f"People sent a {word}, against the capacity stated",
            caption=f"How to read this: orange bars are the people sent to all its assets each "
            f"{word}, including those put on a waiting list or turned away; the blue line is "
            f"the capacity its assets state for that {word}.",
            method=ending,
            level=level,
            table=together,
            spec=spec,
            labels=ACTIVITY_LABELS,
            chart=lambda v: capacity_charts.provider_demand_chart(v, word),
            empty="Nobody was sent to this provider in the period (or 1-7, hidden).",
            answer=lambda v: capacity.provider_demand_answer(v, word),
            download="Download the provider's figures by period (CSV)",
        ),
        Panel(
            name="provider_strain_trend",
            title="Strain and its trend",
            caption=f"How to read this: people sent to its assets that state a capacity, as a "
            f"% of that capacity, each {word}; above the 100% line is more than it says it can "
            "take.",
            method=ending,
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
            "not attend are not drawn.",
            method=ending,
            level=level,
            table=together,
            spec=spec,
            labels=ACTIVITY_LABELS,
            chart=lambda v: capacity_charts.provider_outcome_chart(v, word),
            empty="Nobody was sent in the period (or the counts are 1-7, hidden).",
            answer=lambda v: capacity.provider_outcomes_answer(v, word),
            show_table=False,
            download="Download what happened by period (CSV)",
        ),
    ]


def _assets_panel(
    mine: pd.DataFrame, sent: pd.DataFrame, selection: Selection, level: Level
) -> Panel:
    """Each of its assets rated by strain over the whole period."""
    names = mine.set_index("asset_id")["name"].astype(str)
    each = capacity.group_strain(
        mine,
        sent,
        selection.months,
        mine["asset_id"],
        pd.Series({a: f"{n} ({a})" for a, n in names.items()}),
    )
    many = len(mine) > capacity_charts.MOST
    return rated_panel(
        "provider_assets",
        "Each of its assets",
        "How to read this: each asset's strain over the whole period.",
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


def _sent_by_panels(dataset: Dataset, sent: pd.DataFrame, level: Level) -> list[Panel]:
    """The people sent by the reasons on their referral, and by the practices and areas they
    came from (none without a referrals table)."""
    if not dataset.has("referrals"):
        return []
    referrals = dataset.table("referrals")
    # the referrals of the people sent, found once (not once per breakdown)
    referrals = referrals[referrals["referral_id"].isin(set(sent["referral_id"]))]
    practices = dataset.table("practices").set_index("practice_code")["name"].dropna()
    areas = area_names(dataset)
    breakdowns = (
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
            {c: f"{n} ({c})" for c, n in areas.items() if pd.notna(n)},
        ),
    )
    return [
        _sent_by_panel(
            capacity.sent_by(sent, referrals, column, names_of), column, title, what, level
        )
        for column, title, what, names_of in breakdowns
    ]


def _sent_by_panel(table: pd.DataFrame, column: str, title: str, what: str,
                   level: Level) -> Panel:  # fmt: skip
    return Panel(
        name=f"provider_by_{what}",
        title=title,
        caption=(
            "How to read this: people sent in the period by the reasons on their "
            "referral; someone with several reasons counts under each. "
            if column == "reasons"
            else f"How to read this: people sent in the period by the {what} on "
            "their referral (the 30 largest drawn). "
        ).strip(),
        method=disclosure_caption(level),
        level=level,
        table=table,
        spec=Spec(counts=("sent",)),
        labels={"name": what.capitalize(), "sent": "People sent"},
        chart=lambda v: capacity_charts.ranked_bars(v, "sent", title, "People sent"),
        empty="Nobody was sent in the period (or all counts are 1-7, hidden).",
        rank=("sent",),
        download=f"Download people sent by {what} (CSV)",
        answer=lambda v: sent_by_answer(v, column, what),
    )


def sent_by_answer(values: pd.DataFrame, column: str, what: str) -> str:
    """The reason, practice or area most people sent came by, as shown (the rows arrive ranked
    by the count shown)."""
    shown = values[values["sent"].notna()]
    if shown.empty:
        return f"Every {what}'s count is 1-7 (hidden)."
    top = shown.iloc[0]
    how = "were most often sent for" if column == "reasons" else "came most often from"
    return f"People {how} {top['name']} ({top['sent']:,.0f} sent)."
