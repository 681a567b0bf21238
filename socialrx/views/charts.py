"""Chart builders: disclosed tables in, plotly figures out, testable without a browser.

Colours come from the Okabe-Ito palette, which stays distinct for colour-blind readers; text
from data files is HTML-escaped before plotly reads it as (a little) HTML.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from socialrx import disclosure
from socialrx.escape import html_text
from socialrx.metrics import referrals
from socialrx.views.palette import CATEGORY_COLOURS, OKABE_ITO

# Every chart's look is Plotly's white template, made Plotly's default here, where every chart
# module gets its layout: Plotly applies the default as it writes a figure out, giving the JSON
# a template named on the figure gives, while a named template is deep-copied and validated on
# every figure (about 8 ms a chart, more than building most of them takes).
pio.templates.default = "plotly_white"


def layout(
    fig: go.Figure,
    title: str,
    x: str,
    y: str,
    height: int | None = None,
    legend_above: bool = False,
) -> go.Figure:
    """Every chart's title, axis titles, white template and colour-blind-safe colours; the
    legend in a row above the plot where asked."""
    fig.update_layout(
        title=title,
        xaxis_title=x,
        yaxis_title=y,
        margin={"l": 60, "r": 20, "t": 60, "b": 50},
        colorway=list(OKABE_ITO),
    )
    if legend_above:
        fig.update_layout(legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0})
    if height:
        fig.update_layout(height=height)
    return fig


def monthly_referrals_chart(monthly: pd.DataFrame, shown_as: str) -> go.Figure | None:
    """Referrals per month (hidden months show as gaps; months the period only partly covers
    as hollow markers), None when no month has a figure above 0 to show. `shown_as` says how
    counts are disclosed, for the axis title."""
    if not monthly["referrals"].fillna(0).gt(0).any():
        return None
    partial = monthly["partial"].astype(bool)
    fig = go.Figure(
        go.Scatter(
            x=monthly["month"],
            y=monthly["referrals"].astype(float),
            mode="lines+markers",
            name="Referrals",
            connectgaps=False,
            marker={
                "symbol": ["circle-open" if p else "circle" for p in partial],
                "size": 8,
            },
            hovertemplate="%{x|%b %Y}: %{y:,.0f} referrals<extra></extra>",
        )
    )
    fig.update_yaxes(rangemode="tozero")
    fig.update_xaxes(tickformat="%b %Y", dtick="M1" if len(monthly) <= 12 else None)
    if len(monthly) == 1:  # one month: a sensible axis, not milliseconds around one point
        month = monthly["month"].iloc[0]
        fig.update_xaxes(range=[month - pd.Timedelta(days=20), month + pd.Timedelta(days=20)])
    return layout(fig, "Referrals per month", "Month", f"Referrals (people, {shown_as})")


DECILE_MEASURES = {
    "rate_per_1000": ("Referral rate by deprivation", "Referrals per 1,000 adults a year"),
    "share_pct": ("Share of referrals by deprivation", "Share of referrals (%)"),
}


def rate_by_decile_chart(table: pd.DataFrame, measure: str = "rate_per_1000") -> go.Figure | None:
    """Referrals by IMD decile, most deprived on the left: the rate per 1,000 adults a year,
    or the share of referrals where residents are not the right denominator; None when no
    decile has a figure above 0 to show."""
    if not table[measure].fillna(0).gt(0).any():
        return None
    title, axis = DECILE_MEASURES[measure]
    fig = go.Figure(
        go.Bar(
            x=table["imd_decile"].astype(str),
            y=table[measure].astype(float),
            marker_color=OKABE_ITO[4],
        )
    )
    fig.update_yaxes(rangemode="tozero")
    return layout(fig, title, "IMD decile (1 = most deprived 10%)", axis)


NICE_NAMES = {"gp practice": "GP practice", "vcs": "VCS organisation", "self": "self-referral"}


def pathway_sankey(links: pd.DataFrame) -> go.Figure | None:
    """Referrer type -> category of the asset first sent to -> outcome there, widths in
    disclosed referrals. Hidden flows (1-7) are not drawn, and each box's size and hover are
    the sum of the bands drawn into or out of it (`referrals.pathway_nodes`), never a total
    of its own, which would narrow the flows not drawn. None when no link has a figure above
    0 to show."""
    links = links.dropna(subset=["count"])
    links = links[links["count"] > 0]
    if links.empty:
        return None
    ends = [
        *((1, s) for s in links.loc[links["step"] == 1, "source"]),
        *((2, t) for t in links.loc[links["step"] == 1, "target"]),
        *((2, s) for s in links.loc[links["step"] == 2, "source"]),
        *((3, t) for t in links.loc[links["step"] == 2, "target"]),
    ]
    order = list(dict.fromkeys(ends))
    index = {node: i for i, node in enumerate(order)}
    source = [index[(step, s)] for s, step in zip(links["source"], links["step"], strict=True)]
    target = [index[(step + 1, t)] for t, step in zip(links["target"], links["step"], strict=True)]
    nodes = referrals.pathway_nodes(links).set_index(["column", "name"])
    colours = [CATEGORY_COLOURS.get(name, "#888888") for _, name in order]
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            textfont={"color": "#111111", "size": 13},
            node={
                "label": [html_text(NICE_NAMES.get(n, n)) for _, n in order],
                "color": colours,
                "pad": 14,
                "customdata": [_box_words(nodes.loc[node]) for node in order],
                "hovertemplate": "%{label}: %{customdata}<extra></extra>",
            },
            link={
                "source": source,
                "target": target,
                "value": links["count"].astype(float).tolist(),
                "color": "rgba(120,120,120,0.25)",
                "hovertemplate": "%{source.label} to %{target.label}: %{value:,.0f}<extra></extra>",
            },
        )
    )
    fig.update_layout(
        title="Who referred (left), the kind of asset first sent to, what happened (right)",
        font_size=12,
        height=680,
        margin={"l": 20, "r": 20, "t": 60, "b": 20},
    )
    return fig


def _box_words(box: pd.Series) -> str:
    """A Sankey box's hover: the referrals in the bands drawn into it, or out of it where
    none come in (who referred); both where a middle box's differ (rounding, hidden bands)."""
    into, out = box["into"], box["out"]
    if pd.isna(into):
        return f"{disclosure.shown(out)} referrals (the bands drawn from it)"
    if pd.isna(out) or out == into:
        return f"{disclosure.shown(into)} referrals (the bands drawn into it)"
    return (
        f"{disclosure.shown(into)} referrals in the bands drawn into it, "
        f"{disclosure.shown(out)} in those drawn out"
    )


def capacity_chart(strained: pd.DataFrame) -> go.Figure | None:
    """Demand per month against stated capacity for the assets given (`most_strained`), None
    when there are none."""
    if strained.empty:
        return None
    shown = strained.iloc[::-1]  # the first drawn at the top
    # plotly reads a little HTML in labels: escape names, and keep same-named assets apart
    labels = [
        f"{html_text(n)} ({html_text(a)})"
        for n, a in zip(shown["name"], shown["asset_id"], strict=True)
    ]
    fig = go.Figure(
        [
            go.Bar(
                y=labels,
                x=shown["capacity_per_month"].astype(float),
                orientation="h",
                name="Capacity per month",
                marker_color=OKABE_ITO[1],
            ),
            go.Bar(
                y=labels,
                x=shown["demand_per_month"].astype(float),
                orientation="h",
                name="Demand per month",
                marker_color=OKABE_ITO[5],
            ),
        ]
    )
    fig.update_layout(barmode="group", height=max(360, 26 * len(shown) + 120))
    return layout(
        fig,
        f"Demand against capacity: the {len(shown)} most strained assets",
        "People per month",
        "Asset",
    )
