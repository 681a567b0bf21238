"""What a provider shows its funder: its funding against the value of the work it took on and
turned away (the system view's figures for it), its social value in WELLBYs stated honestly,
who it reached against the place, and how fresh its directory records are; and the funder
report's sections for one financial year (`report.funder_report`)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from socialrx.data.dataset import Dataset
from socialrx.disclosure import Level
from socialrx.escape import file_slug, html_text
from socialrx.metrics import funding, outcomes, reach, social_value
from socialrx.metrics.overview import as_at
from socialrx.metrics.selection import Selection, outcomes_of, selected_connections
from socialrx.views import funding as funding_view
from socialrx.views import provider as provider_view
from socialrx.views.capacity import provider_assets
from socialrx.views.charts import layout
from socialrx.views.outcomes import CAVEATS
from socialrx.views.palette import OKABE_ITO
from socialrx.views.panels import Panel, disclosure_caption

VALUE_LABELS = {
    "label": "Measure",
    "paired": "Measured at both",
    "mean_change": "Mean change (points)",
    "ci_low": "95% CI from",
    "ci_high": "95% CI to",
    "value_low_gbp": "£ a person{per}: low",
    "value_central_gbp": "£ a person{per}: central",
    "value_high_gbp": "£ a person{per}: high",
    "people_low_gbp": "£ for those measured{per}: low",
    "people_high_gbp": "£ for those measured{per}: high",
    "attribution_pct": "Share attributed to the service (%, your assumption)",
    "years": "Years the change lasts (your assumption)",
    "cost_per_person_gbp": "Cost of the work a person (£)",
}
REACH_LABELS = {
    "group": "Group",
    "people": "Referrals sent",
    "share_pct": "% of those recorded",
    "ci_low": "95% CI from",
    "ci_high": "95% CI to",
    "population_pct": "% of the place",
}
AGE_LABELS = {
    "asset_id": "Asset",
    "name": "Name",
    "last_verified": "Last verified",
    "months_since": "Months before the extract",
    "stale": "Stale (over 12 months)",
}
DEMAND = ("provider_strain", "provider_demand", "provider_strain_trend", "provider_outcomes",
          "provider_assets")  # fmt: skip


def report_file_name(provider: str, year: str) -> str:
    """The funder report's download name: the provider id and the year, letters, digits, `-`
    and `_` only."""
    return f"funder_report_{file_slug(provider, 'provider')}_{year.replace('/', '-')}.zip"


def _sent(dataset: Dataset, selection: Selection, provider: str) -> tuple[pd.DataFrame, ...]:
    mine = provider_assets(dataset, selection, provider)
    chosen = selected_connections(dataset, selection)
    return mine, chosen[chosen["asset_id"].isin(set(mine["asset_id"]))]


def provider_funding_panels(
    dataset: Dataset, selection: Selection, level: Level, provider: str, default_cost: float
) -> list[Panel]:
    """The system view's funding panels for this provider's assets only: each of its rows is
    worked out from its own asset-years, so its figures are the system view's."""
    return funding_view.funding_panels(dataset, selection, level, default_cost, provider)


def social_value_panel(
    dataset: Dataset,
    selection: Selection,
    level: Level,
    provider: str,
    assumptions: social_value.Assumptions,
    default_cost: float = funding.DEFAULT_COST_GBP,
) -> Panel:
    """The change in life satisfaction among the people sent to the provider in the period,
    valued in WELLBYs as a range, beside the cost a person of its work."""
    mine, sent = _sent(dataset, selection, provider)
    measured = outcomes_of(dataset, sent["referral_id"]) if dataset.has("outcomes") else None
    change = (
        outcomes.paired_change(measured)
        if measured is not None and measured.rows
        else pd.DataFrame(
            columns=["measure", "label", "with_baseline", "paired", "mean_change", "sd_change"]
        )  # fmt: skip
    )
    work = funding.work_by_asset_year(
        mine, dataset.table("connections"), selection.start, selection.end, default_cost
    )
    table = social_value.social_value_table(change, assumptions)
    return Panel(
        name="provider_social_value",
        title="Social value: life satisfaction in WELLBYs",
        caption="How to read this: a WELLBY is one point of life satisfaction (ONS4, 0-10) for "
        "one person for one year. The range runs from the low end of the change's 95% "
        "interval at the guidance's low value to the high end at its high value. "
        + social_value.NOT_APPRAISAL
        + f" Assumptions: {assumptions.words()}.",
        method=f"Values: {social_value.SOURCE}. The mean change is among the people sent in "
        "the period and measured twice on life satisfaction (baseline and latest follow-up), "
        "shown only where 30 or more are measured twice as shown, its interval a paired t "
        "with that number. The cost a person is the value of the work taken on (the cost "
        "per person its assets state) over the people who started, from the counts shown. "
        + disclosure_caption(level),
        level=level,
        table=table,
        spec=social_value.spec(assumptions),
        basis={"work": (work, funding.WORK_SPEC)},  # the cost a person, from it as shown
        # with no duration stated, £ a year the change lasts: the label says so
        labels={
            k: v.format(per=" a year it lasts" if assumptions.years is None else "")
            for k, v in VALUE_LABELS.items()
        },  # fmt: skip
        empty="Life satisfaction was not measured for the people sent here.",
        answer=lambda v: social_value.answer(v, assumptions),
        download="Download its social value figures (CSV)",
    )


def reach_panels(
    dataset: Dataset, selection: Selection, level: Level, provider: str
) -> list[Panel]:
    """Who it reached: one panel per characteristic, each group's share of the referrals sent
    (with the characteristic recorded) beside its share of the place."""
    if not dataset.has("referrals"):
        return []
    _, sent = _sent(dataset, selection, provider)
    referrals = dataset.table("referrals")
    referrals = referrals[referrals["referral_id"].isin(set(sent["referral_id"]))]
    table = reach.reach_table(referrals, dataset)
    panels = []
    for column, label in reach.CHARACTERISTICS.items():
        rows = table[table["characteristic"] == label].reset_index(drop=True)
        panels.append(
            Panel(
                name=f"funder_reach_{column}",
                title=f"Who it reached: {label.split(' (')[0].lower()}",
                caption="How to read this: blue bars are each group's share of the referrals "
                "sent to it with this recorded (a referral sent twice counts once), with 95% "
                "intervals; orange diamonds are the group's share of the place's "
                f"{reach.POPULATIONS[column]}. A bar whose interval misses its diamond is "
                "beyond chance.",
                method="Shares and their Wilson 95% intervals from the counts as shown (the "
                "union over every count they allow). " + disclosure_caption(level),
                level=level,
                table=rows,
                spec=reach.SPEC,
                labels=REACH_LABELS,
                chart=lambda v, label=label: reach_chart(v, label),
                empty="Nobody sent, or too few recorded, to draw.",
                answer=lambda v, label=label: reach.reach_answer(v, label),
                download=f"Download who it reached by {column.replace('_', ' ')} (CSV)",
            )
        )
    return panels


def reach_chart(values: pd.DataFrame, label: str) -> go.Figure | None:
    """Shares of referrals (bars with intervals) beside shares of the place (diamonds)."""
    rows = values[values["recorded"].astype(bool) & values["share_pct"].notna()]
    if rows.empty:
        return None
    names = [html_text(str(g)) for g in rows["group"]]
    share = rows["share_pct"].astype(float)
    fig = go.Figure(
        [
            go.Bar(
                x=names,
                y=share,
                name="Referrals sent (%)",
                marker_color=OKABE_ITO[4],
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": (rows["ci_high"].astype(float) - share).to_numpy(),
                    "arrayminus": (share - rows["ci_low"].astype(float)).to_numpy(),
                },
            ),
            go.Scatter(
                x=names,
                y=rows["population_pct"].astype(float),
                mode="markers",
                name="The place (%)",
                marker={"symbol": "diamond", "size": 11, "color": OKABE_ITO[0]},
            ),
        ]
    )
    return layout(fig, label, "", "% of people", legend_above=True)


def freshness_panel(dataset: Dataset, selection: Selection, level: Level,
                    provider: str) -> Panel:  # fmt: skip
    """How long ago each of its directory records was last verified."""
    mine = provider_assets(dataset, selection, provider)
    table = reach.record_ages(mine, as_at(dataset))
    stale = int(table["stale"].eq("yes").sum())
    unknown = int(table["stale"].eq("not known").sum())
    return Panel(
        name="funder_record_ages",
        title="Its directory records",
        caption="How to read this: when each of its asset records was last verified "
        "(last_verified), in whole months before the extract date; over 12 months is stale. "
        "Link workers find services through these records.",
        level=level,
        table=table,
        labels=AGE_LABELS,
        answer=lambda _v: (
            f"{stale:,} of its {len(table):,} records are stale"
            + (f" and {unknown:,} were never verified" if unknown else "")
            + "."
        ),
    )


def _titled(panels: list[Panel], names) -> list[Panel]:
    return [p for p in panels if p.name in names]


def funder_sections(
    dataset: Dataset,
    selection: Selection,
    level: Level,
    provider: str,
    assumptions: social_value.Assumptions,
    default_cost: float,
    note: str = "",
) -> list[tuple[str, tuple[str, ...], object]]:
    """The funder report's sections (title, tables needed, panel builder), in order; every
    panel built once here."""
    # by month, or by quarter where most monthly counts would be hidden (as the page chooses)
    by = provider_view.choose_grain(dataset, selection, level, provider)
    mine = provider_view.provider_panels(dataset, selection, level, provider, by)
    if by == "quarter":
        note = " ".join([note, "Shown by quarter: most of its monthly counts would be hidden "
                         "(1-7)."]).strip()  # fmt: skip
    outcome_panels = [p for p in mine if p.name.startswith("provider_outcome_")]
    caveats = Panel(name="funder_caveats", title="", caption="", level=level, notes=(CAVEATS,))
    period = Panel(name="funder_period", title="", caption="", level=level,
                   notes=(note,) if note else ())  # fmt: skip
    money = provider_funding_panels(dataset, selection, level, provider, default_cost)
    value = social_value_panel(dataset, selection, level, provider, assumptions, default_cost)
    return [
        ("People sent, started, waiting and turned away", ("connections",),
         lambda *_: [period, *_titled(mine, DEMAND)]),
        ("Who it reached", ("connections", "referrals"),
         lambda *_: reach_panels(dataset, selection, level, provider)),
        ("Outcomes of the people it was sent", ("connections", "outcomes"),
         lambda *_: [caveats, *outcome_panels]),
        ("Funding against the work", ("connections",), lambda *_: money),
        ("Social value", ("connections", "outcomes"), lambda *_: [value]),
        ("Its directory records", (), lambda *_: [freshness_panel(dataset, selection, level,
                                                                  provider)]),
    ]  # fmt: skip
