"""The outcomes page: what changed, how big that is, how sure we are, who was measured and for
whom it worked, with what the numbers cannot show said beside them."""

from __future__ import annotations

import pandas as pd

from socialrx import vocab
from socialrx.data.dataset import Dataset
from socialrx.disclosure import Level
from socialrx.metrics import outcomes, overview
from socialrx.metrics.selection import Selection, selected_outcomes, selected_referrals
from socialrx.views import outcome_charts
from socialrx.views.panels import Panel, disclosure_caption

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
    "improved_pct": "% improved at all",
    "threshold": "Meaningful change (points)",
    "better_by_threshold_pct": "% better by at least that",
    "worse_by_threshold_pct": "% worse by at least that",
}
EFFECT_LABELS = {
    "label": "Measure",
    "paired": "Measured at both",
    "smc": "Standardised mean change",
    "smc_low": "95% CI from",
    "smc_high": "95% CI to",
    "dz": "Cohen's dz",
    "dz_low": "dz 95% CI from",
    "dz_high": "dz 95% CI to",
}
CAVEATS = (
    "What these numbers cannot show. **No comparison group:** people are referred when things "
    "are hard, and many feel better with time whatever happens, so a change is not proof the "
    "service caused it. **Regression to the mean:** people referred at a low point tend to "
    "score nearer their usual level next time. **Who is missing:** only people measured twice "
    "count; those lost to follow-up may have done better or worse (see who was followed up). "
    "**Fewer than 30 people** give no statistic here: too few to judge."
)
GP_NOTE = (
    "GP appointments in the 6 months before and after are described, not claimed as an effect: "
    "the 'before' window usually holds the appointment that led to the referral, a follow-up "
    "taken earlier than 6 months covers a shorter window, and there is no comparison group."
)


def change_panel(table: pd.DataFrame, level: Level, standard: str) -> Panel:
    thresholds = "; ".join(
        f"{row.label}: {outcomes.threshold_words(row.measure, standard)}"
        for row in table.itertuples()
    )
    return Panel(
        name="outcome_change",
        title="What changed",
        caption="How to read this: each small chart is one measure on its own scale: the mean "
        "change between baseline and the latest follow-up with its 95% confidence interval "
        "(paired t). Blue is better for that measure, orange worse: lower is better for "
        "anxiety, loneliness and GP appointments. Only people measured twice count; a "
        "follow-up dated before its baseline is never paired; SWEMWBS raw scores are "
        "converted to the metric scale (Stewart-Brown et al. 2009). Means need at least 30 "
        f"people. A change that matters, per person: {thresholds}. " + disclosure_caption(level),
        level=level,
        table=table,
        spec=outcomes.SPEC,
        labels=LABELS,
        chart=outcome_charts.change_per_measure,
        empty="No change to draw: fewer than 30 people measured twice for every measure, "
        "or none. The table says how many were measured.",
    )


def effect_panel(table: pd.DataFrame, level: Level) -> Panel:
    return Panel(
        name="outcome_effect_sizes",
        title="How big: effect sizes on one scale",
        caption="How to read this: right of the line is better on every measure. The "
        "standardised mean change divides the mean change by the baseline standard deviation "
        "(interval from Becker 1988), so measures on different scales compare; about 0.2 is "
        "usually called small, 0.5 medium and 0.8 large. Cohen's dz divides by the spread of "
        "the changes instead: it grows as people's before and after scores track each other, "
        "so it says how consistent the change was, not how big. " + disclosure_caption(level),
        level=level,
        table=table,
        spec=outcomes.SPEC,
        labels=EFFECT_LABELS,
        chart=outcome_charts.effect_forest,
        empty="No effect size to draw: fewer than 30 people measured twice for every measure.",
    )


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


def attrition_panel(measured, as_at, level: Level) -> Panel:
    table = outcomes.attrition(measured, as_at)
    shown = outcomes.ATTRITION_SPEC.disclose(table, level)
    differs = table.loc[table["differs"] & (shown.marks["difference"] == ""), "label"]
    notes = (
        (
            "Those lost to follow-up started from a different baseline on "
            + ", ".join(differs)
            + ": the change among those who stayed may not describe everyone referred.",
        )
        if len(differs)
        else ()
    )
    return Panel(
        name="outcome_attrition",
        title="Did those lost start from a different place?",
        caption="Among baselines old enough for a follow-up: the mean baseline of people "
        "followed up and of people lost, and the difference (lost minus followed) with its 95% "
        "interval (Welch's t). An interval that does not cross 0 means the people measured "
        "twice are not like everyone referred. Each mean needs 30 people; the difference 30 in "
        "each group. " + disclosure_caption(level),
        level=level,
        table=table,
        spec=outcomes.ATTRITION_SPEC,
        labels={
            "label": "Measure",
            "followed": "Followed up",
            "lost": "Lost",
            "mean_followed": "Baseline mean: followed",
            "mean_lost": "Baseline mean: lost",
            "difference": "Difference",
            "diff_low": "95% CI from",
            "diff_high": "95% CI to",
        },
        notes=notes,
    )


def band_panel(measured, measure: str, level: Level) -> Panel:
    label = vocab.MEASURES[measure].label
    return Panel(
        name=f"outcome_bands_{measure}",
        title=f"{label}: moves between the ONS bands",
        caption="People measured twice by their ONS band at baseline and at the latest "
        "follow-up (ONS thresholds: life satisfaction, worthwhile and happiness low 0-4, "
        "medium 5-6, high 7-8, very high 9-10; anxiety very low 0-1, low 2-3, medium 4-5, high "
        "6-10). Descriptive: ONS4 has no published threshold for a meaningful change. "
        + disclosure_caption(level),
        level=level,
        table=outcomes.band_transitions(measured, measure),
        spec=outcomes.TRANSITIONS_SPEC,
        labels={
            "baseline_band": "Band at baseline",
            "follow_up_band": "Band at follow-up",
            "people": "People",
        },
    )


def group_panel(
    dataset: Dataset, selection: Selection, measured, measure: str, group: str, level: Level
) -> Panel:
    groups = outcomes.group_of(
        selected_referrals(dataset, selection),
        dataset.table("connections"),
        dataset.table("assets"),
        dataset.table("area_stats"),
        group,
    )
    label, group_label = vocab.MEASURES[measure].label, outcomes.GROUPS[group]
    overlap = " A person with several reasons counts under each." if group == "reason" else ""
    return Panel(
        name=f"outcome_by_{group}",
        title=f"For whom: {label} by {group_label.lower()}",
        caption="How to read this: each point is a group's mean change (positive = better) with "
        "its 95% interval; where intervals overlap, the data cannot tell the groups apart. "
        f"Groups with fewer than 30 people measured twice are not drawn.{overlap} "
        + disclosure_caption(level),
        level=level,
        table=outcomes.change_by_group(measured, groups, measure),
        spec=outcomes.GROUP_SPEC,
        labels={
            "group": group_label,
            "paired": "Measured at both",
            "mean_change": "Mean change (positive = better)",
            "ci_low": "95% CI from",
            "ci_high": "95% CI to",
        },
        chart=lambda shown: outcome_charts.group_forest(shown, label, group_label),
        empty="No group has 30 or more people measured twice on this measure.",
    )


def panels(
    dataset: Dataset, selection: Selection, level: Level, standard: str = outcomes.SEM
) -> list[Panel]:
    """The page's panels but "for whom" (`for_whom`, which needs the user's choices)."""
    measured = selected_outcomes(dataset, selection)
    table = outcomes.paired_change(measured, standard)
    as_at = overview.as_at(dataset)
    out = [
        Panel(name="outcome_caveats", title="", caption="", level=level, notes=(CAVEATS,)),
        change_panel(table, level, standard),
        effect_panel(table, level),
        follow_up_panel(measured, as_at, level),
        attrition_panel(measured, as_at, level),
    ]
    paired = paired_measures(out)
    out += [band_panel(measured, m, level) for m in paired if m.startswith("ons4_")]
    if "gp_appointments_6m" in paired:
        out.append(Panel(name="outcome_gp_note", title="", caption="", level=level,
                         notes=(GP_NOTE,)))  # fmt: skip
    baselines = measured[measured["timepoint"] == "baseline"]
    if baselines.duplicated(["referral_id", "measure"]).any():
        out.append(Panel(name="outcome_baselines", title="", caption="", level=level,
                         notes=(SEVERAL_BASELINES,)))  # fmt: skip
    if table["with_follow_up"].gt(table["paired"]).any():
        out.append(Panel(name="outcome_unpaired", title="", caption="", level=level,
                         notes=(UNPAIRED,)))  # fmt: skip
    return out


def paired_measures(panels: list[Panel]) -> list[str]:
    """The measures anyone was measured twice on, from the change panel's exact table."""
    table = next(p.table for p in panels if p.name == "outcome_change")
    return table.loc[table["paired"] > 0, "measure"].tolist()


def for_whom(
    dataset: Dataset, selection: Selection, level: Level, measure: str, group: str
) -> Panel:
    """Change on `measure` by `group` (a key of `outcomes.GROUPS`)."""
    return group_panel(dataset, selection, selected_outcomes(dataset, selection), measure,
                       group, level)  # fmt: skip


SEVERAL_BASELINES = (
    "Some people have more than one baseline for a measure: the earliest is used, as the "
    "score before the service began."
)
UNPAIRED = (
    "Some follow-ups have no baseline to pair with (or only one dated after them) and are left "
    "out. The rule: the earliest baseline is paired with the latest follow-up dated on or "
    "after it; a measure with only follow-ups gives no change."
)
