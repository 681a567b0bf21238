"""Link workers, for the chosen place: what they cost per person connected within 90 days,
their caseload per whole-time equivalent by month and by employer, and the wait from referral
to first contact. Figures from the counts as shown (`funding.COST_SPEC`, `CASELOAD_SPEC`,
`WAIT_SPEC`), resting on who serves the place (`funding.WORKER_SPEC`, each panel's basis).
"""

from __future__ import annotations

import pandas as pd

from socialrx.data.dataset import Dataset
from socialrx.disclosure import Level
from socialrx.metrics import funding
from socialrx.metrics import overview as overview_metrics
from socialrx.metrics.selection import (
    WHOLE,
    Selection,
    first_started,
    in_place,
    selected_referrals,
)
from socialrx.views import capacity_charts
from socialrx.views.panels import Card, Panel, disclosure_caption

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
    place = in_place(referrals, dataset, selection)
    serving = funding.service(referrals, workers, place, start, end)
    first = first_started(dataset)
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
    basis = {"workers": (serving.by_worker, funding.WORKER_SPEC)}
    local = selection.place_kind != WHOLE and serving.named
    whose = (
        "the link workers who hold the place's referrals (every referral they hold, from any "
        "place, is their caseload)"
        if local
        else "the link workers"
    )
    waits = funding.wait_to_contact(selected_referrals(dataset, selection), start, end)
    return [
        _cost_panel(cost, basis, whose, salary, level),
        *([_workers_panel(serving.by_worker, level)] if local else []),
        _caseload_panel(funding.caseload(serving, start, end), basis, whose, level),
        _employers_panel(funding.caseload_by_employer(serving, end), basis, whose, end, level),
        _wait_panel(waits, level),
    ]


def _cost_panel(cost: pd.DataFrame, basis: dict, whose: str, salary: float,
                level: Level) -> Panel:  # fmt: skip
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
        "All from the counts shown. " + disclosure_caption(level),
        level=level,
        table=cost,
        spec=funding.COST_SPEC,
        basis=basis,
        labels=COST_LABELS,
        answer=_cost_answer,
        download="Download link-worker cost (CSV)",
    )
    costed.cards = _cost_cards(costed, whose, salary)
    return costed


def _cost_cards(costed: Panel, whose: str, salary: float) -> tuple[Card, ...]:
    """The cost panel's headline, quoting its row as shown."""
    row, marks = costed.disclosed.values.iloc[0], costed.disclosed.marks.iloc[0]
    each = row["cost_per_connected_gbp"]
    return (
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


def _workers_panel(by_worker: pd.DataFrame, level: Level) -> Panel:
    return Panel(
        name="link_worker_workers",
        title="The link workers who hold the place's referrals",
        caption="How to read this: each link worker named on any of the place's referrals open "
        "during the period, with how many of them; the panels above and below count their "
        "whole caseload and whole-time equivalent. " + disclosure_caption(level),
        level=level,
        table=by_worker,
        spec=funding.WORKER_SPEC,
        labels={
            "link_worker_id": "Link worker",
            "employer": "Employer",
            "wte": "WTE",
            "place_referrals": "The place's referrals held in the period",
        },
        download="Download the place's link workers (CSV)",
    )


def _caseload_panel(loads: pd.DataFrame, basis: dict, whose: str, level: Level) -> Panel:
    return Panel(
        name="link_worker_caseload",
        title="Caseload per whole-time link worker",
        caption="How to read this: referrals open at each month's end (referred and not yet "
        f"closed): the place's, and all those held by {whose}, per whole-time-equivalent "
        "link worker in post then. " + disclosure_caption(level),
        level=level,
        table=loads,
        spec=funding.CASELOAD_SPEC,
        basis=basis,
        labels={"label": "Month", **CASELOAD_LABELS},
        chart=capacity_charts.caseload_chart,
        empty="No link worker in post, or no open referrals, in the period.",
        download="Download caseload by month (CSV)",
    )


def _employers_panel(loads: pd.DataFrame, basis: dict, whose: str, end: pd.Timestamp,
                     level: Level) -> Panel:  # fmt: skip
    return Panel(
        name="link_worker_employers",
        title=f"Caseload by employer on {end:%d %b %Y}",
        caption="How to read this: referrals open at the end of the period held by each "
        f"employer's link workers (a PCN or organisation, from link_workers.csv), of {whose}"
        ", per whole-time equivalent in post then. " + disclosure_caption(level),
        level=level,
        table=loads,
        spec=funding.CASELOAD_SPEC,
        basis=basis,
        labels={"employer": "Employer", **CASELOAD_LABELS},
        rank=("caseload_per_wte", "held_referrals"),
        download="Download caseload by employer (CSV)",
    )


def _wait_panel(waits: pd.DataFrame, level: Level) -> Panel:
    return Panel(
        name="link_worker_wait",
        title="Wait from referral to first contact",
        caption="How to read this: for the place's referrals made each month, the median "
        "days to first contact and the days within which 9 in 10 of those contacted were; "
        "shown only for months with 30 or more people contacted. " + disclosure_caption(level),
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
    )


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
