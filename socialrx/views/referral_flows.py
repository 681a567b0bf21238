"""The referral flows page: referrals by month, where people were sent, and referral rates by
practice and by deprivation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from socialrx.data.dataset import Dataset
from socialrx.disclosure import (
    NOT_APPLICABLE,
    SUPPRESSED,
    TOO_FEW,
    Disclosed,
    Level,
    Share,
    Spec,
    Statistic,
    describe,
)
from socialrx.escape import html_text
from socialrx.metrics import catchments, equity, gaps, overview, pathway, referrals, spc
from socialrx.metrics.selection import (
    WHOLE,
    Selection,
    everyone_pathway,
    first_month,
    first_sent,
    first_started,
    in_place,
    practices_of,
    selected_area_stats,
    selected_practices,
    selected_referrals,
)
from socialrx.views import charts, equity_answers, spc_charts
from socialrx.views.panels import Panel, Section, disclosure_caption, sections_by_name

DECILE_NOTE = (
    "Decile 1 is the most deprived 10% of small areas in England where deciles come from the "
    "official Indices of Deprivation (the IoD files, and the demo's real IMD 2019); a decile "
    "column made locally means what its maker made it mean."
)


def _months_words(months: pd.Series) -> str:
    """Months in a sentence: "Jan 2026", "Jan 2026 and Mar 2026", "Jan 2026, Mar 2026 and May
    2026"."""
    names = [f"{m:%b %Y}" for m in months]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def monthly_answer(values: pd.DataFrame) -> str:
    """The period's referrals and its busiest month, from the months as shown (the total is
    the sum of the months shown, so a hidden month keeps its 1-7)."""
    counts = values["referrals"].astype("Float64")
    if counts.isna().all():
        return ""
    months = len(values)
    hidden = int(counts.isna().sum())
    span = (
        f"in {values['month'].iloc[0]:%b %Y}"
        if months == 1
        else f"in the {months} months to {values['month'].iloc[-1]:%b %Y}"
    )
    left_out = (
        f" (not counting {hidden} month{'s' if hidden != 1 else ''} of 1-7, hidden)"
        if hidden
        else ""
    )
    total = f"{counts.sum():,.0f} referral{'s' if counts.sum() != 1 else ''} {span}{left_out}"
    if months == 1:
        return total + "."
    most = counts.max()
    busiest = values.loc[(counts == most).fillna(False).to_numpy(), "month"]
    return f"{total}; the most in {_months_words(busiest.head(3))} ({most:,.0f})."


def monthly_panel(refs, selection: Selection, level: Level) -> Panel:
    table = referrals.monthly_referrals(refs, selection.start, selection.end)
    shown_as = describe(level, short=True)
    return Panel(
        name="referrals_per_month",
        title="Referrals per month",
        caption="How to read this: each point is the number of referrals received that month; "
        "a gap is a month of 1-7 people, hidden; a hollow point, a month partly covered.",
        method=disclosure_caption(level),
        level=level,
        table=table,
        spec=referrals.MONTHLY_SPEC,
        labels={"month": "Month", "referrals": "Referrals", "partial": "Month partly covered"},
        chart=lambda shown: charts.monthly_referrals_chart(shown, shown_as),
        empty="No month in this place and period has more than 7 referrals to show.",
        show_table=False,
        answer=monthly_answer,
    )


def _name(value) -> str:
    return charts.NICE_NAMES.get(value, value)


def pathway_answer(values: pd.DataFrame) -> str:
    """Who referred most, and where people were most often first sent, from the bands drawn
    (each box is the sum of its bands: `referrals.pathway_nodes`)."""
    nodes = referrals.pathway_nodes(values)
    if nodes.empty:
        return ""
    referrers = nodes[nodes["column"] == 1].set_index("name")["out"].astype(float)
    sent = nodes[nodes["column"] == 2].set_index("name")["into"].astype(float)
    top = referrers.idxmax()
    words = f"Most referrals came from {_name(top)} ({referrers[top]:,.0f} in the bands drawn)"
    kinds = sent.drop(referrals.NOT_CONNECTED, errors="ignore")
    if len(kinds):
        kind = kinds.idxmax()
        words += f"; people were most often first sent to {kind} ({kinds[kind]:,.0f})"
    if referrals.NOT_CONNECTED in sent.index:
        words += f"; {sent[referrals.NOT_CONNECTED]:,.0f} were not sent to an asset"
    return words + "."


def hidden_flows_note(values: pd.DataFrame) -> tuple[str, ...]:
    """How many flows are not drawn (1-7 people each, hidden)."""
    hidden = int(values["count"].isna().sum())
    if not hidden:
        return ()
    return (
        f"{hidden:,} flow{'s' if hidden != 1 else ''} of 1-7 people "
        f"{'is' if hidden == 1 else 'are'} not drawn (hidden), so the boxes count only the "
        "bands drawn: each hidden flow may be any of 1-7.",
    )


def pathway_panel(refs, dataset: Dataset, level: Level) -> Panel:
    links = referrals.pathway_flows(refs, first_sent(dataset))
    return Panel(
        name="referral_pathways",
        title="Where people were sent",
        caption="How to read this: left, who referred; middle, the kind of asset each referral "
        "was first sent to, or none; right, what happened at that first asset.",
        method="Every band counts referrals, and each box is the sum of the bands drawn into it "
        "(or out of it, on the left): hover over a box for its figure. "
        + disclosure_caption(level),
        level=level,
        table=links,
        spec=referrals.PATHWAY_SPEC,
        labels={"step": "Step", "source": "From", "target": "To", "count": "Referrals"},
        chart=charts.pathway_sankey,
        empty="No flows to draw: there are none, or each rests on 1-7 people (hidden).",
        show_table=False,
        answer=pathway_answer,
        said=hidden_flows_note,
    )


def _practice_name(row: pd.Series) -> str:
    name = row["name"]
    code = row["practice_code"]
    return f"{name} ({code})" if isinstance(name, str) and name else str(code)


def practice_answer(values: pd.DataFrame, with_rate: bool) -> str:
    """The practices referring most and least, from the rates (or counts) as shown."""
    practices = values[~values["practice_code"].astype(str).str.startswith("(")]
    hidden = int(practices["referrals"].isna().sum())
    tail = (
        f" {hidden} practice{'s' if hidden != 1 else ''} with 1-7 referrals "
        f"{'is' if hidden == 1 else 'are'} hidden."
        if hidden
        else ""
    )
    column = "rate_per_1000" if with_rate else "referrals"
    figures = practices[column].astype("Float64")
    if figures.isna().all():
        return ("No practice has a figure to show." + tail).strip()
    top = practices.loc[figures.idxmax()]
    if not with_rate:
        return f"Most adult referrals: {_practice_name(top)}, {figures.max():,.0f}." + tail
    words = (
        f"Highest rate: {_practice_name(top)}, {figures.max():,.1f} referrals per 1,000 "
        "registered adults a year"
    )
    if figures.notna().sum() > 1:
        bottom = practices.loc[figures.idxmin()]
        words += f"; lowest: {_practice_name(bottom)}, {figures.min():,.1f}"
    return words + "." + tail


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
        "as a yearly rate over the months chosen, from the count as shown; “–” where the list "
        "size is not known. Ranked by the rate shown."
        if with_rate
        else "Adult referrals in the period from people living in the chosen areas, by their "
        "registered practice. No rate: the areas hold only part of each practice's list."
    )
    return Panel(
        name="referrals_by_practice",
        title="Referrals by practice",
        caption=caption,
        method=disclosure_caption(level),
        level=level,
        table=table,
        spec=referrals.practice_spec(per_year, with_rate),
        labels=labels,
        rank=("rate_per_1000",) if with_rate else ("referrals",),
        answer=lambda shown: practice_answer(shown, with_rate),
    )


def deprivation_panel(refs, dataset: Dataset, selection: Selection, level: Level) -> Panel:
    stats = selected_area_stats(dataset, selection)
    per_year = selection.per_year
    by_residence = selection.by_residence
    table = equity.rates_by_deprivation(refs, stats, per_year)
    measure = "rate_per_1000" if by_residence else "share_pct"
    reading, more = (
        (
            "adult referrals per 1,000 adults living in each IMD decile a year; bars falling to "
            "the right mean referrals reach the most deprived areas most.",
            "Areas with no population in area_stats are left out of the rate.",
        )
        if by_residence
        else (
            "the share of the chosen practices' adult referrals from people living in each "
            "IMD decile.",
            "A rate per 1,000 residents would be wrong here: a practice's patients are only "
            "part of each area's population. Choose areas or the whole dataset for rates.",
        )
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
        caption=f"How to read this: {reading}",
        method=f"{more} {DECILE_NOTE} " + disclosure_caption(level),
        level=level,
        table=table,
        spec=equity.deprivation_rates_spec(per_year, by_residence),
        labels=labels,
        chart=lambda shown: charts.rate_by_decile_chart(shown, measure),
        empty=gaps.deprivation_gap(refs, stats, by_residence)
        or "No deprivation figure to draw: each rests on 1-7 referrals (hidden).",
        show_table=False,
        # in the Equity page's words, which has these rates with their intervals
        answer=lambda shown: equity_answers.deprivation_answer(shown, "imd_decile", by_residence),
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


def _area_words(row: pd.Series) -> str:
    name = row["area_name"]
    return f"{name} ({row['area_code']})" if isinstance(name, str) and name else row["area_code"]


def residence_answer(values: pd.DataFrame) -> str:
    """How the rate varies across the catchment's areas, from the rates as shown."""
    inside = values[values["in_catchment"] == "yes"]
    rates = inside["rate_per_1000"].astype("Float64")
    hidden = int(inside["referrals"].isna().sum())
    tail = (
        f" {hidden} of its areas {'has' if hidden == 1 else 'have'} 1-7 referrals (hidden)."
        if hidden
        else ""
    )
    if rates.isna().all():
        return ("No area of the catchment has a rate to show." + tail).strip()
    top, bottom = inside.loc[rates.idxmax()], inside.loc[rates.idxmin()]
    areas = len(inside)
    if rates.notna().sum() == 1:
        words = f"In {_area_words(top)}, {rates.max():,.1f} referrals per 1,000 registered "
        return words + "patients a year." + tail
    return (
        f"Across the {areas} areas of the catchment, referrals per 1,000 registered patients a "
        f"year run from {rates.min():,.1f} in {_area_words(bottom)} to {rates.max():,.1f} in "
        f"{_area_words(top)}." + tail
    )


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
        "registered patients first: its patients' referrals there per 1,000 of them living "
        f"there, a year; a longer bar, referred more often. {catchments.CATCHMENT_RULE}"
    )
    return Panel(
        name="referrals_by_residence",
        title=RESIDENCE_TITLE,
        caption=caption,
        method="Registered patients are all ages (NHS Digital's file by area has no ages), and "
        "so are the referrals counted. The table also lists the areas outside the catchment, "
        "and referrals with no area or from an area where none of its registered patients live "
        "(no rate). " + disclosure_caption(level),
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
        answer=residence_answer,
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
    """Sum the chosen place's referrals, all months of the data (the period is not used):
    the whole dataset's from what it keeps once (`everyone_pathway`; no referral is dated
    after `as_at`, so a period ending later changes nothing)."""
    as_at, first = overview.as_at(dataset), first_month(dataset)
    if selection.place_kind == WHOLE:
        steps, endings = everyone_pathway(dataset)
    else:
        referrals = dataset.table("referrals")
        chosen = in_place(referrals, dataset, selection).to_numpy(dtype=bool)
        steps, endings = pathway.place_pathway(
            referrals, dataset.table("connections"), first, max(as_at, selection.end), as_at,
            first_started(dataset), chosen,
        )  # fmt: skip
    return PlaceSummary(
        steps=steps,
        endings=endings,
        first_month=first,
        as_at=as_at,
        has_connections=dataset.has("connections"),
    )


@dataclass(frozen=True)
class PathwayTables:
    """The pathway's exact tables for one place and period: the period's funnel, its months,
    the endings by reason and referrer, and the series behind the SPC charts, which run from
    the data's first month to the period's end (an SPC chart needs more months than a period
    usually holds), by month and by calendar quarter."""

    funnel: pd.DataFrame
    monthly: pd.DataFrame  # the period's months, long format by step
    endings: pd.DataFrame
    trend: pd.DataFrame  # every whole month of the data to the period's end, long format
    as_at: pd.Timestamp
    quarters: pd.DataFrame  # every whole calendar quarter of those months, long format


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
    quarters = pd.period_range(first, selection.end, freq="Q")
    # whole quarters only: all three months in the data and the series (a part would fall)
    last_day = min(summary.as_at, selection.end.to_period("M").end_time.normalize())
    quarters = quarters[
        (quarters.start_time >= first) & (quarters.end_time.normalize() <= last_day)
    ].start_time
    by_quarter = pathway.monthly_pathway(pathway.by_quarter(summary.steps), quarters)
    if not summary.has_connections:  # no table to say who was connected: leave it out
        funnel = funnel[funnel["step"] != pathway.CONNECTED].reset_index(drop=True)
        trend = trend[trend["step"] != pathway.CONNECTED].reset_index(drop=True)
        by_quarter = by_quarter[by_quarter["step"] != pathway.CONNECTED].reset_index(drop=True)
    monthly = trend[trend["month"].isin(period_months)].reset_index(drop=True)
    # the SPC series: whole months only (a month the data only partly covers would fall)
    whole = pd.DatetimeIndex(trend["month"]).to_period("M").end_time.normalize() <= summary.as_at
    return PathwayTables(
        funnel=funnel,
        monthly=monthly,
        endings=pathway.endings_by_group(summary.endings, period_months),
        trend=trend[whole].reset_index(drop=True),
        as_at=summary.as_at,
        quarters=by_quarter,
    )


def spc_months(tables: PathwayTables) -> list[pd.Period]:
    """The months an SPC baseline can be chosen from."""
    return list(pd.DatetimeIndex(tables.trend["month"].unique()).to_period("M"))


def _share(value) -> str:
    return f"{value:.0f}%"


def funnel_answer(values: pd.DataFrame) -> str:
    """The share connected (or contacted) in time, and where most people drop out, from the
    shares as shown."""
    rows = values.set_index("step")
    share = rows["share_pct"].astype("Float64")
    goal = pathway.CONNECTED if pathway.CONNECTED in rows.index else pathway.CONTACTED
    sentences = []
    if goal in share.index and pd.notna(share[goal]):
        what = STEP_PHRASES[goal]
        sentences.append(
            f"{_share(share[goal])} of referrals old enough to judge were {what}"
            f" ({rows.loc[goal, 'judged']:,.0f} judged)."
        )
    steps = [s for s in pathway.STEPS if s in share.index]
    drops = [
        (share[a] - share[b], a, b)
        for a, b in zip(steps, steps[1:], strict=False)
        if pd.notna(share[a]) and pd.notna(share[b])
    ]
    if drops:
        fall, a, b = max(drops, key=lambda d: d[0])
        if fall > 0:
            sentences.append(
                f"The largest drop is from {pathway.STEP_WORDS[a].lower()} "
                f"({_share(share[a])}) to {pathway.STEP_WORDS[b].lower()} ({_share(share[b])})."
            )
    return " ".join(sentences)


STEP_PHRASES = {
    pathway.CONTACTED: "contacted within 30 days",
    pathway.APPOINTMENT: "seen for a first appointment within 60 days",
    pathway.CONNECTED: "connected within 90 days",
    pathway.COMPLETED: "completed within 182 days",
}


def funnel_panel(tables: PathwayTables, level: Level) -> Panel:
    return Panel(
        name="pathway_funnel",
        title="Referral pathway: where people drop out",
        caption="How to read this: each bar is the share of referrals made in the period, "
        "among those old enough to judge, that reached the step within its window (contact "
        "within 30 days, a first appointment within 60, connection within 90, completion "
        "within 182).",
        method="Shares from the counts as shown. Referrals younger than a step's window are "
        "counted as too recent to judge, not as drop-outs, so recent months do not look worse "
        "than they are. Waits are days from referral, for the people who reached the step in "
        "time (median and 90th percentile: 9 in 10 waited no longer), shown where 30 or more "
        "people reached it. A step reached without a recorded date (a status of engaged but "
        "no appointment date) counts, with no wait. " + disclosure_caption(level),
        level=level,
        # every step but "received": its count is the period's total, which rounded on its own
        # could narrow a hidden practice or month (the months are on this page already)
        table=tables.funnel[tables.funnel["step"] != pathway.RECEIVED].reset_index(drop=True),
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
        answer=funnel_answer,
    )


def monthly_steps_answer(values: pd.DataFrame, measure: str) -> str:
    """The range of a step's monthly figure and its latest month, as shown: the share
    connected (or contacted) in time, or the median wait to first contact."""
    steps = set(values["step"])
    if measure == "share_pct":
        step = pathway.CONNECTED if pathway.CONNECTED in steps else pathway.CONTACTED
        what, unit = f"The share {STEP_PHRASES[step]}", "%"
    else:
        step, what, unit = pathway.CONTACTED, "The median wait to first contact", " days"
    rows = values[(values["step"] == step) & values[measure].notna()]
    if rows.empty:
        return ""
    figure = rows[measure].astype(float)
    places = 0 if measure == "share_pct" else 1
    latest = rows.iloc[-1]
    if len(rows) == 1:
        return f"{what} was {latest[measure]:.{places}f}{unit} in {latest['month']:%b %Y}."
    if f"{figure.min():.{places}f}" == f"{figure.max():.{places}f}":
        return (
            f"{what} was {latest[measure]:.{places}f}{unit} in each of the {len(rows)} months "
            f"shown, to {latest['month']:%b %Y}."
        )
    return (
        f"{what} ran from {figure.min():.{places}f}{unit} to {figure.max():.{places}f}{unit} "
        f"in the {len(rows)} months shown; in the latest, {latest['month']:%b %Y}, "
        f"{latest[measure]:.{places}f}{unit}."
    )


def monthly_steps_panel(tables: PathwayTables, level: Level, measure: str) -> Panel:
    share = measure == "share_pct"
    monthly = tables.monthly
    return Panel(
        name="pathway_by_month" if share else "waits_by_month",
        title="The pathway month by month" if share else "Waits month by month",
        caption=(
            "How to read this: each line is one step; each point, among the month's "
            "referrals old enough to judge, the share that reached the step within its window."
            if share
            else "How to read this: each line is one step; each point, the median days from "
            "referral to the step for that month's referrals who reached it in time; lower is "
            "better."
        ),
        method=(
            "Shares from the counts as shown. A line stops where the month's referrals are too "
            "recent to judge or too few (a gap, never a zero). "
            if share
            else "The table also holds completion and the 90th percentile. A gap is a month too "
            "recent to judge or with fewer than 30 people. "
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
        answer=lambda shown: monthly_steps_answer(shown, measure),
    )


def endings_answer(values: pd.DataFrame) -> str:
    """The reason or referrer with the highest share not engaging, and declining, as shown,
    with its interval."""
    sentences = []
    for name, words in (("did_not_engage", "did not engage"), ("declined", "declined")):
        share = values[f"{name}_pct"].astype("Float64")
        if share.isna().all():
            continue
        row = values.loc[share.idxmax()]
        sentences.append(
            f"Most often {words}: {_name(row['group'])} ({row['kind']}), "
            f"{_share(row[f'{name}_pct'])} "
            f"of {row['ended']:,.0f} ended referrals (95% interval "
            f"{row[f'{name}_low']:.0f}% to {row[f'{name}_high']:.0f}%)."
        )
    return " ".join(sentences)


def endings_panel(tables: PathwayTables, level: Level) -> Panel:
    return Panel(
        name="endings_by_reason_and_referrer",
        title="Which reasons and referrers most often end in “did not engage” or “declined”",
        caption="How to read this: among referrals made in the period that have ended, the "
        "share ending each way, with its 95% interval; intervals that do not overlap suggest a "
        "real difference.",
        method="Ended: completed, declined, did not engage or closed. Shares from the counts "
        "as shown, with the 95% Wilson interval (Wilson 1927; Newcombe 1998) over every count "
        "the shown ones allow (8-12 for a shown 10, 1-7 for a hidden one), so it is never "
        "narrower than the true interval: the range of shares consistent with the figures, "
        "wider for smaller groups. A referral with two reasons counts under both. Sorted by "
        "the share not engaging as shown. " + disclosure_caption(level),
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
        answer=endings_answer,
    )


# --- SPC: Making Data Count XmR charts of the series as shown --------------------------------

MONTH, QUARTER = "month", "quarter"
MIN_AVERAGE = 10  # people a point, on average, for an XmR chart of the series as shown


@dataclass(frozen=True)
class _Measure:
    name: str
    title: str
    y_title: str
    improvement: int
    direction_words: str
    noun: str  # the measure in a sentence
    count: str  # the count of people each point rests on (a column of the series)
    people: str  # what that count counts
    shows: str  # the verb agreeing with `noun`
    floor: float | None = 0.0
    ceiling: float | None = None


SPC_MEASURES = {
    "referrals": _Measure(
        "spc_referrals",
        "Referrals per month: is a change a signal?",
        "Referrals (people)",
        spc.NEITHER,
        "More referrals is neither better nor worse: a signal says demand has changed, "
        "not whether that is good (purple points).",
        "referrals",
        "value",
        "referrals",
        "show",
    ),
    "connected": _Measure(
        "spc_connected",
        "Share connected within 90 days: is a change a signal?",
        "Referrals connected within 90 days (%)",
        spc.HIGHER_IS_BETTER,
        "A higher share connected is better: a signal above the centre line is an "
        "improvement (blue), below it a concern (orange).",
        "the share connected within 90 days",
        "judged",
        "referrals old enough to judge",
        "shows",
        ceiling=100.0,
    ),
    "contact_wait": _Measure(
        "spc_contact_wait",
        "Median wait to first contact: is a change a signal?",
        "Median days to first contact",
        spc.LOWER_IS_BETTER,
        "A shorter wait is better: a signal below the centre line is an improvement (blue), "
        "above it a concern (orange). Waits are whole days, so each point's median is "
        "interpolated within the day it falls in (6.4: a few more waited 7 days than 6), or "
        "the chart would see no change for months and then a jump of a whole day.",
        "the median wait to first contact",
        "timed",
        "people contacted in time",
        "shows",
    ),
}


def spc_series(tables: PathwayTables, which: str, unit: str = MONTH) -> tuple[pd.DataFrame, Spec]:
    """One SPC measure's series by month or calendar quarter (exact; each point in `month`,
    its first day) and its disclosure spec: the counts, and the point (`value`) as a count,
    a share of the counts as shown, or a median of the people timed. Shares and waits leave
    out the periods too recent to have had the full window, or their last points would
    always fall (or rise)."""
    trend = tables.trend if unit == MONTH else tables.quarters
    if which == "referrals":
        rows = trend[trend["step"] == pathway.CONTACTED]
        table = pd.DataFrame({"month": rows["month"], "value": rows["referrals"]})
        return table.reset_index(drop=True), Spec(counts=("value",))
    step = pathway.CONNECTED if which == "connected" else pathway.CONTACTED
    rows = trend[trend["step"] == step]
    freq = "M" if unit == MONTH else "Q"
    rows = rows[pathway.month_fully_judged(rows["month"], tables.as_at, step, freq)]
    if which == "connected":
        table = rows[["month", "judged", "reached"]]
        spec = Spec(counts=("judged", "reached"), shares={"value": Share("reached", "judged")})
    else:
        table = rows[["month", "timed"]].assign(value=rows["median_days_interpolated"])
        spec = Spec(counts=("timed",), statistics={"value": Statistic("timed")})
    return table.reset_index(drop=True), spec


def _periods(count: int, unit: str) -> str:
    return f"{count} {unit}{'s' if count != 1 else ''}"


def period_words(month: pd.Timestamp, unit: str) -> str:
    """A point's period in words: "Jan 2026", or the quarter "Jan-Mar 2026"."""
    if unit == MONTH:
        return f"{month:%b %Y}"
    end = month + pd.DateOffset(months=2)
    return f"{month:%b}-{end:%b %Y}"


def why_not_charted(shown: Disclosed, measure: _Measure, unit: str, level: Level) -> str:
    """Why the series as shown cannot make an XmR chart at this level ("" when it can): at a
    level other than off every point must be shown (a hidden one has no value to judge, and
    limits resting on the others would say where it lies) and the points must rest on at
    least 10 people on average, or the rounding swamps the variation."""
    if not len(shown.values):
        return f"no whole {unit} in the data yet"
    if level == Level.OFF:
        return ""
    marks = shown.marks["value"]
    reasons = []
    for mark, words in (
        (SUPPRESSED, f"1-7 {measure.people} (hidden)"),
        (TOO_FEW, "a figure resting on fewer than 30 people (too few)"),
        (NOT_APPLICABLE, f"no {measure.people}"),
    ):
        count = int((marks == mark).sum())
        if count:
            reasons.append(f"{_periods(count, unit)} with {words}")
    average = shown.values[measure.count].astype("Float64").mean()
    if pd.notna(average) and average < MIN_AVERAGE:
        reasons.append(
            f"the {unit}s shown average {average:,.1f} {measure.people}, fewer than {MIN_AVERAGE}"
        )
    return "; ".join(reasons)


def _baseline_mask(months: pd.Series, unit: str, baseline) -> np.ndarray:
    """The points inside the baseline months (a quarter: all three of its months)."""
    if baseline is None:
        return np.ones(len(months), bool)
    first = pd.DatetimeIndex(months)
    last = first.to_period("M" if unit == MONTH else "Q").end_time
    return np.asarray((first >= baseline[0].start_time) & (last <= baseline[1].end_time))


def _runs_of(positions) -> list[list[int]]:
    """Consecutive positions grouped: [1, 2, 5] -> [[1, 2], [5]]."""
    runs: list[list[int]] = []
    for i in positions:
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _span(values: pd.DataFrame, run: list[int], unit: str) -> str:
    first = period_words(values["month"].iloc[run[0]], unit)
    if len(run) == 1:
        return f"in {first}"
    return f"from {first} to {period_words(values['month'].iloc[run[-1]], unit)}"


def _signal_runs(values: pd.DataFrame) -> list[list[int]]:
    """The signalled points of a series as shown, in runs of one direction."""
    special = np.flatnonzero(values["direction"].to_numpy() != 0)
    return [
        run
        for group in _runs_of(special)
        for run in _split_by_direction(group, values["direction"].to_numpy())
    ]


def _finding(values: pd.DataFrame, measure: _Measure, unit: str, rules: bool = True) -> str:
    """What the chart found, as a clause: no signal, or the latest special cause (its
    direction, periods and, with `rules`, the rules it breaks)."""
    runs = _signal_runs(values)
    if not runs:
        return f"{measure.noun} {measure.shows} no signal beyond common-cause variation"
    rows = values.iloc[runs[-1]]
    high = "higher" if rows["direction"].iloc[0] > 0 else "lower"
    broken = "; ".join(dict.fromkeys(r for text in rows["rules"] for r in text.split("; ") if r))
    return (
        f"{measure.noun} {measure.shows} special cause variation: {high} "
        f"{_span(values, runs[-1], unit)}{f' ({broken})' if rules else ''}, "
        f"{VARIATION_WORDS[rows['variation'].iloc[0]]}"
    )


def spc_answer(values: pd.DataFrame, measure: _Measure, unit: str) -> str:
    """What the chart says, from the series as shown: no signal, or the latest special cause
    (its direction, periods and rules), and how many other points signal."""
    drawn = values[values["value"].notna()]
    if drawn.empty or values["centre"].isna().all():
        return ""
    span = (
        f"Over the {_periods(len(drawn), unit)} shown "
        f"({period_words(drawn['month'].iloc[0], unit)} to "
        f"{period_words(drawn['month'].iloc[-1], unit)})"
    )
    words = f"{span}, {_finding(values, measure, unit)}."
    runs = _signal_runs(values)
    others = sum(map(len, runs[:-1]))
    if others:
        words += f" {_periods(others, unit).capitalize()} before that signal too."
    return words


def spc_lead(values: pd.DataFrame, measure: _Measure, unit: str) -> str:
    """The chart's answer for the page's summary: for referrals, the last year against the
    one before; what the chart found; and whether the latest signal repeats the same months a
    year before (perhaps the season), all from the series as shown."""
    drawn = values[values["value"].notna()]
    if drawn.empty or values["centre"].isna().all():
        return ""
    said = []
    if measure.name == SPC_MEASURES["referrals"].name:
        periods = pd.DatetimeIndex(values["month"]).to_period("M" if unit == MONTH else "Q")
        year = spc.year_on_year(periods, values["value"])
        if year is not None and year.change_pct is not None:
            span = (
                f"the {_periods(12 if unit == MONTH else 4, unit)} to "
                f"{period_words(values['month'].iloc[-1], unit)}"
            )
            figures = f"{year.latest:,.0f} against {year.before:,.0f}"
            way = "more" if year.change_pct > 0 else "fewer"
            said.append(
                f"{abs(year.change_pct):.0f}% {way} referrals in {span} than a year before "
                f"({figures})."
                if round(year.change_pct)
                else f"As many referrals in {span} as a year before ({figures})."
            )
    finding = _finding(values, measure, unit, rules=False)
    said.append(finding[:1].upper() + finding[1:] + _season_words(values, unit) + ".")
    return " ".join(said)


def _season_words(values: pd.DataFrame, unit: str) -> str:
    """Whether the latest signal repeats the same months a year before (from two years
    shown): "" where there is no signal or too short a series to tell."""
    runs = _signal_runs(values)
    year = 12 if unit == MONTH else 4
    if not runs or values["value"].notna().sum() < 2 * year:
        return ""
    periods = pd.DatetimeIndex(values["month"]).to_period("M" if unit == MONTH else "Q")
    last = [i for i in runs[-1] if periods[i] - year >= periods[0]]
    if not last:
        return ""  # no point of it has a year before to compare with
    if spc.seasonal_repeats(periods, values["direction"].to_numpy())[last].any():
        return f"; it repeats the same {unit}s a year before: perhaps the season, not a change"
    return (
        f"; it does not repeat a signal of the same {unit}s a year before, so it is not the "
        "season alone"
    )


VARIATION_WORDS = {
    spc.IMPROVEMENT: "an improvement",
    spc.CONCERN: "a concern",
    spc.NEUTRAL: "neither better nor worse",
}


def _split_by_direction(group: list[int], direction: np.ndarray) -> list[list[int]]:
    """A run of signalled points split where the direction changes."""
    out: list[list[int]] = []
    for i in group:
        if out and direction[out[-1][-1]] == direction[i]:
            out[-1].append(i)
        else:
            out.append([i])
    return out


def seasonal_note(values: pd.DataFrame, unit: str) -> tuple[str, ...]:
    """Where two years or more are shown, the signals that repeat the same months (or
    quarters) of the year before in the same direction: perhaps seasonal, not a change."""
    if "direction" not in values or values["value"].notna().sum() < 2 * (
        12 if unit == MONTH else 4
    ):
        return ()
    periods = pd.DatetimeIndex(values["month"]).to_period("M" if unit == MONTH else "Q")
    repeats = spc.seasonal_repeats(periods, values["direction"].to_numpy())
    if not repeats.any():
        return ()
    spans = [
        " to ".join(
            dict.fromkeys(period_words(values["month"].iloc[i], unit) for i in (r[0], r[-1]))
        )
        for r in _runs_of(np.flatnonzero(repeats))
    ]
    listed = spans[0] if len(spans) == 1 else ", ".join(spans[:-1]) + " and " + spans[-1]
    return (
        f"Seasonality: the signal{'s' if len(spans) > 1 else ''} in {listed} "
        f"repeat{'' if len(spans) > 1 else 's'} the same {unit}s of the year before, in the "
        "same direction. A pattern that comes back each year may be the season rather than a "
        "change in the service: compare like with like (a year on a year).",
    )


def spc_panel(
    tables: PathwayTables,
    which: str,
    level: Level,
    baseline: tuple[pd.Period, pd.Period] | None,
    unit: str | None = None,
) -> Panel:
    """An XmR chart of one measure (see `SPC_MEASURES`) by month or quarter (None: months
    where they can be charted, quarters otherwise), limits from the baseline months.

    Disclosure: at a level other than off the points, centre line, limits and signals are
    all worked out from the series as shown (the panel's disclosed counts; shares from them;
    medians to one decimal: `_xmr_columns` as the panel's `annotate`), so every true series
    consistent with what is shown gives the same chart. A chart is drawn only where every
    point is shown and the points rest on at least 10 people on average (`why_not_charted`);
    otherwise quarters are offered (the exact monthly counts summed into calendar quarters,
    then disclosed), or a wider place."""
    measure = SPC_MEASURES[which]
    series = {grain: spc_series(tables, which, grain) for grain in (MONTH, QUARTER)}
    # each series as its panel would show it, to choose by (disclosed where panels are)
    reasons = {
        grain: why_not_charted(
            Panel(
                name=measure.name, title="", caption="", level=level, table=table, spec=spec
            ).disclosed,
            measure,
            grain,
            level,
        )  # fmt: skip
        for grain, (table, spec) in series.items()
    }
    months_not, quarters_not = reasons[MONTH], reasons[QUARTER]
    if unit is None:
        unit = QUARTER if months_not and not quarters_not else MONTH
    table, spec = series[unit]
    title = measure.title if unit == MONTH else measure.title.replace("per month", "per quarter")
    labels = {"month": "Month" if unit == MONTH else "Quarter (first month)"}
    labels |= {c: COUNT_WORDS.get(c, c) for c in spec.counts if c != "value"}
    labels["value"] = measure.y_title
    caption = (
        f"How to read this: each point is a {unit}; the solid line is the mean of the baseline "
        f"{unit}s (shaded), the dashed lines its process limits; coloured points are signals."
    )
    method = (
        f"An XmR chart, as in Making Data Count: the dashed process limits are where a stable "
        f"process's {unit}s fall almost always. {SPC_RULES} {measure.direction_words} Grey "
        "circles are common cause. The points, limits and signals are worked out from the "
        f"figures as shown, and a chart is drawn only where every {unit} is shown and they rest "
        f"on at least {MIN_AVERAGE} people on average. "
        + SPC_SOURCE
        + " "
        + disclosure_caption(level)
    )
    if reasons[unit]:
        return Panel(
            name=measure.name,
            title=title,
            caption=caption,
            method=method,
            level=level,
            table=table,
            spec=spec,
            labels=labels,
            chart=lambda _shown: None,
            empty=_not_charted_words(unit, months_not, quarters_not),
            show_table=False,
        )
    grain_note = ()
    if unit == QUARTER:
        grain_note = (
            f"By quarter, because months cannot be charted here: {months_not}."
            if months_not
            else "By quarter, as chosen (the months could be charted too).",
        )
    labels |= {
        "centre": "Centre line",
        "lower": "Lower process limit",
        "upper": "Upper process limit",
        "signal": "Signal",
    }

    def chart(values: pd.DataFrame):
        if which == "referrals" and not values["value"].fillna(0).gt(0).any():
            return None  # only zeros: nothing worth a chart
        base = values.loc[values["in_base"].astype(bool), "month"]
        shade = None if baseline is None or base.empty else (base.iloc[0], base.iloc[-1])
        return spc_charts.xmr_chart(
            values, title, measure.y_title, shade, unit, measure.floor, measure.ceiling
        )

    return Panel(
        name=measure.name,
        title=title,
        caption=caption,
        method=method,
        level=level,
        table=table,
        spec=spec,
        labels=labels,
        chart=chart,
        empty=f"No {unit} has a figure to show for this place.",
        show_table=False,
        annotate=lambda values: _xmr_columns(values, measure, unit, baseline),
        answer=lambda values: spc_answer(values, measure, unit),
        lead=lambda values: spc_lead(values, measure, unit),
        said=lambda values: (
            _limits_note(values.assign(shown=values["value"].notna()), unit),
            *grain_note,
            *seasonal_note(values, unit),
        ),
    )


def _not_charted_words(unit: str, months_not: str, quarters_not: str) -> str:
    """Why there is no chart, and what would give one."""
    wider = "Choose a wider place (its PCN, or the whole dataset) for an SPC chart."
    if months_not and quarters_not:
        return (
            f"Neither months nor quarters can be charted for this place. Months: {months_not}. "
            f"Quarters: {quarters_not}. {wider}"
        )
    if unit == MONTH:
        return (
            f"Months cannot be charted here: {months_not}. Quarters can: choose quarters for "
            "the SPC charts' points."
        )
    return f"Quarters cannot be charted here: {quarters_not}. Months can: choose months."


def _xmr_columns(values: pd.DataFrame, measure: _Measure, unit: str, baseline) -> dict:
    """The XmR figures of the series AS SHOWN (`values`: the disclosed series): the centre
    line and limits (one decimal; NA without enough baseline points or variation), and each
    point's signal, variation and direction. Worked out from disclosed figures only, so they
    are as safe to show as the figures are."""
    points = values["value"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    in_base = _baseline_mask(values["month"], unit, baseline) & ~np.isnan(points)
    limits, flags = None, None
    if int(in_base.sum()) >= spc.MIN_BASELINE:
        limits, flags = spc.xmr(points, in_base, improvement=measure.improvement)
    if limits is None:
        return {
            "centre": np.nan, "lower": np.nan, "upper": np.nan, "signal": "",
            "variation": spc.COMMON, "direction": 0, "rules": "", "in_base": in_base,
            "screened": 0,
        }  # fmt: skip
    return {
        "in_base": in_base,
        "centre": round(limits.mean, 1),
        "lower": round(limits.lower, 1),
        "upper": round(limits.upper, 1),
        "signal": flags["signal"].to_numpy(),
        "variation": flags["variation"].to_numpy(),
        "direction": np.where(flags["special"], flags["direction"], 0),
        "rules": [
            "; ".join(words for rule, words in spc.RULE_WORDS.items() if row[rule])
            for _, row in flags.iterrows()
        ],
        "screened": limits.screened,
    }


def _limits_note(table: pd.DataFrame, unit: str) -> str:
    """Where the centre line and limits come from, and the latest point's variation; or why
    there are none."""
    base = table.loc[table["in_base"], "month"]
    if table["centre"].isna().all():
        if len(base) < spc.MIN_BASELINE:
            return (
                f"No centre line or limits: the baseline holds fewer than {spc.MIN_BASELINE} "
                f"{unit}s with a figure shown. Choose a longer baseline, or a place with more "
                "referrals."
            )
        return (
            f"No centre line or limits: the figure did not change from {unit} to {unit} in "
            "the baseline, so there is no variation to set limits by."
        )
    screened = int(table["screened"].iloc[0])
    jumps = (
        f"; {screened} unusually large {unit}-to-{unit} jump{'s' if screened != 1 else ''} "
        "left out of the limits"
        if screened
        else ""
    )
    return (
        f"Centre line and limits from {len(base)} {unit}s shown, "
        f"{period_words(base.iloc[0], unit)} to {period_words(base.iloc[-1], unit)}{jumps}. "
        f"{latest_words(table[table['shown']], unit)} {spc.ASSURANCE_WORDS}"
    )


def latest_words(table: pd.DataFrame, unit: str = MONTH) -> str:
    """What MDC's variation icon would say of the latest point shown, in words."""
    if table.empty:
        return f"No {unit} shown."
    last = table.iloc[-1]
    kind = last["variation"]
    side = ""
    if kind != spc.COMMON:
        side = " (higher)" if last["direction"] > 0 else " (lower)"
    return (
        f"Latest {unit}, {period_words(last['month'], unit)}: {kind}{side}. {spc.ICON_WORDS[kind]}"
    )


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
    tables: PathwayTables,
    level: Level,
    baseline: tuple[pd.Period, pd.Period] | None,
    unit: str | None = None,
) -> list[Panel]:
    """The SPC charts: referrals, share connected within 90 days, median wait to first
    contact, by `unit` (month or quarter; None: months where they can be charted), each with
    limits from the chosen baseline months."""
    present = set(tables.trend["step"])
    return [
        spc_panel(tables, which, level, baseline, unit)
        for which in SPC_MEASURES
        if which != "connected" or pathway.CONNECTED in present
    ]


# the page's tabs: what came in and where it went, whether a change is a signal (is volume
# rising?), who refers at what rate, and where people drop out
SPC_SECTION = "Signal or noise"
SECTIONS = {
    "Referrals": ("referrals_per_month", "referral_pathways"),
    SPC_SECTION: ("spc_",),
    "Practices and areas": ("referrals_by_",),
    "Pathway": ("pathway_", "waits_", "endings_"),
}


def sections(panels: list[Panel]) -> list[Section]:
    """The page's panels in its tabs (`SECTIONS`)."""
    return sections_by_name(panels, SECTIONS)
