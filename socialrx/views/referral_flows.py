"""The referral flows page: referrals by month, where people were sent, and referral rates by
practice and by deprivation."""

from __future__ import annotations

from socialrx import charts, referrals
from socialrx.dataset import Dataset
from socialrx.disclosure import Level, describe
from socialrx.panels import Panel, disclosure_caption
from socialrx.selection import (
    Selection,
    selected_area_stats,
    selected_practices,
    selected_referrals,
)

DECILE_NOTE = (
    "Decile 1 is the most deprived 10% of small areas in England where deciles come from the "
    "official Indices of Deprivation (the IoD files, and the demo's real IMD 2019); a decile "
    "column made locally means what its maker made it mean."
)


def monthly_panel(refs, selection: Selection, level: Level) -> Panel:
    table = referrals.monthly_referrals(refs, selection.start, selection.end)
    return Panel(
        name="referrals_per_month",
        title="Referrals per month",
        caption="How to read this: each point is the number of referrals received that month; "
        "a gap is a month of 1-7 people, hidden. A hollow point is a month the period only "
        "partly covers. " + disclosure_caption(level),
        level=level,
        table=table,
        spec=referrals.MONTHLY_SPEC,
        labels={"month": "Month", "referrals": "Referrals", "partial": "Month partly covered"},
        chart=lambda shown: charts.monthly_referrals_chart(shown, describe(level, short=True)),
        empty="No month in this place and period has more than 7 referrals to show.",
        show_table=False,
    )


def pathway_panel(refs, dataset: Dataset, level: Level) -> Panel:
    links = referrals.pathway_flows(refs, dataset.table("connections"), dataset.table("assets"))
    nodes = referrals.PATHWAY_SPEC.disclose(referrals.pathway_nodes(links), level).values
    hidden = int((referrals.PATHWAY_SPEC.disclose(links, level).marks["count"] == "*").sum())
    note = (
        f" {hidden:,} flow{'s' if hidden != 1 else ''} of 1-7 people "
        f"{'is' if hidden == 1 else 'are'} not drawn, so bands do not add up to the boxes."
        if hidden
        else ""
    )
    return Panel(
        name="referral_pathways",
        title="Where people were sent",
        caption="How to read this: left, who referred (each box is that many referrals); "
        "middle, the kind of asset each referral was first sent to, or not sent anywhere; "
        "right, what happened at that first asset. Every band counts referrals. Hover over a "
        "box for its own total, disclosed separately." + note + " " + disclosure_caption(level),
        level=level,
        table=links,
        spec=referrals.PATHWAY_SPEC,
        labels={"step": "Step", "source": "From", "target": "To", "count": "Referrals"},
        chart=lambda shown: charts.pathway_sankey(shown, nodes),
        empty="No flows to draw: there are none, or each rests on 1-7 people (hidden).",
        show_table=False,
    )


def practice_panel(refs, dataset: Dataset, selection: Selection, level: Level) -> Panel:
    per_year = selection.per_year
    table = referrals.practice_rates(refs, selected_practices(dataset, selection), per_year)
    with_rate = selection.by_registration
    labels = {
        "practice_code": "Practice code",
        "name": "Practice",
        "pcn_name": "PCN",
        "list_size": "Registered adults",
        "referrals": "Adult referrals",
    }
    if with_rate:
        labels["rate_per_1000"] = "Referrals per 1,000 registered adults a year"
    caption = (
        "Adult referrals in the period per 1,000 registered adults (list size, 18 and over), "
        "as a yearly rate over the months chosen; `–` where the list size is not known. "
        "Ranked by the rate shown."
        if with_rate
        else "Adult referrals in the period from people living in the chosen areas, by their "
        "registered practice. No rate: the areas hold only part of each practice's list."
    )
    return Panel(
        name="referrals_by_practice",
        title="Referrals by practice",
        caption=caption + " " + disclosure_caption(level),
        level=level,
        table=table,
        spec=referrals.practice_spec(per_year, with_rate),
        labels=labels,
        rank=("rate_per_1000",) if with_rate else ("referrals",),
    )


def deprivation_panel(refs, dataset: Dataset, selection: Selection, level: Level) -> Panel:
    stats = selected_area_stats(dataset, selection)
    per_year = selection.per_year
    by_residence = selection.by_residence
    table = referrals.referrals_by_deprivation(refs, stats, per_year)
    measure = "rate_per_1000" if by_residence else "share_pct"
    reading = (
        "adult referrals per 1,000 adults living in each IMD decile a year; bars falling to the "
        "right mean referrals reach the most deprived areas most. Areas with no population in "
        "area_stats are left out of the rate."
        if by_residence
        else "the share of the chosen practices' adult referrals from people living in each "
        "IMD decile. A rate per 1,000 residents would be wrong here: a practice's patients are "
        "only part of each area's population. Choose areas or the whole dataset for rates."
    )
    labels = {
        "imd_decile": "IMD decile",
        "referrals": "Adult referrals",
        "share_pct": "Share of referrals (%)",
    }
    if by_residence:
        labels |= {
            "population_adult": "Adults living there",
            "rate_per_1000": "Referrals per 1,000 adults a year",
        }
    return Panel(
        name="referrals_by_deprivation",
        title="Referrals by deprivation",
        caption=f"How to read this: {reading} {DECILE_NOTE} " + disclosure_caption(level),
        level=level,
        table=table,
        spec=referrals.deprivation_spec(per_year, by_residence),
        labels=labels,
        chart=lambda shown: charts.rate_by_decile_chart(shown, measure),
        empty="No deprivation figures to draw: no adult referrals with a known area, too few "
        "to show, or the areas have no population in area_stats.",
        show_table=False,
    )


def panels(dataset: Dataset, selection: Selection, level: Level) -> list[Panel]:
    """The page's panels for what the dataset holds (the page says what is missing)."""
    refs = selected_referrals(dataset, selection)
    out = [monthly_panel(refs, selection, level)]
    if dataset.has("connections"):
        out.append(pathway_panel(refs, dataset, level))
    if dataset.has("practices"):
        out.append(practice_panel(refs, dataset, selection, level))
    if selected_area_stats(dataset, selection)["imd_decile"].notna().any():
        out.append(deprivation_panel(refs, dataset, selection, level))
    return out
