"""Chart builders for the capacity page: disclosed tables in, plotly figures out.

Each takes the disclosed values of a panel's table (hidden figures are NA) and returns None
when there is nothing to draw. Colours are Okabe-Ito (colour-blind safe) and every rating is
written in words on the bar as well as coloured; names from data files are HTML-escaped.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from socialrx.escape import html_text
from socialrx.metrics.capacity import ratings
from socialrx.views.charts import layout
from socialrx.views.palette import OKABE_ITO

BLUE, ORANGE, SKY, VERMILLION, GREY = (
    OKABE_ITO[4],
    OKABE_ITO[0],
    OKABE_ITO[1],
    OKABE_ITO[5],
    "#999999",
)
RATING_COLOURS = {
    "over 100% (capacity 0)": VERMILLION,
    "over 100%": VERMILLION,
    "borderline: about 100%": "#F5B87A",
    "85-100%": ORANGE,
    "borderline: about 85%": "#A6CFE8",
    "under 85%": BLUE,
    "capacity 0, nobody sent": GREY,
    "capacity not stated": GREY,
}
RATING_PATTERNS = {"borderline: about 100%": "/", "borderline: about 85%": "/"}
MOST = 30  # bars drawn at most; the table below has every row


def _layout(fig: go.Figure, title: str, x: str, y: str, height: int | None = None) -> go.Figure:
    return layout(fig, title, x, y, height, legend_above=True)


def _names(frame: pd.DataFrame, column: str = "name") -> list[str]:
    return [html_text(str(n)) for n in frame[column]]


def _has(frame: pd.DataFrame, column: str) -> bool:
    return bool(len(frame)) and bool(frame[column].astype("Float64").fillna(0).gt(0).any())


def _bands(fig: go.Figure, vertical: bool = True) -> None:
    """Dotted lines at 85% and 100%, labelled (as layout shapes: add_vline is slow)."""
    shapes, notes = [], []
    for value in (85, 100):
        across = {"xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": value, "y1": value}
        if vertical:
            across = {"xref": "x", "x0": value, "x1": value, "yref": "paper", "y0": 0, "y1": 1}
        shapes.append({"type": "line", "line": {"dash": "dot", "color": "#555555"}, **across})
        where = (
            {"x": value, "y": 1, "yref": "paper", "yanchor": "bottom"}
            if vertical
            else {"x": 0, "xref": "paper", "xanchor": "left", "y": value, "yanchor": "bottom"}
        )
        notes.append({"text": f"{value}%", "showarrow": False, "font": {"size": 11}, **where})
    fig.update_layout(shapes=shapes, annotations=notes)


def provider_demand_chart(values: pd.DataFrame, by: str) -> go.Figure | None:
    """People sent to a provider per month or quarter (all its assets), against the capacity
    it states for those months; None when nobody was sent (or all hidden)."""
    rows = values[values["asset_id"] == "all"]
    if not _has(rows, "sent"):
        return None
    fig = go.Figure(
        [
            go.Bar(
                x=rows["label"],
                y=rows["sent"].astype(float),
                name="People sent",
                marker_color=ORANGE,
            ),
            go.Scatter(
                x=rows["label"],
                y=rows["capacity"].astype(float),
                name="Stated capacity",
                mode="lines+markers",
                line={"color": BLUE, "width": 3},
            ),
        ]
    )
    fig.update_yaxes(rangemode="tozero")
    return _layout(
        fig, f"People sent a {by} against the capacity stated", by.capitalize(), "People"
    )


def provider_outcome_chart(values: pd.DataFrame, by: str) -> go.Figure | None:
    """What happened to the people a provider was sent, per month or quarter: started, put
    on a waiting list, turned away as full or as not suitable (stacked)."""
    rows = values[values["asset_id"] == "all"]
    parts = {
        "started": ("Started", BLUE),
        "waiting_list": ("Waiting list", ORANGE),
        "declined_full": ("Turned away: full", VERMILLION),
        "declined_not_suitable": ("Turned away: not suitable", OKABE_ITO[6]),
    }
    if not any(_has(rows, c) for c in parts):
        return None
    fig = go.Figure(
        [
            go.Bar(x=rows["label"], y=rows[c].astype(float), name=n, marker_color=colour)
            for c, (n, colour) in parts.items()
        ]
    )
    fig.update_layout(barmode="stack")
    return _layout(fig, f"What happened to the people sent, by {by}", by.capitalize(), "People")


def strain_trend_chart(values: pd.DataFrame, by: str) -> go.Figure | None:
    """Strain (people sent over capacity, %) per month or quarter for all a provider's
    assets, with the 85% and 100% lines; None when it cannot be worked out."""
    rows = values[values["asset_id"] == "all"]
    if not rows["strain_pct"].notna().any():
        return None
    fig = go.Figure(
        go.Scatter(
            x=rows["label"],
            y=rows["strain_pct"].astype(float),
            mode="lines+markers",
            name="Strain",
            line={"color": VERMILLION, "width": 3},
        )
    )
    _bands(fig, vertical=False)
    fig.update_yaxes(rangemode="tozero")
    return _layout(
        fig,
        f"Strain by {by}: people sent as a % of the capacity stated",
        by.capitalize(),
        "Strain (%)",
        height=360,
    )


def ranked_bars(values: pd.DataFrame, column: str, title: str, axis: str) -> go.Figure | None:
    """Horizontal bars of one disclosed column, largest at the top (at most 30)."""
    rows = values.dropna(subset=[column])
    rows = rows[rows[column].astype(float) > 0]
    if rows.empty:
        return None
    rows = rows.sort_values(column, ascending=False, kind="stable").head(MOST).iloc[::-1]
    fig = go.Figure(
        go.Bar(y=_names(rows), x=rows[column].astype(float), orientation="h", marker_color=SKY)
    )
    return _layout(fig, title, axis, "", height=max(300, 24 * len(rows) + 120))


def ratings_chart(values: pd.DataFrame, what: str = "provider") -> go.Figure | None:
    """Strain of each provider (or category, area), most strained first, coloured and labelled
    by its rating (worked out from the table shown); those with no capacity stated or hidden
    demand are listed in the table only."""
    words = ratings(values)
    keep = values["strain_pct"].notna() | words.str.startswith("over")
    rows, words = values[keep], words[keep]
    if rows.empty:
        return None
    rows, words = rows.head(MOST).iloc[::-1], words.head(MOST).iloc[::-1]  # most strained first
    strain = rows["strain_pct"].astype(float).fillna(0)
    fig = go.Figure()
    for rating, colour in RATING_COLOURS.items():
        mine = (words == rating).to_numpy()
        if not mine.any():
            continue
        fig.add_bar(
            y=[n for n, m in zip(_names(rows), mine, strict=True) if m],
            x=strain[mine],
            orientation="h",
            name=rating,
            marker={"color": colour, "pattern": {"shape": RATING_PATTERNS.get(rating, "")}},
            text=[f"{s:,.0f}% · {rating}" if s else rating for s in strain[mine]],
            textposition="outside",
            cliponaxis=False,
        )
    _bands(fig)
    # one trace per rating: keep the rows in the table's order, most strained at the top
    fig.update_yaxes(categoryorder="array", categoryarray=_names(rows))
    fig.update_xaxes(range=[0, max(130.0, float(strain.max()) * 1.35)])
    return _layout(
        fig,
        f"Strain by {what}: the {len(rows)} most strained",
        "Strain: people sent as a % of the capacity stated",
        "",
        height=max(360, 26 * len(rows) + 140),
    )


def heat_chart(values: pd.DataFrame) -> go.Figure | None:
    """Category x month strain as a heat table (cividis: readable in colour-blind vision and
    in grey), each cell written; blank where no capacity is stated or demand is hidden."""
    if not values["strain_pct"].notna().any():
        return None
    grid = values.pivot_table(
        index="category", columns="period", values="strain_pct", aggfunc="first", dropna=False
    )
    labels = values.drop_duplicates("period").set_index("period")["label"]
    grid = grid.astype(float)
    text = grid.map(lambda v: "" if pd.isna(v) else f"{v:,.0f}")
    fig = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(),
            x=[labels[p] for p in grid.columns],
            y=[html_text(c) for c in grid.index],
            text=text.to_numpy(),
            texttemplate="%{text}",
            colorscale="Cividis",
            zmin=0,
            zmax=max(120.0, float(pd.Series(grid.to_numpy().ravel()).max())),
            colorbar={"title": "Strain %"},
            hovertemplate="%{y}, %{x}: %{z:.0f}%<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")  # categories A to Z, top down
    return _layout(
        fig, "Strain by category and month (%)", "Month", "", height=max(360, 28 * len(grid) + 140)
    )


def not_taken_chart(values: pd.DataFrame) -> go.Figure | None:
    """People put on a waiting list or turned away, by category (stacked by reason)."""
    parts = {
        "waiting_list": ("Waiting list", ORANGE),
        "declined_full": ("Turned away: full", VERMILLION),
        "declined_not_suitable": ("Turned away: not suitable", OKABE_ITO[6]),
    }
    if not any(_has(values, c) for c in parts):
        return None
    rows = values.iloc[::-1]
    fig = go.Figure(
        [
            go.Bar(
                y=_names(rows),
                x=rows[c].astype(float),
                name=n,
                orientation="h",
                marker_color=colour,
            )
            for c, (n, colour) in parts.items()
        ]
    )
    fig.update_layout(barmode="stack")
    return _layout(
        fig,
        "People waiting or turned away, by category",
        "People",
        "",
        height=max(360, 26 * len(rows) + 140),
    )


def gap_chart(values: pd.DataFrame) -> go.Figure | None:
    """Value of the work each provider took on against the funding it received for social
    prescribing, the largest gaps first (at most 30)."""
    rows = values[(values["value_taken_gbp"] > 0) | (values["funded_sp_gbp"] > 0)]
    if rows.empty:
        return None
    rows = rows.groupby("name", as_index=False)[
        ["value_taken_gbp", "funded_sp_gbp", "gap_gbp"]
    ].sum()
    rows = rows.sort_values("gap_gbp", ascending=False, kind="stable").head(MOST).iloc[::-1]
    fig = go.Figure(
        [
            go.Bar(
                y=_names(rows),
                x=rows["value_taken_gbp"],
                orientation="h",
                name="Value of work taken on (£)",
                marker_color=ORANGE,
            ),
            go.Bar(
                y=_names(rows),
                x=rows["funded_sp_gbp"],
                orientation="h",
                name="Funding for social prescribing (£)",
                marker_color=BLUE,
            ),
        ]
    )
    fig.update_layout(barmode="group")
    return _layout(
        fig,
        f"Work taken on against funding: the {len(rows)} largest gaps",
        "£",
        "",
        height=max(360, 34 * len(rows) + 140),
    )


def caseload_chart(values: pd.DataFrame) -> go.Figure | None:
    """Open referrals per whole-time link worker at each month's end."""
    if not values["caseload_per_wte"].notna().any():
        return None
    fig = go.Figure(
        go.Scatter(
            x=values["label"],
            y=values["caseload_per_wte"].astype(float),
            mode="lines+markers",
            name="Caseload per WTE",
            line={"color": BLUE},
        )
    )
    fig.update_yaxes(rangemode="tozero")
    return _layout(
        fig,
        "Caseload: open referrals per whole-time link worker",
        "Month",
        "Open referrals per WTE",
        height=360,
    )


def wait_chart(values: pd.DataFrame) -> go.Figure | None:
    """Days from referral to first contact, median and 90th centile, by month of referral."""
    if not values["median_days"].notna().any():
        return None
    fig = go.Figure(
        [
            go.Scatter(
                x=values["label"],
                y=values["median_days"].astype(float),
                name="Median",
                mode="lines+markers",
                line={"color": BLUE},
            ),
            go.Scatter(
                x=values["label"],
                y=values["p90_days"].astype(float),
                name="9 in 10 contacted within",
                mode="lines+markers",
                line={"color": ORANGE, "dash": "dash"},
            ),
        ]
    )
    fig.update_yaxes(rangemode="tozero")
    return _layout(
        fig, "Days from referral to first contact", "Month of referral", "Days", height=360
    )


def forecast_chart(values: pd.DataFrame, title: str) -> go.Figure | None:
    """People sent a month: the last two years as recorded, then the forecast with its 80%
    interval (a shaded band); None when there is nothing to draw."""
    if not (values["actual"].notna().any() or values["forecast"].notna().any()):
        return None
    past, future = values[values["actual"].notna()], values[values["forecast"].notna()]
    fig = go.Figure(
        [
            go.Scatter(
                x=future["month_start"],
                y=future["upper"].astype(float),
                mode="lines",
                line={"width": 0},
                showlegend=False,
                hoverinfo="skip",
            ),
            go.Scatter(
                x=future["month_start"],
                y=future["lower"].astype(float),
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor="rgba(86,180,233,0.35)",
                name="80% interval",
            ),
            go.Scatter(
                x=past["month_start"],
                y=past["actual"].astype(float),
                name="Recorded",
                mode="lines+markers",
                line={"color": "#333333"},
            ),
            go.Scatter(
                x=future["month_start"],
                y=future["forecast"].astype(float),
                name="Forecast",
                mode="lines+markers",
                line={"color": BLUE, "dash": "dash"},
            ),
        ]
    )
    fig.update_yaxes(rangemode="tozero")
    fig.update_xaxes(tickformat="%b %Y")
    return _layout(fig, html_text(title), "Month", "People sent a month", height=380)


def scenario_chart(values: pd.DataFrame, what: str) -> go.Figure | None:
    """Strain in the next 12 months under the scenario, by category or provider, coloured and
    labelled by rating."""
    return ratings_chart(values, what)
