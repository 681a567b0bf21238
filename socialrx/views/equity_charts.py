"""Chart builders for the equity page: disclosed tables in, plotly figures out, testable without
a browser. Colours are Okabe-Ito (colour-blind safe) and every status also has its own marker
shape; text from data files is HTML-escaped before plotly reads it as (a little) HTML."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from socialrx.disclosure import floats
from socialrx.escape import html_text
from socialrx.views.charts import layout
from socialrx.views.palette import OKABE_ITO

ORANGE, SKY, GREEN, YELLOW, BLUE, VERMILION, PURPLE, BLACK = OKABE_ITO
GREY = "#7f7f7f"
RATE_AXIS = "Referrals per 1,000 adults a year"


# The equity charts' own white and grid lines, over every chart's white template (`charts`).
GRID = "#e5e5e5"
PLAIN = {
    "paper_bgcolor": "white",
    "plot_bgcolor": "white",
    "font": {"color": "#2a3f5f"},
}


def _axes(fig: go.Figure) -> go.Figure:
    fig.update_xaxes(gridcolor=GRID, zerolinecolor=GRID, linecolor=GRID)
    fig.update_yaxes(gridcolor=GRID, zerolinecolor=GRID, linecolor=GRID)
    return fig


def _layout(fig: go.Figure, title: str, x: str, y: str, height: int = 460) -> go.Figure:
    layout(fig, title, x, y, height).update_layout(
        **PLAIN,
        margin={"l": 70, "r": 20, "t": 110, "b": 60},
        # above the plot, under the title: below it, the legend sat on slanted practice names
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
    )
    return _axes(fig)


def _practice_labels(shown: pd.DataFrame) -> list[str]:
    """`Name (code)` for each practice, escaped (chart labels are HTML)."""
    return [
        f"{html_text(n or c)} ({html_text(c)})"
        for n, c in zip(shown["name"].fillna(""), shown["practice_code"], strict=True)
    ]


def _markers_by_status(fig, shown, labels, values, low, high, statuses, customdata=None,
                       hovertemplate: str = "") -> None:  # fmt: skip
    """One trace per status (its name, colour and marker in `statuses`), each practice's
    value with its interval: the shape and colour say the status, the legend says it in
    words."""
    status = practice_status(shown).to_numpy()
    for key, (label, colour, symbol) in statuses.items():
        mask = status == key
        if not mask.any():
            continue
        fig.add_trace(
            go.Scatter(
                x=np.array(labels, dtype=object)[mask],
                y=values[mask],
                mode="markers",
                name=label,
                marker={"color": colour, "symbol": symbol, "size": 9},
                error_y={
                    "type": "data",
                    "array": np.nan_to_num(high[mask] - values[mask]),
                    "arrayminus": np.nan_to_num(values[mask] - low[mask]),
                    "color": colour,
                    "thickness": 1.2,
                    "width": 0,
                },
                customdata=None if customdata is None else customdata[mask],
                hovertemplate=hovertemplate,
            )
        )


STATUS = {  # name, colour, marker
    "below": ("Below the place beyond chance (under its 99.8% limit)", VERMILION, "triangle-down"),
    "above": ("Above the place beyond chance (over its 99.8% limit)", BLUE, "triangle-up"),
    "within": ("Within the 99.8% limits", BLACK, "circle"),
    "borderline": ("Borderline: rounding leaves it open", ORANGE, "diamond-open"),
}


def practice_status(shown: pd.DataFrame) -> pd.Series:
    """below / above / within / borderline for each practice, from the disclosed judgements
    (a missing judgement where the rate is shown is one the rounding leaves open)."""
    less = shown["refers_less"].astype("boolean")
    more = shown["refers_more"].astype("boolean")
    status = pd.Series("borderline", index=shown.index)
    status[(less == False) & (more == False)] = "within"  # noqa: E712 (nullable booleans)
    status[less.fillna(False)] = "below"
    status[more.fillna(False)] = "above"
    return status


def _unusual_words(shown: pd.DataFrame) -> list[str]:
    """What the second question says of each practice, for the hover."""
    less = shown["unusually_less"].astype("boolean")
    more = shown["unusually_more"].astype("boolean")
    words = []
    for low, high in zip(less, more, strict=True):
        if low is True or high is True:
            words.append("unusual among practices")
        elif low is False and high is False:
            words.append("not unusual among practices")
        else:
            words.append("whether unusual among practices: borderline")
    return words


def funnel_chart(shown: pd.DataFrame, curves: pd.DataFrame) -> go.Figure | None:
    """Each practice's referral rate against its registered adults, with the place's rate and
    the 95% and 99.8% control limits (and the 99.8% limits allowing for overdispersion, where
    they differ); a practice whose count is hidden (1-7) is a grey bar over every rate its
    count could give. Everything from the disclosed table (`equity.funnel_spec`) and the
    curves worked out from it (`equity.funnel_curves`). None when there is nothing to draw."""
    place_rate = floats(shown["place_rate"])[0] if len(shown) else np.nan
    if curves.empty or not np.isfinite(place_rate):
        return None
    sizes = floats(shown["list_size"])
    rates = floats(shown["rate_per_1000"])
    if not np.isfinite(sizes).any():
        return None
    fig = go.Figure()
    x = curves["list_size"].to_numpy()
    lines = [
        ("998", "99.8% limits (chance)", VERMILION, "dash", 1.6),
        ("95", "95% limits (chance)", SKY, "dot", 1.6),
    ]
    if "lower_998_adjusted" in curves:
        lines.append(
            ("998_adjusted", "99.8% limits allowing for overdispersion", GREY, "dash", 1.2)
        )
    for name, label, colour, dash, width in lines:
        for side in ("lower", "upper"):
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=curves[f"{side}_{name}"],
                    mode="lines",
                    name=label,
                    line={"color": colour, "dash": dash, "width": width},
                    legendgroup=name,
                    showlegend=side == "lower",
                    hoverinfo="skip",
                )
            )
    fig.add_trace(
        go.Scatter(
            x=[x.min(), x.max()],
            y=[place_rate, place_rate],
            mode="lines",
            name=f"Place's rate ({place_rate:,.1f})",
            line={"color": GREY, "width": 1.4},
            hoverinfo="skip",
        )
    )
    names = np.array(_practice_labels(shown), dtype=object)
    low, high = floats(shown["rate_low"]), floats(shown["rate_high"])
    interval = np.array(
        [
            f"{lo:,.1f} to {hi:,.1f}" if np.isfinite(lo) and np.isfinite(hi) else "–"
            for lo, hi in zip(low, high, strict=True)
        ],
        dtype=object,
    )
    unusual = np.array(_unusual_words(shown), dtype=object)
    status = practice_status(shown)
    drawn = np.isfinite(rates) & np.isfinite(sizes)
    for key, (label, colour, symbol) in STATUS.items():
        mask = drawn & (status == key).to_numpy()
        if not mask.any():
            continue
        fig.add_trace(
            go.Scatter(
                x=sizes[mask],
                y=rates[mask],
                mode="markers",
                name=label,
                marker={
                    "color": colour,
                    "symbol": symbol,
                    "size": 11,
                    "line": {"color": "white" if "open" not in symbol else colour, "width": 1},
                },
                customdata=np.column_stack([names[mask], interval[mask], unusual[mask]]),
                hovertemplate="%{customdata[0]}<br>%{x:,.0f} registered adults<br>"
                "%{y:,.1f} referrals per 1,000 a year (95% CI %{customdata[1]})<br>"
                "%{customdata[2]}<extra></extra>",
            )
        )
    hidden = np.isfinite(sizes) & ~np.isfinite(rates) & shown["referrals"].isna().to_numpy()
    if hidden.any():
        first, last = floats(shown["rate_from"])[hidden], floats(shown["rate_to"])[hidden]
        middle = (first + last) / 2
        colours = [
            {"below": VERMILION, "above": BLUE}.get(k, GREY) for k in status.to_numpy()[hidden]
        ]
        fig.add_trace(
            go.Scatter(
                x=sizes[hidden],
                y=middle,
                mode="markers",
                name="Fewer than 8 referrals (hidden): the bar spans every rate 1-7 could give",
                marker={"color": colours, "symbol": "line-ew", "size": 1},
                error_y={
                    "type": "data",
                    "array": last - middle,
                    "arrayminus": middle - first,
                    "color": GREY,
                    "thickness": 3,
                    "width": 6,
                },
                customdata=np.column_stack(
                    [names[hidden], first, last, [STATUS[k][0] for k in status[hidden]]]
                ),
                hovertemplate="%{customdata[0]}: fewer than 8 referrals, a rate of "
                "%{customdata[1]:,.1f} to %{customdata[2]:,.1f}<br>%{customdata[3]}"
                "<extra></extra>",
            )
        )
    fig.update_xaxes(rangemode="tozero")
    fig.update_yaxes(rangemode="tozero")
    fig = _layout(
        fig,
        "Funnel plot: referral rate by practice against the place's rate",
        "Registered adults (list size, 18 and over)",
        RATE_AXIS,
        height=580,
    )
    fig.update_layout(margin={"t": 150})  # the legend's two or three rows under the title
    return fig


def rate_interval_chart(shown: pd.DataFrame, group: str, title: str, x_title: str):
    """Rates by group with their 95% intervals as error bars (none where the interval rests
    on fewer than 30 people); None when no group has a rate above 0 to show."""
    rates = floats(shown["rate_per_1000"])
    if not np.nan_to_num(rates).any():
        return None
    low, high = floats(shown["rate_low"]), floats(shown["rate_high"])
    fig = go.Figure(
        go.Bar(
            x=shown[group].astype(str),
            y=rates,
            marker_color=BLUE,
            name="Rate",
            error_y={
                "type": "data",
                "array": np.nan_to_num(high - rates),
                "arrayminus": np.nan_to_num(rates - low),
                "color": BLACK,
                "thickness": 1.5,
            },
            customdata=np.column_stack([low, high]),
            hovertemplate="%{x}: %{y:,.1f} per 1,000 a year "
            "(95% CI %{customdata[0]:,.1f} to %{customdata[1]:,.1f})<extra></extra>",
        )
    )
    fig.update_yaxes(rangemode="tozero")
    return _layout(fig, title, x_title, RATE_AXIS + " (95% interval)")


def share_chart(shown: pd.DataFrame, group: str, title: str, x_title: str, population: bool):
    """The share of referrals from each group, beside the group's share of the adult
    population where that is the right comparison; None when there is no share to show."""
    shares = floats(shown["share_pct"])
    if not np.nan_to_num(shares).any():
        return None
    groups = shown[group].astype(str)
    traces = [
        go.Bar(
            x=groups,
            y=shares,
            name="Share of referrals (%)",
            marker_color=BLUE,
            hovertemplate="%{x}: %{y:.0f}% of referrals<extra></extra>",
        )
    ]
    if population and "population_pct" in shown:
        traces.append(
            go.Bar(
                x=groups,
                y=floats(shown["population_pct"]),
                name="Share of adults (%)",
                marker_color=ORANGE,
                marker_pattern_shape="/",
                hovertemplate="%{x}: %{y:.0f}% of adults<extra></extra>",
            )
        )
    fig = go.Figure(traces)
    fig.update_layout(barmode="group")
    fig.update_yaxes(rangemode="tozero")
    return _layout(fig, title, x_title, "Share (%)")


def distribution_chart(shown: pd.DataFrame) -> go.Figure | None:
    """Referrals by age band, sex and ethnic group, as the share of all referrals (a panel
    each); None when there is no share to show."""
    shown = shown.dropna(subset=["share_pct"])
    if shown.empty:
        return None
    groups = list(dict.fromkeys(shown["characteristic"]))
    fig = make_subplots(rows=1, cols=len(groups), horizontal_spacing=0.12)
    for i, characteristic in enumerate(groups, start=1):
        part = shown[shown["characteristic"] == characteristic].iloc[::-1]
        fig.add_trace(
            go.Bar(
                y=part["group"].map(html_text),
                x=floats(part["share_pct"]),
                orientation="h",
                marker_color=BLUE,
                showlegend=False,
                hovertemplate="%{y}: %{x:.0f}% of referrals<extra></extra>",
            ),
            row=1,
            col=i,
        )
        fig.update_xaxes(title_text="Share of referrals (%)", rangemode="tozero", row=1, col=i)
        fig.update_yaxes(title_text=characteristic, row=1, col=i)
    fig.update_layout(
        title="Who was referred: share of referrals by age band, sex and ethnic group",
        height=420,
        **PLAIN,
        margin={"l": 90, "r": 20, "t": 90, "b": 60},
    )
    return _axes(fig)


COMPLETENESS_LINES = {
    "ethnicity_recorded_pct": ("Ethnicity", BLUE, "circle"),
    "age_recorded_pct": ("Age band", ORANGE, "square"),
    "sex_recorded_pct": ("Sex", GREEN, "diamond"),
    "area_recorded_pct": ("Area of residence", PURPLE, "triangle-up"),
}


def completeness_chart(shown: pd.DataFrame) -> go.Figure | None:
    """The share of each month's referrals with each field recorded; None when no month has
    a share to show."""
    months = shown[shown["month"] != "all referrals"]
    if months.empty or months[list(COMPLETENESS_LINES)].isna().all().all():
        return None
    x = months["month"].astype(str)
    fig = go.Figure(
        [
            go.Scatter(
                x=x,
                y=floats(months[column]),
                mode="lines+markers",
                name=label,
                line={"color": colour},
                marker={"symbol": symbol, "size": 8},
                connectgaps=False,
                hovertemplate=f"{label}: " + "%{y:.0f}% recorded in %{x}<extra></extra>",
            )
            for column, (label, colour, symbol) in COMPLETENESS_LINES.items()
        ]
    )
    low = np.nanmin(
        months[list(COMPLETENESS_LINES)].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    )
    fig.update_yaxes(range=[max(0, min(low, 90) - 5), 101])
    fig.update_xaxes(type="category")
    return _layout(
        fig,
        "How complete the recording is, by month",
        "Month of referral",
        "Referrals with the field recorded (%)",
    )


def caterpillar_chart(shown: pd.DataFrame) -> go.Figure | None:
    """Practices in the order given (ranked by the rate shown), each rate with its 95%
    interval, marked as in the funnel, against the place's rate (all from the disclosed
    `equity.funnel_spec` table); None when no practice has a rate to show."""
    place_rate = floats(shown["place_rate"])[0] if len(shown) else None
    rates = floats(shown["rate_per_1000"])
    drawn = np.isfinite(rates)
    if not drawn.any():
        return None
    shown = shown[drawn]
    rates = rates[drawn]
    low, high = floats(shown["rate_low"]), floats(shown["rate_high"])
    labels = _practice_labels(shown)
    fig = go.Figure()
    _markers_by_status(fig, shown, labels, rates, low, high, STATUS,
                       hovertemplate="%{x}: %{y:,.1f} referrals per 1,000 a year"
                       "<extra></extra>")  # fmt: skip
    if place_rate is not None and np.isfinite(place_rate):
        fig.add_hline(
            y=place_rate,
            line={"color": GREY, "width": 1.4},
            annotation_text=f"Place's rate ({place_rate:,.1f})",
            annotation_position="top right",
        )
    fig.update_xaxes(
        type="category",
        categoryorder="array",
        categoryarray=labels,
        showticklabels=len(labels) <= 40,
        tickangle=-45,
    )
    fig.update_yaxes(rangemode="tozero")
    return _layout(
        fig,
        "Referral rate by practice, highest first, with 95% intervals",
        "Practice (ranked by the rate shown)",
        RATE_AXIS,
        height=520,
    )


STANDARDISED_STATUS = {  # name, colour, marker: the funnel's words, at the ratio's 99.8% interval
    "below": ("Below the place beyond chance (99.8% interval below 1)", VERMILION,
              "triangle-down"),
    "above": ("Above the place beyond chance (99.8% interval above 1)", BLUE, "triangle-up"),
    "within": ("Within: the 99.8% interval spans 1", BLACK, "circle"),
    "borderline": ("Borderline: rounding leaves it open", ORANGE, "diamond-open"),
}  # fmt: skip


def standardised_chart(shown: pd.DataFrame) -> go.Figure | None:
    """Each practice's observed / expected adult referrals (standardised for age and sex) in
    the order given (ranked by the ratio shown), with its 99.8% interval, marked by the
    funnel's first question and with the second in the hover, against the line at 1; a
    practice whose count is hidden (1-7) has no marker. None when no practice has a ratio to
    show."""
    ratios = floats(shown["ratio"])
    drawn = np.isfinite(ratios)
    if not drawn.any():
        return None
    shown, ratios = shown[drawn], ratios[drawn]
    low, high = floats(shown["ratio_low"]), floats(shown["ratio_high"])
    labels = _practice_labels(shown)
    interval = [
        f"{lo:.2f} to {hi:.2f}" if np.isfinite(lo) and np.isfinite(hi) else "too few"
        for lo, hi in zip(low, high, strict=True)
    ]
    unusual = _unusual_words(shown)
    fig = go.Figure()
    _markers_by_status(fig, shown, labels, ratios, low, high, STANDARDISED_STATUS,
                       customdata=np.column_stack([interval, unusual]),
                       hovertemplate="%{x}: observed / expected %{y:.2f} (99.8% CI "
                       "%{customdata[0]})<br>%{customdata[1]}<extra></extra>")  # fmt: skip
    fig.add_hline(
        y=1,
        line={"color": GREY, "width": 1.4},
        annotation_text="1: as expected for the list's age and sex",
        annotation_position="top right",
    )
    fig.update_xaxes(
        type="category",
        categoryorder="array",
        categoryarray=labels,
        showticklabels=len(labels) <= 40,
        tickangle=-45,
    )
    fig.update_yaxes(rangemode="tozero")
    return _layout(
        fig,
        "Adult referrals against expected for each list's age and sex, highest first",
        "Practice (ranked by the ratio shown)",
        "Observed / expected referrals",
        height=520,
    )
