"""Chart builders for the referral pathway and its SPC (XmR) charts: disclosed tables in,
plotly figures out, testable without a browser. Months whose figure is hidden are gaps,
never zeros. Colours are Okabe-Ito (colour-blind safe), and a signal is also told by the
marker's shape, not by colour alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from socialrx.escape import html_text
from socialrx.metrics import pathway, spc
from socialrx.views.charts import layout
from socialrx.views.palette import OKABE_ITO

GREY = "#7F7F7F"
# MDC's colours, in Okabe-Ito: grey common cause, blue improvement, orange concern, purple
# neither; shapes say the same for readers who cannot tell the colours apart.
VARIATION_STYLE = {
    spc.COMMON: (GREY, "circle", "Common cause"),
    spc.IMPROVEMENT: (OKABE_ITO[4], "diamond", "Special cause: improvement"),
    spc.CONCERN: (OKABE_ITO[0], "square", "Special cause: concern"),
    spc.NEUTRAL: (OKABE_ITO[6], "triangle-up", "Special cause: neither better nor worse"),
}
STEP_COLOURS = dict(
    zip(pathway.STEPS[1:], (OKABE_ITO[1], OKABE_ITO[2], OKABE_ITO[4], OKABE_ITO[5]), strict=True)
)
STEP_DASHES = dict(zip(pathway.STEPS[1:], ("solid", "dash", "dot", "dashdot"), strict=True))


def _layout(fig: go.Figure, title: str, x: str, y: str, height: int = 420) -> go.Figure:
    return layout(fig, title, x, y, height).update_layout(legend={"orientation": "h", "y": -0.2})


def funnel_chart(funnel: pd.DataFrame) -> go.Figure | None:
    """The share of referrals old enough to judge that reached each step within its window;
    None when no share is shown."""
    shown = funnel[funnel["step"] != pathway.RECEIVED]
    if shown["share_pct"].isna().all():
        return None
    labels = shown["label"].tolist()[::-1]
    values = shown["share_pct"].astype(float).tolist()[::-1]
    fig = go.Figure(
        go.Bar(
            y=labels,
            x=values,
            orientation="h",
            marker_color=OKABE_ITO[4],
            text=[None if pd.isna(v) else f"{v:.0f}%" for v in values],
            textposition="auto",
            hovertemplate="%{y}: %{x:.0f}% of referrals old enough to judge<extra></extra>",
        )
    )
    fig.update_xaxes(range=[0, 100])
    return _layout(
        fig,
        "Where people drop out: share reaching each step in time",
        "Share of referrals old enough to judge (%)",
        "Step (within its window)",
        height=340,
    )


def monthly_steps_chart(monthly: pd.DataFrame, measure: str) -> go.Figure | None:
    """Each step by month of referral: the share reaching it (`share_pct`) or the median wait
    (`median_days`); a month with no figure to show is a gap. None when nothing is shown."""
    if measure == "median_days":  # completion takes months: it would flatten the others
        monthly = monthly[monthly["step"].isin(pathway.WAITED_STEPS)]
    if monthly[measure].isna().all():
        return None
    fig = go.Figure()
    for step, rows in monthly.groupby("step", sort=False):
        if rows[measure].isna().all():
            continue
        fig.add_trace(
            go.Scatter(
                x=rows["month"],
                y=rows[measure].astype(float),
                name=pathway.STEP_WORDS[step],
                mode="lines+markers",
                connectgaps=False,
                line={"color": STEP_COLOURS[step], "dash": STEP_DASHES[step]},
            )
        )
    fig.update_xaxes(tickformat="%b %Y")
    fig.update_yaxes(rangemode="tozero")
    if measure == "share_pct":
        fig.update_yaxes(range=[0, 100])
        return _layout(
            fig,
            "Share reaching each step in time, by month of referral",
            "Month of referral",
            "Share of the month's referrals (%)",
        )
    return _layout(
        fig,
        "Median wait from referral to each step, by month of referral",
        "Month of referral",
        "Median wait (days)",
    )


def endings_chart(endings: pd.DataFrame) -> go.Figure | None:
    """The share of ended referrals that did not engage, and that declined, with 95%
    intervals, for each reason and referrer type shown; None when no share is shown."""
    shown = endings.dropna(subset=["did_not_engage_pct", "declined_pct"], how="all")
    if shown.empty:
        return None
    shown = shown.iloc[::-1]
    labels = [f"{html_text(str(g))} ({k})" for g, k in zip(shown["group"], shown["kind"],
                                                           strict=True)]  # fmt: skip
    fig = go.Figure()
    rows = np.arange(len(labels))
    for name, words, colour, symbol, nudge in (
        ("did_not_engage", "Did not engage", OKABE_ITO[5], "circle", 0.17),
        ("declined", "Declined", OKABE_ITO[4], "diamond", -0.17),
    ):
        share = shown[f"{name}_pct"].astype(float)
        fig.add_trace(
            go.Scatter(
                y=rows + nudge,  # side by side, so the two intervals do not overlap
                customdata=labels,
                x=share,
                mode="markers",
                name=words,
                marker={"color": colour, "symbol": symbol, "size": 9},
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": (shown[f"{name}_high"].astype(float) - share).tolist(),
                    "arrayminus": (share - shown[f"{name}_low"].astype(float)).tolist(),
                    "color": colour,
                },
                hovertemplate="%{customdata}: %{x:.0f}%<extra>" + words + "</extra>",
            )
        )
    fig.update_xaxes(rangemode="tozero")
    fig.update_yaxes(tickvals=rows, ticktext=labels, range=[-0.6, len(labels) - 0.4])
    return _layout(
        fig,
        "Ended referrals that did not engage or declined, with 95% intervals",
        "Share of ended referrals (%)",
        "Reason for referral or referrer",
        height=max(380, 24 * len(shown) + 160),
    )


def xmr_chart(
    points: pd.DataFrame,
    title: str,
    y_title: str,
    baseline: tuple[pd.Timestamp, pd.Timestamp] | None,
    unit: str = "month",
    floor: float | None = 0.0,
    ceiling: float | None = None,
) -> go.Figure | None:
    """An XmR chart of the series as shown: `points` has month (a month's or quarter's first
    day), value (NA where not drawn, a gap), variation (MDC's words for each point) and the
    centre line and process limits (centre, lower, upper: the same on every row, NA where
    there are none), all worked out from the disclosed series. Limits are cut at the
    measure's `floor`/`ceiling` (no count below 0, no share above 100%). None when no point
    is drawn."""
    if points["value"].isna().all():
        return None
    quarter = unit == "quarter"
    # a quarter is told by its months ("Jan-Mar 2026"), never by its first month alone
    when = [
        f"{m:%b}-{m + pd.DateOffset(months=2):%b %Y}" if quarter else f"{m:%b %Y}"
        for m in points["month"]
    ]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=points["month"],
            y=points["value"].astype(float),
            mode="lines",
            connectgaps=False,
            line={"color": "#BBBBBB", "width": 1.5},
            hoverinfo="skip",
            showlegend=False,
        )
    )
    for kind, (colour, symbol, words) in VARIATION_STYLE.items():
        drawn = ((points["variation"] == kind) & points["value"].notna()).to_numpy()
        if not drawn.any():
            continue
        rows = points[drawn]
        fig.add_trace(
            go.Scatter(
                x=rows["month"],
                y=rows["value"].astype(float),
                customdata=[w for w, d in zip(when, drawn, strict=True) if d],
                mode="markers",
                name=words,
                marker={"color": colour, "symbol": symbol, "size": 9,
                        "line": {"color": "#333333", "width": 0.5}},
                hovertemplate="%{customdata}: %{y:,}<extra>" + words + "</extra>",
            )
        )  # fmt: skip
    for key, words, dash in (
        ("centre", "Centre line (mean)", "solid"),
        ("upper", "Upper process limit", "dash"),
        ("lower", "Lower process limit", "dash"),
    ):
        value = points[key].astype("Float64").iloc[0] if key in points else pd.NA
        if pd.isna(value):
            continue
        value = float(value)
        if (floor is not None and value < floor) or (ceiling is not None and value > ceiling):
            continue
        fig.add_trace(
            go.Scatter(
                x=[points["month"].iloc[0], points["month"].iloc[-1]],
                y=[value, value],
                mode="lines",
                name=f"{words}: {value:,g}",
                line={"color": "#000000" if key == "centre" else OKABE_ITO[5], "dash": dash,
                      "width": 1.5},
                hoverinfo="name",
            )
        )  # fmt: skip
    if baseline is not None:
        half = pd.Timedelta(days=45 if quarter else 14)
        fig.add_vrect(
            x0=baseline[0] - half,
            x1=baseline[1] + half,
            fillcolor=OKABE_ITO[1],
            opacity=0.08,
            line_width=0,
            annotation_text="baseline",
            annotation_position="top left",
        )
    # no forced zero: a share of 50-60% or a wait of 5-7 days would otherwise look flat
    if quarter:
        fig.update_xaxes(tickvals=points["month"], ticktext=when)
    else:
        fig.update_xaxes(tickformat="%b %Y")
    return _layout(fig, title, "Quarter" if quarter else "Month", y_title)
