"""What a provider can show its funder about outcomes: the Outcomes page's change, effect
sizes and follow-up, for the people sent to its assets in the period (wherever they live and
whenever they were referred), and the change at each of its assets, under the same rules (a
statistic needs 30 people measured twice as shown; "too few" says how many more would do)."""

from __future__ import annotations

import dataclasses

import pandas as pd

from socialrx import vocab
from socialrx.data.dataset import Dataset
from socialrx.disclosure import Level
from socialrx.metrics import outcomes, overview
from socialrx.metrics.selection import outcomes_of
from socialrx.views import outcome_charts
from socialrx.views.outcomes import (
    change_panel,
    effect_panel,
    follow_up_panel,
    group_answer,
    paired_measures,
)
from socialrx.views.panels import Panel, disclosure_caption

ATTRIBUTION = (
    "Outcomes of the people sent to its assets in the period, as the Outcomes page measures "
    "them: a person sent to several providers counts for each, so these are the outcomes of "
    "the people it worked with, not changes it caused (there is no comparison group)."
)


def provider_outcome_panels(
    dataset: Dataset, level: Level, mine: pd.DataFrame, sent: pd.DataFrame
) -> list[Panel]:
    """Change, effect sizes and follow-up among the people `sent` to its assets `mine`, and
    the change on the first measure anyone was measured twice on, by asset."""
    if not dataset.has("outcomes") or sent.empty:
        return []
    measured = outcomes_of(dataset, sent["referral_id"])
    table = outcomes.paired_change(measured)
    panels = [
        change_panel(table, level, outcomes.SEM),
        effect_panel(table, level),
        follow_up_panel(measured, overview.as_at(dataset), level),
    ]
    panels = [_renamed(p, ATTRIBUTION) for p in panels]
    paired = paired_measures(panels, "provider_outcome_change")
    if paired and len(mine) > 1:
        panels.append(_by_asset(measured, mine, sent, paired[0], level))
    return panels


def _renamed(panel: Panel, note: str) -> Panel:
    """The Outcomes page's panel under a name of its own (a pack holds both) and saying whose
    people it counts."""
    return dataclasses.replace(panel, name=f"provider_{panel.name}", notes=(note, *panel.notes))


def _by_asset(
    measured: outcomes.Measured,
    mine: pd.DataFrame,
    sent: pd.DataFrame,
    measure: str,
    level: Level,
) -> Panel:
    label = vocab.MEASURES[measure].label
    names = mine.set_index("asset_id")["name"].astype(str)
    groups = outcomes.asset_groups(sent, names)
    return Panel(
        name="provider_outcome_by_asset",
        title=f"{label} at each of its assets",
        caption="How to read this: each point is the mean change (positive = better) among the "
        "people sent to that asset and measured twice, with its 95% interval (paired t, with "
        "the number measured twice as shown); where intervals overlap the data cannot tell "
        "the assets apart. Assets with fewer than 30 people measured twice are not drawn; a "
        "person sent to two of its assets counts at each. " + disclosure_caption(level),
        level=level,
        table=outcomes.change_by_group(measured, groups, measure),
        spec=outcomes.GROUP_SPEC,
        labels={
            "group": "Asset",
            "paired": "Measured at both",
            "mean_change": "Mean change (positive = better)",
            "ci_low": "95% CI from",
            "ci_high": "95% CI to",
        },
        chart=lambda shown: outcome_charts.group_forest(shown, label, "Asset"),
        empty="No asset has 30 or more people measured twice on this measure.",
        answer=lambda shown: group_answer(shown, label, "Asset"),
    )
