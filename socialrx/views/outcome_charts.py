"""Outcome charts: each measure's change on its own scale, effect sizes on one axis, and the
change by group, from disclosed tables (a statistic not shown is not drawn). Every figure is
drawn at the precision the table shows (one decimal): an interval worked out after
disclosure comes unrounded, and its ends at full precision would give the exact mean away
in the chart's data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from socialrx import vocab
from socialrx.escape import html_text
from socialrx.views.charts import layout
from socialrx.views.palette import OKABE_ITO

BETTER, WORSE, NEITHER = OKABE_ITO[4], OKABE_ITO[5], "#999999"


def _as_shown(table: pd.DataFrame, columns: tuple[str, ...], decimals: int = 1) -> pd.DataFrame:
    """The rows whose first column is shown, with `columns` at the precision shown (NaN where
    not shown)."""
    shown = table.dropna(subset=[columns[0]])
    return shown.assign(
        **{
            c: shown[c].astype("Float64").round(decimals).to_numpy(dtype=float, na_value=np.nan)
            for c in columns
        }
    )


def _colour(change: float, higher_is_better: bool) -> str:
    if change == 0:
        return NEITHER
    return BETTER if (change > 0) == higher_is_better else WORSE


def change_per_measure(table: pd.DataFrame) -> go.Figure | None:
    """One small chart per measure, each on its own scale: the mean change with its 95%
    interval, blue where better for that measure, orange where worse. None when no change is
    shown."""
    shown = _as_shown(table, ("mean_change", "ci_low", "ci_high"))
    if shown.empty:
        return None
    titles = [
        f"{html_text(row.label)}<br>({vocab.MEASURES_RANGE[row.measure]})"
        for row in shown.itertuples()
    ]
    fig = make_subplots(rows=1, cols=len(shown), subplot_titles=titles, horizontal_spacing=0.08)
    for i, row in enumerate(shown.itertuples(), start=1):
        mean = float(row.mean_change)
        fig.add_trace(
            go.Bar(
                x=["change"],
                y=[mean],
                marker_color=_colour(mean, bool(row.higher_is_better)),
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [float(row.ci_high) - mean],
                    "arrayminus": [mean - float(row.ci_low)],
                },
                hovertemplate=f"{html_text(row.label)}: %{{y:+.1f}} points<extra></extra>",
                showlegend=False,
            ),
            row=1,
            col=i,
        )
        fig.update_yaxes(title_text="points" if i == 1 else None, zeroline=True, row=1, col=i)
        fig.update_xaxes(showticklabels=False, row=1, col=i)
    fig.update_annotations(font_size=11)
    fig = layout(
        fig,
        "Mean change from baseline to latest follow-up, each on its own scale (95% CI)",
        "",
        "Change (points)",
    )
    fig.update_layout(height=420, margin={"t": 110})  # room for the title above each scale
    return fig


def effect_forest(table: pd.DataFrame) -> go.Figure | None:
    """Standardised mean change (change / baseline SD) and Cohen's dz per measure on one axis,
    oriented so right of 0 is better on every measure. None when none is shown."""
    shown = _as_shown(table, ("smc", "smc_low", "smc_high", "dz", "dz_low", "dz_high"))
    if shown.empty:
        return None
    labels = [html_text(label) for label in shown["label"]]
    fig = go.Figure()
    for column, name, colour, symbol in (
        ("smc", "Standardised mean change (change / baseline SD)", OKABE_ITO[4], "diamond"),
        ("dz", "Cohen's dz (change / SD of changes)", OKABE_ITO[0], "circle"),
    ):
        value = shown[column].astype(float)
        fig.add_trace(
            go.Scatter(
                x=value,
                y=labels,
                mode="markers",
                name=name,
                marker={"color": colour, "symbol": symbol, "size": 11},
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": (shown[f"{column}_high"].astype(float) - value).tolist(),
                    "arrayminus": (value - shown[f"{column}_low"].astype(float)).tolist(),
                },
                hovertemplate="%{y}: %{x:+.1f}<extra></extra>",
            )
        )
    fig.add_vline(x=0, line_color="#555555", line_width=1)
    fig.update_layout(
        height=max(300, 70 * len(shown) + 140), legend={"orientation": "h", "y": -0.25}
    )
    return layout(
        fig,
        "Effect sizes on one scale (95% CI): right of the line is better on every measure",
        "Effect size (standard deviations; positive = better)",
        "Measure",
    )


def group_forest(table: pd.DataFrame, measure_label: str, group_label: str) -> go.Figure | None:
    """Mean change (positive = better) with its 95% interval for each group, so overlapping
    intervals show where groups cannot be told apart. None when no group's change is shown."""
    shown = _as_shown(table, ("mean_change", "ci_low", "ci_high"))
    if shown.empty:
        return None
    mean = shown["mean_change"].astype(float)
    fig = go.Figure(
        go.Scatter(
            x=mean,
            y=[html_text(g) for g in shown["group"]],
            mode="markers",
            marker={"color": OKABE_ITO[4], "size": 10},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": (shown["ci_high"].astype(float) - mean).tolist(),
                "arrayminus": (mean - shown["ci_low"].astype(float)).tolist(),
            },
            hovertemplate="%{y}: %{x:+.1f} points<extra></extra>",
        )
    )
    fig.add_vline(x=0, line_color="#555555", line_width=1)
    fig.update_layout(height=max(300, 34 * len(shown) + 140))
    return layout(
        fig,
        f"{html_text(measure_label)}: change by {vocab.in_sentence(group_label)} (95% CI)",
        "Mean change in points (positive = better)",
        html_text(group_label),
    )
