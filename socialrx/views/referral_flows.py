"""The referral flows page: referrals by month, where people were sent, and referral rates by
practice and by deprivation."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from socialrx.data.dataset import Dataset
from socialrx.disclosure import Level, Share, Spec, Statistic, describe
from socialrx.escape import html_text
from socialrx.metrics import catchments, equity, gaps, overview, pathway, referrals, spc
from socialrx.metrics.selection import (
    Selection,
    connections_of,
    data_period,
    in_place,
    practices_of,
    selected_area_stats,
    selected_practices,
    selected_referrals,
)
from socialrx.views import charts, spc_charts
from socialrx.views.panels import Panel, disclosure_caption

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
    links = referrals.pathway_flows(refs, connections_of(dataset, refs), dataset.table("assets"))
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
    table = equity.rates_by_deprivation(refs, stats, per_year)
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
        spec=equity.deprivation_rates_spec(per_year, by_residence),
        labels=labels,
        chart=lambda shown: charts.rate_by_decile_chart(shown, measure),
        empty=gaps.deprivation_gap(refs, stats, by_residence)
        or "No deprivation figure to draw: each rests on 1-7 referrals (hidden).",
        show_table=False,
    )


RESIDENCE_TITLE = "Where the practices' patients live: referrals per 1,000 registered patients"
LOAD_REGISTRATIONS = (
    "Load NHS Digital's registered patients by area to see where a practice's or PCN's "
    "patients live and how often they are referred from each area: gp-reg-pat-prac-lsoa-all.csv "
    "from \u201cPatients registered at a GP practice\u201d (quarterly; the zip as downloaded "
    "will do), or registrations.csv (practice_code, area_code, patients)."
)
CHOOSE_PRACTICES = (
    "Choose a PCN or practice in the sidebar (Place) to see where its registered patients live "
    "and its referral rate in each area of its catchment."
)


def residence_chart(shown: pd.DataFrame) -> go.Figure | None:
    """The catchment's areas, most registered patients first: referrals per 1,000 of the
    practices' registered patients living there a year; None when no rate is above 0."""
    inside = shown[shown["in_catchment"] == "yes"].head(40)
    if not inside["rate_per_1000"].fillna(0).gt(0).any():
        return None
    names = inside["area_name"].fillna("").astype(str)
    label = [html_text(f"{n} ({c})" if n else c) for n, c in zip(names, inside["area_code"],
                                                                 strict=True)]  # fmt: skip
    fig = go.Figure(
        go.Bar(
            x=inside["rate_per_1000"].astype(float),
            y=label,
            orientation="h",
            marker_color=charts.OKABE_ITO[4],
            customdata=inside["registered_patients"].astype(float),
            hovertemplate="%{y}: %{x:.1f} a year per 1,000; %{customdata:,.0f} registered"
            "<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", type="category")
    return charts.layout(fig, "Referrals per 1,000 registered patients a year, by area of the "
                         "catchment", "Referrals per 1,000 registered patients a year",
                         "Area of residence (most registered patients first)",
                         height=max(320, 24 * len(inside) + 140))  # fmt: skip


def residence_panel(refs, dataset: Dataset, selection: Selection, level: Level) -> Panel:
    """Referrals of the chosen PCN's or practices' patients by area of residence, per 1,000 of
    their registered patients living there; says what to load or choose when it cannot."""
    codes = practices_of(dataset, selection)
    if not dataset.has("registrations") or codes is None:
        empty = LOAD_REGISTRATIONS if not dataset.has("registrations") else CHOOSE_PRACTICES
        return Panel(name="referrals_by_residence", title=RESIDENCE_TITLE,
                     caption=catchments.CATCHMENT_RULE, level=level,
                     chart=lambda shown: None, empty=empty)  # fmt: skip
    registrations = dataset.table("registrations")
    catchment = catchments.catchment_of(dataset, codes)
    table = catchments.referrals_by_residence(refs, registrations, codes, selection.per_year,
                                              catchment)  # fmt: skip
    names = {}
    if dataset.areas is not None:
        names = dict(zip(dataset.areas["area_code"], dataset.areas["area_name"], strict=True))
    table.insert(1, "area_name", table["area_code"].map(names))
    table["in_catchment"] = table["in_catchment"].map({True: "yes", False: "no"})
    who = "PCN" if selection.place_kind == "PCN" else (
        "practice" if len(codes) == 1 else "practices")  # fmt: skip
    caption = (
        f"How to read this: each bar is an area of the {who}'s catchment, most of its "
        "registered patients first: the referrals of its patients living there in the period, "
        "per 1,000 of its registered patients living there, as a yearly rate. "
        f"{catchments.CATCHMENT_RULE} Registered patients are all ages (NHS Digital's file by "
        "area has no ages), and so are the referrals counted. A longer bar: its patients from "
        "that area are referred more often. The table also lists the areas outside the "
        "catchment, and referrals with no area or from an area where none of its registered "
        "patients live (no rate). " + disclosure_caption(level)
    )
    return Panel(
        name="referrals_by_residence",
        title=RESIDENCE_TITLE,
        caption=caption,
        level=level,
        table=table,
        spec=catchments.residence_spec(selection.per_year),
        labels={
            "area_code": "Area (LSOA)",
            "area_name": "Area name",
            "in_catchment": "In the catchment",
            "registered_patients": "Registered patients living there (all ages)",
            "referrals": "Referrals",
            "rate_per_1000": "Referrals per 1,000 registered patients a year",
        },
        chart=residence_chart,
        empty="No area of the catchment has a rate to draw: no referrals, or each area's rest "
        "on 1-7 people (hidden).",
    )


def panels(dataset: Dataset, selection: Selection, level: Level) -> list[Panel]:
    """The page's panels for what the dataset holds (the page says what is missing)."""
    refs = selected_referrals(dataset, selection)
    out = [monthly_panel(refs, selection, level)]
    if dataset.has("connections"):
        out.append(pathway_panel(refs, dataset, level))
    if dataset.has("practices"):
        out.append(practice_panel(refs, dataset, selection, level))
        out.append(residence_panel(refs, dataset, selection, level))
    if selected_area_stats(dataset, selection)["imd_decile"].notna().any():
        out.append(deprivation_panel(refs, dataset, selection, level))
    return out


# ---------------------------------------------------------------------------------------------
# The referral pathway and its trends: where people drop out, how long they wait, and whether
# a change is a signal (Making Data Count SPC).

SPC_SOURCE = (
    "Rules as NHS England's Making Data Count guidance sets them out; limits as the NHS-R "
    "Community's NHSRplotthedots R package computes them by default, moving ranges at or "
    "above 3.267 × their mean screened out (github.com/nhs-r-community/NHSRplotthedots, "
    "R/ptd_spc_standard.R)."
)
SPC_RULES = (
    "Special cause is a point beyond a process limit, a run of 7 on one side of the centre "
    "line, a trend of 7 rising or falling, or 2 of 3 consecutive points beyond two sigma on "
    "the same side."
)


@dataclass(frozen=True)
class PlaceSummary:
    """The pathway of one place's referrals over every month of the data, summed small
    (`pathway.StepSummary`, `pathway.EndingCounts`): worked out once per dataset and place,
    so choosing another period needs no pass over the referrals."""

    steps: pathway.StepSummary
    endings: pathway.EndingCounts
    first_month: pd.Timestamp
    as_at: pd.Timestamp
    has_connections: bool


def place_summary(dataset: Dataset, selection: Selection) -> PlaceSummary:
    """Sum the chosen place's referrals, all months of the data (the period is not used)."""
    as_at = overview.as_at(dataset)
    span = data_period(dataset)
    first = (as_at if span is None else span[0]).to_period("M").start_time
    last = max(as_at, selection.end)
    everything = replace(selection, start=first, end=last)
    referrals = dataset.table("referrals")
    keep = in_place(referrals, dataset, everything) & referrals["referral_date"].between(
        first, last
    )
    refs = referrals if keep.all() else referrals[keep]  # the whole dataset: no copy
    steps = pathway.referral_steps(refs, dataset.table("connections"), as_at)
    return PlaceSummary(
        steps=pathway.summarise_steps(steps),
        endings=pathway.count_endings(refs),
        first_month=first,
        as_at=as_at,
        has_connections=dataset.has("connections"),
    )


@dataclass(frozen=True)
class PathwayTables:
    """The pathway's exact tables for one place and period: the period's funnel, its months,
    the endings by reason and referrer, and the monthly series behind the SPC charts, which
    run from the data's first month to the period's end (an SPC chart needs more months than
    a period usually holds)."""

    funnel: pd.DataFrame
    monthly: pd.DataFrame  # the period's months, long format by step
    endings: pd.DataFrame
    trend: pd.DataFrame  # every whole month of the data to the period's end, long format
    as_at: pd.Timestamp


def pathway_tables(
    dataset: Dataset, selection: Selection, summary: PlaceSummary | None = None
) -> PathwayTables:
    """Work out the pathway's exact tables (see `PathwayTables`) from the place's summary
    (worked out here when not given)."""
    if summary is None:
        summary = place_summary(dataset, selection)
    first = min(summary.first_month, selection.start.to_period("M").start_time)
    months = pd.period_range(first, selection.end, freq="M").start_time
    period_months = pd.period_range(selection.start, selection.end, freq="M").start_time
    trend = pathway.monthly_pathway(summary.steps, months)
    funnel = pathway.pathway_funnel(summary.steps, period_months)
    if not summary.has_connections:  # no table to say who was connected: leave it out
        funnel = funnel[funnel["step"] != pathway.CONNECTED].reset_index(drop=True)
        trend = trend[trend["step"] != pathway.CONNECTED].reset_index(drop=True)
    monthly = trend[trend["month"].isin(period_months)].reset_index(drop=True)
    # the SPC series: whole months only (a month the data only partly covers would fall)
    whole = pd.DatetimeIndex(trend["month"]).to_period("M").end_time.normalize() <= summary.as_at
    return PathwayTables(
        funnel=funnel,
        monthly=monthly,
        endings=pathway.endings_by_group(summary.endings, period_months),
        trend=trend[whole].reset_index(drop=True),
        as_at=summary.as_at,
    )


def spc_months(tables: PathwayTables) -> list[pd.Period]:
    """The months an SPC baseline can be chosen from."""
    return list(pd.DatetimeIndex(tables.trend["month"].unique()).to_period("M"))


def funnel_panel(tables: PathwayTables, level: Level) -> Panel:
    return Panel(
        name="pathway_funnel",
        title="Referral pathway: where people drop out",
        caption="How to read this: each bar is the share of referrals made in the period, "
        "among those old enough to judge, that reached the step within its window (contact "
        "within 30 days, a first appointment within 60, connection within 90, completion "
        "within 182). Referrals younger than a step's window are counted as too recent to "
        "judge, not as drop-outs, so recent months do not look worse than they are. Waits "
        "are days from referral, for the people who reached the step in time (median and "
        "90th percentile: 9 in 10 waited no longer). A step reached without a recorded date "
        "(a status of engaged but no appointment date) counts, with no wait. "
        + disclosure_caption(level),
        level=level,
        table=tables.funnel,
        spec=pathway.FUNNEL_SPEC,
        labels={
            "label": "Step",
            "judged": "Referrals old enough to judge",
            "reached": "Reached the step in time",
            "share_pct": "Share reaching it (%)",
            "too_recent": "Too recent to judge",
            "median_days": "Median wait (days)",
            "p90_days": "90th percentile wait (days)",
        },
        chart=spc_charts.funnel_chart,
        empty="No share to show: no referrals old enough to judge, or too few of them.",
    )


def monthly_steps_panel(tables: PathwayTables, level: Level, measure: str) -> Panel:
    share = measure == "share_pct"
    monthly = tables.monthly
    return Panel(
        name="pathway_by_month" if share else "waits_by_month",
        title="The pathway month by month" if share else "Waits month by month",
        caption=(
            "How to read this: each line is one step; each point, among the month's "
            "referrals old enough to judge, the share that reached the step within its "
            "window. A line stops where the month's referrals are too recent to judge or too "
            "few (a gap, never a zero). "
            if share
            else "How to read this: each line is one step; each point, the median days from "
            "referral to the step for that month's referrals who reached it in time (the "
            "table also holds completion and the 90th percentile). Lower is better. A gap is "
            "a month too recent to judge or with fewer than 30 people. "
        )
        + disclosure_caption(level),
        level=level,
        table=monthly,
        spec=pathway.MONTHLY_SPEC,
        labels={
            "month": "Month of referral",
            "label": "Step",
            "referrals": "Referrals",
            "judged": "Old enough to judge",
            "reached": "Reached in time",
            "share_pct": "Share reaching it (%)",
            "median_days": "Median wait (days)",
            "p90_days": "90th percentile wait (days)",
        },
        chart=lambda shown: spc_charts.monthly_steps_chart(shown, measure),
        empty="No month has a figure to show: too recent to judge, or too few people.",
        show_table=False,
    )


def endings_panel(tables: PathwayTables, level: Level) -> Panel:
    return Panel(
        name="endings_by_reason_and_referrer",
        title="Which reasons and referrers most often end in “did not engage” or “declined”",
        caption="How to read this: among referrals made in the period that have ended "
        "(completed, declined, did not engage, closed), the share ending each way, with its "
        "95% Wilson interval: the range of shares consistent with the figures, wider for "
        "smaller groups. Intervals that do not overlap suggest a real difference. A referral "
        "with two reasons counts under both. Sorted by the share not engaging as shown. "
        + disclosure_caption(level),
        level=level,
        table=tables.endings,
        spec=pathway.ENDINGS_SPEC,
        labels={
            "kind": "Grouped by",
            "group": "Reason or referrer",
            "ended": "Ended referrals",
            "did_not_engage": "Did not engage",
            "did_not_engage_pct": "Did not engage (%)",
            "did_not_engage_low": "95% interval from (%)",
            "did_not_engage_high": "95% interval to (%)",
            "declined": "Declined",
            "declined_pct": "Declined (%)",
            "declined_low": "Declined 95% interval from (%)",
            "declined_high": "Declined 95% interval to (%)",
        },
        chart=spc_charts.endings_chart,
        empty="No share to show: no ended referrals in the period, or too few in each group.",
        rank=("reason_first", "did_not_engage_pct"),  # by the share shown, hidden ones last
    )


@dataclass(frozen=True)
class _Measure:
    name: str
    title: str
    y_title: str
    improvement: int
    direction_words: str
    floor: float | None = 0.0
    ceiling: float | None = None


SPC_MEASURES = {
    "referrals": _Measure(
        "spc_referrals",
        "Referrals per month: is a change a signal?",
        "Referrals in the month (people)",
        spc.NEITHER,
        "More referrals is neither better nor worse: a signal says demand has changed, "
        "not whether that is good (purple points).",
    ),
    "connected": _Measure(
        "spc_connected",
        "Share connected within 90 days: is a change a signal?",
        "Referrals connected within 90 days (%)",
        spc.HIGHER_IS_BETTER,
        "A higher share connected is better: a signal above the centre line is an "
        "improvement (blue), below it a concern (orange).",
        ceiling=100.0,
    ),
    "contact_wait": _Measure(
        "spc_contact_wait",
        "Median wait to first contact: is a change a signal?",
        "Median days to first contact",
        spc.LOWER_IS_BETTER,
        "A shorter wait is better: a signal below the centre line is an improvement (blue), "
        "above it a concern (orange). Waits are whole days, so each month's median is "
        "interpolated within the day it falls in (6.4: a few more waited 7 days than 6), or "
        "the chart would see no change for months and then a jump of a whole day.",
    ),
}


def spc_series(tables: PathwayTables, which: str) -> tuple[pd.DataFrame, Spec, str]:
    """One SPC measure's monthly series (exact), its disclosure spec and its value column.
    Shares and waits leave out the months too recent to have had the full window, or their
    last points would always fall (or rise)."""
    trend = tables.trend
    if which == "referrals":
        rows = trend[trend["step"] == pathway.CONTACTED]
        table = pd.DataFrame({"month": rows["month"], "value": rows["referrals"]})
        return table.reset_index(drop=True), Spec(counts=("value",)), "value"
    step = pathway.CONNECTED if which == "connected" else pathway.CONTACTED
    rows = trend[trend["step"] == step]
    rows = rows[pathway.month_fully_judged(rows["month"], tables.as_at, step)]
    if which == "connected":
        table = rows[["month", "judged", "reached"]].assign(
            value=100 * rows["reached"] / rows["judged"].where(rows["judged"] > 0)
        )
        spec = Spec(counts=("judged", "reached"), shares={"value": Share("reached", "judged")})
    else:
        table = rows[["month", "timed"]].assign(value=rows["median_days_interpolated"])
        spec = Spec(counts=("timed",), statistics={"value": Statistic("timed")})
    return table.reset_index(drop=True), spec, "value"


def _shown_limit(value: float, which: str, level: Level) -> float:
    """A centre line or limit at the precision its measure is shown: counts to the nearest 5
    at the default level, shares to a whole percent, waits to one decimal. Limits rest only
    on drawn months, but a shown mean over a baseline one month longer or shorter would
    otherwise tell that month's figure more exactly than it is shown."""
    if which == "referrals":
        if level == Level.ROUND:
            return float(np.floor(value / 5 + 0.5) * 5)
        return round(value, 0 if level == Level.SUPPRESS else 1)
    if which == "connected":
        return round(value, 0 if level != Level.OFF else 1)
    return round(value, 1)


def spc_panel(
    tables: PathwayTables, which: str, level: Level, baseline: tuple[pd.Period, pd.Period] | None
) -> Panel:
    """An XmR chart of one measure (see `SPC_MEASURES`), limits from the baseline months.

    Disclosure: the centre line and limits are worked out on exact figures, but only from
    the months that are drawn (a month of 1-7 referrals, or a share or median resting on
    fewer than 30 people, is a gap), and shown at the measure's own precision: moving the
    baseline by one month can then never single out a hidden month's figure. Signals are
    worked out on exact figures but only for drawn months, and a hidden month breaks runs and
    trends and never counts towards a rule: a signal on a hidden month, or one resting on it
    (a run of 7 through it says which side of the centre line it lies), would tell something
    of a figure that is not shown."""
    measure = SPC_MEASURES[which]
    table, spec, column = spc_series(tables, which)
    disclosed = spec.disclose(table, level)
    drawn = (disclosed.marks[column] == "") & disclosed.values[column].notna()
    months = pd.DatetimeIndex(table["month"]).to_period("M")
    in_base = (
        np.ones(len(table), bool)
        if baseline is None
        else np.asarray((months >= baseline[0]) & (months <= baseline[1]))
    )
    exact = table[column].astype(float).to_numpy()
    usable = np.where(drawn.to_numpy(), exact, np.nan)  # limits from drawn months only
    enough = int((in_base & ~np.isnan(usable)).sum()) >= spc.MIN_BASELINE
    limits = spc.xmr_limits(usable, in_base) if enough else None
    table = table.copy()
    table["signal"] = ""
    table["variation"] = spc.COMMON
    centre = None
    notes = []
    if limits is not None:
        flags = spc.signals(usable, limits, drawn.to_numpy())
        table["signal"] = [spc.describe_point(r, measure.improvement) for _, r in flags.iterrows()]
        table["variation"] = [
            spc.point_type(bool(s), int(d), measure.improvement)
            for s, d in zip(flags["special"], flags["direction"], strict=True)
        ]
        table.loc[~drawn.to_numpy(), ["signal", "variation"]] = ["", spc.COMMON]
        centre = {
            "mean": _shown_limit(limits.mean, which, level),
            "lower": _shown_limit(limits.lower, which, level),
            "upper": _shown_limit(limits.upper, which, level),
        }
        table["centre"], table["lower"], table["upper"] = (
            centre["mean"], centre["lower"], centre["upper"],
        )  # fmt: skip
        used = months[in_base & ~np.isnan(usable)]
        screened = (
            f"; {limits.screened} unusually large month-to-month jump"
            f"{'s' if limits.screened != 1 else ''} left out of the limits"
            if limits.screened
            else ""
        )
        notes.append(
            f"Centre line and limits from {len(used)} months shown, {used[0]:%b %Y} to "
            f"{used[-1]:%b %Y}{screened}. {latest_words(table, drawn.to_numpy())} "
            f"{spc.ASSURANCE_WORDS}"
        )
    else:
        table["centre"] = table["lower"] = table["upper"] = np.nan
        notes.append(
            f"No centre line or limits: the baseline holds fewer than {spc.MIN_BASELINE} "
            "months with a figure shown. Choose a longer baseline, or a place with more "
            "referrals."
            if not enough
            else "No centre line or limits: the figure did not change from month to month "
            "in the baseline, so there is no variation to set limits by."
        )
    base_dates = None
    if baseline is not None and enough:
        base_dates = (baseline[0].start_time, baseline[1].start_time)
    shown_values = {"variation": table["variation"]}

    def chart(values: pd.DataFrame):
        if which == "referrals" and not values[column].fillna(0).gt(0).any():
            return None  # only zeros and hidden months: nothing worth a chart
        points = pd.DataFrame({"month": values["month"], "value": values[column], **shown_values})
        return spc_charts.xmr_chart(
            points, centre, measure.title, measure.y_title, base_dates,
            measure.floor, measure.ceiling,
        )  # fmt: skip

    labels = {"month": "Month", **{c: c for c in spec.counts if c != column}}
    labels |= {
        column: measure.y_title,
        "centre": "Centre line",
        "lower": "Lower process limit",
        "upper": "Upper process limit",
        "signal": "Signal",
    }
    labels = {k: COUNT_WORDS.get(k, v) for k, v in labels.items()}
    return Panel(
        name=measure.name,
        title=measure.title,
        caption="How to read this (an XmR chart, as in Making Data Count): each point is a "
        "month; the solid line is the mean of the baseline months (shaded) and the dashed "
        "lines its process limits, where a stable process's months fall almost always. "
        f"{SPC_RULES} {measure.direction_words} Grey circles are common cause. A gap is a "
        "month not shown (1-7 people, or a figure resting on fewer than 30); signals are "
        "judged only on months shown. " + SPC_SOURCE + " " + disclosure_caption(level),
        level=level,
        table=table.drop(columns="variation"),
        spec=spec,
        labels=labels,
        chart=chart,
        empty="No month has a figure to show for this place.",
        show_table=False,
        notes=tuple(notes),
    )


def latest_words(table: pd.DataFrame, drawn) -> str:
    """What MDC's variation icon would say of the latest month shown, in words."""
    seen = np.flatnonzero(drawn)
    if len(seen) == 0:
        return "No month shown."
    last = table.iloc[seen[-1]]
    kind = last["variation"]
    side = ""
    if kind != spc.COMMON:
        side = " (higher)" if "higher" in last["signal"] else " (lower)"
    return f"Latest month, {last['month']:%b %Y}: {kind}{side}. {spc.ICON_WORDS[kind]}"


COUNT_WORDS = {
    "referrals": "Referrals",
    "judged": "Referrals old enough to judge",
    "reached": "Connected within 90 days",
    "timed": "People contacted in time",
}


def pathway_panels(tables: PathwayTables, level: Level) -> list[Panel]:
    """The pathway panels for the chosen period: the funnel, its months, and the endings."""
    return [
        funnel_panel(tables, level),
        monthly_steps_panel(tables, level, "share_pct"),
        monthly_steps_panel(tables, level, "median_days"),
        endings_panel(tables, level),
    ]


def spc_panels(
    tables: PathwayTables, level: Level, baseline: tuple[pd.Period, pd.Period] | None
) -> list[Panel]:
    """The SPC charts: referrals per month, share connected within 90 days, median wait to
    first contact, each with limits from the chosen baseline months."""
    present = set(tables.trend["step"])
    return [
        spc_panel(tables, which, level, baseline)
        for which in SPC_MEASURES
        if which != "connected" or pathway.CONNECTED in present
    ]


def page_panels(
    dataset: Dataset,
    selection: Selection,
    level: Level,
    baseline: tuple[pd.Period, pd.Period] | None = None,
) -> list[Panel]:
    """Everything the page shows, in its order (for the workshop pack): flows, the pathway,
    and the SPC charts with limits from `baseline` (all months by default)."""
    tables = pathway_tables(dataset, selection)
    return [
        *panels(dataset, selection, level),
        *pathway_panels(tables, level),
        *spc_panels(tables, level, baseline),
    ]
