"""The outcomes page: change from baseline to the latest follow-up, per measure."""

from __future__ import annotations

from socialrx import charts, outcomes, overview
from socialrx.dataset import Dataset
from socialrx.disclosure import Level
from socialrx.panels import Panel, disclosure_caption
from socialrx.selection import Selection, selected_outcomes

LABELS = {
    "label": "Measure",
    "with_baseline": "With baseline",
    "with_follow_up": "With follow-up",
    "paired": "Measured at both",
    "mean_baseline": "Mean before",
    "mean_follow_up": "Mean after",
    "mean_change": "Mean change",
    "ci_low": "95% CI from",
    "ci_high": "95% CI to",
    "improved": "Improved",
    "improved_pct": "% improved",
}


def follow_up_panel(measured, as_at, level: Level) -> Panel:
    days = outcomes.FOLLOW_UP_WINDOW_DAYS
    return Panel(
        name="outcome_follow_up",
        title="Who was followed up",
        caption=f"Of the people whose baseline was at least {days} days before the data ends, "
        f"the share with a follow-up within {days} days of it. People measured more recently "
        "are too recent to judge, not lost, so periods compare like for like. "
        + disclosure_caption(level),
        level=level,
        table=outcomes.follow_up_completion(measured, as_at),
        spec=outcomes.FOLLOW_UP_SPEC,
        labels={
            "label": "Measure",
            "eligible": f"Baseline {days}+ days ago",
            "followed": "Followed up in time",
            "followed_pct": "% followed up",
            "recent": "Too recent to judge",
        },
    )


def panels(dataset: Dataset, selection: Selection, level: Level) -> list[Panel]:
    measured = selected_outcomes(dataset, selection)
    table = outcomes.paired_change(measured)
    return [
        Panel(
            name="outcome_change",
            title="Change from baseline to the latest follow-up",
            caption="How to read this: each bar is the mean change between baseline and the "
            "latest follow-up, on the measure's own scale (under each bar), with its 95% "
            "confidence interval (paired t). Blue is an improvement, orange a worsening: lower "
            "is better for anxiety, loneliness and GP appointments. Only people measured twice "
            "count, and a follow-up dated before its baseline is never paired. Those lost to "
            "follow-up may differ from those who stayed, so the change describes the people "
            "measured twice, not everyone referred. There is no comparison group: change over "
            "time is not proof the service caused it. SWEMWBS raw scores are converted to the "
            "metric scale. Means and intervals show one decimal and need at least 30 people "
            "measured twice. " + disclosure_caption(level),
            level=level,
            table=table,
            spec=outcomes.SPEC,
            labels=LABELS,
            chart=charts.outcome_change_chart,
            empty="No change to draw: fewer than 30 people measured twice for every measure, "
            "or none. The table says how many were measured.",
        ),
        follow_up_panel(measured, overview.as_at(dataset), level),
    ]
