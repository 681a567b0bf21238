"""The outcomes page: what changed, how big that is, how sure we are, who was measured and for
whom it worked, with what the numbers cannot show said beside them."""

from __future__ import annotations

import pandas as pd

from socialrx import vocab
from socialrx.data.dataset import Dataset
from socialrx.disclosure import MIN_PEOPLE, Level
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
CAVEATS = (  # plain text: the drawing step escapes it, so markdown marks would show as typed
    "What these numbers cannot show. No comparison group: people are referred when things "
    "are hard, and many feel better with time whatever happens, so a change is not proof the "
    "service caused it. Regression to the mean: people referred at a low point tend to "
    "score nearer their usual level next time. Who is missing: only people measured twice "
    "count; those lost to follow-up may have done better or worse (see who was followed up). "
    "Fewer than 30 people give no statistic here: too few to judge."
)
GP_NOTE = (
    "GP appointments in the 6 months before and after are described, not claimed as an effect: "
    "the 'before' window usually holds the appointment that led to the referral, a follow-up "
    "taken earlier than 6 months covers a shorter window, and there is no comparison group."
)


def _people(count) -> str:
    """A disclosed count of people in a sentence: "1-7" where it is hidden."""
    return "1-7" if pd.isna(count) else f"{count:,.0f}"


def _points(value) -> str:
    return f"{value:.1f} point{'' if round(abs(value), 1) == 1 else 's'}"


def _interval(values: pd.Series, low: str, high: str) -> str:
    """ " (95% CI a to b)" where both ends are shown, else nothing."""
    if pd.isna(values[low]) or pd.isna(values[high]):
        return ""
    return f" (95% CI {values[low]:.1f} to {values[high]:.1f})"


def _too_few(label: str, paired) -> str:
    least, most = outcomes.more_needed(paired)
    more = f"about {least:,}" if least == most else f"{least:,} to {most:,}"
    return (
        f"Too few people measured twice to judge the change on {label}: {_people(paired)} paired "
        f"({MIN_PEOPLE} are needed: {more} more measured twice would make it judgeable)."
    )


def change_answer(values: pd.DataFrame, lead: bool = False) -> str:
    """The change panel's answer, from the disclosed table: the headline measure's mean
    change with its interval among the people measured twice, and how many had a baseline
    (`lead`: not said, unless the change is too few to judge)."""
    row = outcomes.headline_measure(values)
    if row is None:
        return "Nobody in this place and period was measured at both baseline and follow-up."
    label, mean = row["label"], row["mean_change"]
    baseline = f"{_people(row['with_baseline'])} had a baseline."
    if pd.isna(mean):
        return f"{_too_few(label, row['paired'])} {baseline}"
    better = "higher" if row["higher_is_better"] else "lower"
    moved = (
        "did not change on average"
        if round(mean, 1) == 0
        else f"{'rose' if mean > 0 else 'fell'} by {_points(abs(mean))} on average"
    )
    return (
        f"{label} {moved} among {_people(row['paired'])} people measured twice"
        f"{_interval(row, 'ci_low', 'ci_high')}; {better} is better."
        + ("" if lead else f" {baseline}")
    )


def change_notes(values: pd.DataFrame) -> tuple[str, ...]:
    """How odd records were paired, said where the counts as shown say there are any (a
    hidden count is some)."""

    def some(column: str) -> bool:
        counts = values[column].astype("Float64")
        return bool((counts.isna() | (counts > 0)).any()) if len(counts) else False

    return (
        SEVERAL_BASELINES if some("several_baselines") else "",
        UNPAIRED if some("unpaired") else "",
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
        "change between baseline and the latest follow-up with its 95% confidence interval; "
        "blue is better for that measure, orange worse.",
        method="The interval is the paired t's: mean +/- t x SD of the changes / sqrt(n), n the "
        "number measured twice as shown. Lower is better for anxiety, loneliness and GP "
        "appointments. Only people measured twice count; a "
        "follow-up dated before its baseline is never paired; SWEMWBS raw scores are "
        "converted to the metric scale (Stewart-Brown et al. 2009). Means need at least 30 "
        "people as shown; shares are worked out from the counts as shown. A change that "
        f"matters, per person: {thresholds}. " + disclosure_caption(level),
        level=level,
        table=table,
        spec=outcomes.SPEC,
        labels=LABELS,
        chart=outcome_charts.change_per_measure,
        empty="No change to draw: fewer than 30 people measured twice for every measure, "
        "or none. The table says how many were measured.",
        answer=change_answer,
        lead=lambda values: change_answer(values, lead=True),
        said=change_notes,
    )


def _size(effect: float) -> str:
    """Cohen's benchmarks for a standardised difference, on the value as shown."""
    size = abs(round(effect, 1))
    if size == 0:
        return "no change"
    word = "improvement" if effect > 0 else "worsening"
    if size < 0.2:
        return f"a {word} smaller than what is usually called small"
    return f"a {'small' if size < 0.5 else 'medium' if size < 0.8 else 'large'} {word}"


def effect_answer(values: pd.DataFrame, lead: bool = False) -> str:
    """The effect panel's answer, from the disclosed table: the headline measure's
    standardised mean change, its interval and what size it is by the usual benchmarks
    (`lead`: without the benchmarks' values)."""
    row = outcomes.headline_measure(values)
    if row is None:
        return "Nobody in this place and period was measured twice, so there is no effect size."
    label, smc = row["label"], row["smc"]
    if pd.isna(smc):
        return _too_few(label, row["paired"])
    return (
        f"On {label} the change was {smc:+.1f} baseline standard deviations"
        f"{_interval(row, 'smc_low', 'smc_high')}, {_size(smc)} by the usual benchmarks"
        + ("" if lead else " (0.2 small, 0.5 medium, 0.8 large)")
        + f", among {_people(row['paired'])} people measured twice."
    )


def effect_panel(table: pd.DataFrame, level: Level) -> Panel:
    return Panel(
        name="outcome_effect_sizes",
        title="How big: effect sizes on one scale",
        caption="How to read this: right of the line is better on every measure; about 0.2 is "
        "usually called small, 0.5 medium and 0.8 large.",
        method="The standardised mean change divides the mean change by the baseline standard "
        "deviation (interval from Becker's 1988 variance, 2(1 - r)/n + d\u00b2/2n, r the "
        "before-after correlation), so measures on different scales compare. Cohen's dz "
        "divides by the spread of the changes instead (interval from the variance "
        "1/n + dz\u00b2/2n): it grows as people's before "
        "and after scores track each other, so it says how consistent the change was, not how "
        "big. Effect sizes are worked out from exact scores and shown to one decimal; n in "
        "the intervals is the number measured twice as shown. " + disclosure_caption(level),
        level=level,
        table=table,
        spec=outcomes.SPEC,
        labels=EFFECT_LABELS,
        chart=outcome_charts.effect_forest,
        empty="No effect size to draw: fewer than 30 people measured twice for every measure.",
        answer=effect_answer,
        lead=lambda values: effect_answer(values, lead=True),
    )


def follow_up_answer(values: pd.DataFrame) -> str:
    """The completion panel's answer, from the disclosed table: how many of the people old
    enough to judge were followed up in time, on the headline measure."""
    row = outcomes.headline_measure(values, "eligible")
    days = outcomes.FOLLOW_UP_WINDOW_DAYS
    if row is None:
        return f"No baseline is yet {days} days old, so follow-up cannot be judged."
    share, recent = row["followed_pct"], row["recent"]
    verb = "is" if pd.notna(recent) and recent == 1 else "are"
    none = pd.notna(recent) and recent == 0
    recent = "" if none else f"; {_people(recent)} more {verb} too recent to judge"
    if pd.isna(share):
        return (
            f"Too few baselines are old enough to judge follow-up on {row['label']}: "
            f"{_people(row['eligible'])} ({MIN_PEOPLE} are needed){recent}."
        )
    return (
        f"On {row['label']}, {_people(row['followed'])} of the {_people(row['eligible'])} people "
        f"whose baseline is at least {days} days old ({share:.0f}%) were followed up within "
        f"{days} days{recent}."
    )


def follow_up_panel(measured, as_at, level: Level) -> Panel:
    days = outcomes.FOLLOW_UP_WINDOW_DAYS
    return Panel(
        name="outcome_follow_up",
        title="Who was followed up",
        caption=f"Of the people whose baseline was at least {days} days before the data ends, "
        f"the share followed up within {days} days of it.",
        method="Followed up: with a follow-up dated on or after the baseline and within "
        f"{days} days of it (a later one besides does not undo it; the next panel counts the "
        "same people). People measured more recently are too recent to judge, not lost, so "
        "periods compare like for like; a baseline without a date cannot be judged. "
        "The share is worked out from the counts as shown. " + disclosure_caption(level),
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
        answer=follow_up_answer,
    )


def attrition_answer(values: pd.DataFrame) -> str:
    """The attrition panel's answer, from the disclosed table, on the headline measure."""
    if values.empty:
        days = outcomes.FOLLOW_UP_WINDOW_DAYS
        return f"No baseline is yet {days} days old, so nobody can be counted as lost."
    row = outcomes.headline_measure(values, "followed")
    if row is None:
        return "Nobody with a baseline old enough was followed up, so there is no comparison."
    label, difference = row["label"], row["difference"]
    if pd.isna(difference):
        return (
            f"Too few people to compare those lost to follow-up with those followed up on "
            f"{label}: {_people(row['lost'])} lost and {_people(row['followed'])} followed up "
            f"({MIN_PEOPLE} are needed in each)."
        )
    differs = outcomes.lost_differ(values).fillna(False).loc[row.name]
    start = (
        f"On {label}, the {_people(row['lost'])} people lost to follow-up and the "
        f"{_people(row['followed'])} followed up started at the same level on average"
        if round(difference, 1) == 0
        else f"On {label}, the {_people(row['lost'])} people lost to follow-up started "
        f"{_points(abs(difference))} {'higher' if difference > 0 else 'lower'} on average than "
        f"the {_people(row['followed'])} followed up"
    )
    interval = _interval(row, "diff_low", "diff_high")
    if differs:
        return (
            f"{start}{interval}: those followed up are not like everyone referred, so the "
            "change among them may not describe everyone."
        )
    return f"{start}{interval}: no clear difference at baseline."


def attrition_notes(values: pd.DataFrame) -> tuple[str, ...]:
    """The measures on which those lost started elsewhere, from the intervals as shown."""
    differs = values.loc[outcomes.lost_differ(values).fillna(False).to_numpy(), "label"]
    if differs.empty:
        return ()
    return (
        "Those lost to follow-up started from a different baseline on "
        + ", ".join(differs)
        + ": the change among those who stayed may not describe everyone referred.",
    )


def attrition_panel(measured, as_at, level: Level) -> Panel:
    return Panel(
        name="outcome_attrition",
        title="Did those lost start from a different place?",
        caption="Among baselines old enough for a follow-up: the mean baseline of people "
        "followed up and of people lost; an interval of their difference that does not cross 0 "
        "means the people measured twice are not like everyone referred.",
        method="The difference is lost minus followed, with its 95% interval (Welch's t, with "
        "the numbers followed and lost as shown); those followed up as in the panel above. "
        "Each mean needs 30 people; the difference 30 in each group. " + disclosure_caption(level),
        level=level,
        table=outcomes.attrition(measured, as_at),
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
        answer=attrition_answer,
        said=attrition_notes,
    )


def band_answer(values: pd.DataFrame, measure: str) -> str:
    """The band panel's answer: people who moved to a better band, a worse one or stayed,
    added up from the cells as shown (hidden cells named, not guessed)."""
    moves = outcomes.band_moves(values, measure)
    hidden = sum(k for _, k in moves.values())
    said = (
        f"Of the people measured twice on {vocab.MEASURES[measure].label}, "
        f"{moves['better'][0]:,} moved to a better ONS band, {moves['worse'][0]:,} to a worse "
        f"one and {moves['same'][0]:,} stayed in the same band"
    )
    if hidden:
        cells = f"{hidden} cell{'s' if hidden != 1 else ''} of 1-7 people"
        return f"{said} (adding the cells shown; {cells} hidden and not added)."
    return f"{said}."


def band_panel(measured, measure: str, level: Level) -> Panel:
    label = vocab.MEASURES[measure].label
    return Panel(
        name=f"outcome_bands_{measure}",
        title=f"{label}: moves between the ONS bands",
        caption="People measured twice by their ONS band at baseline and at the latest follow-up.",
        method="ONS thresholds: life satisfaction, worthwhile and happiness low 0-4, "
        "medium 5-6, high 7-8, very high 9-10; anxiety very low 0-1, low 2-3, medium 4-5, high "
        "6-10. Descriptive: ONS4 has no published threshold for a meaningful change. Each "
        "cell is disclosed on its own; totals above add up the cells as shown. "
        + disclosure_caption(level),
        level=level,
        table=outcomes.band_transitions(measured, measure),
        spec=outcomes.TRANSITIONS_SPEC,
        labels={
            "baseline_band": "Band at baseline",
            "follow_up_band": "Band at follow-up",
            "people": "People",
        },
        answer=lambda shown: band_answer(shown, measure),
    )


def group_answer(values: pd.DataFrame, measure_label: str, group_label: str) -> str:
    """The "for whom" answer, from the disclosed table: the groups with the largest and the
    smallest mean change as shown, and whether their intervals overlap."""
    shown = values.dropna(subset=["mean_change"])
    where = vocab.in_sentence(group_label)
    if shown.empty:
        return (
            f"No {where} group has {MIN_PEOPLE} or more people measured twice on "
            f"{measure_label}, so no group's change is given."
        )
    rounded = shown[["mean_change", "ci_low", "ci_high"]].astype("Float64").round(1)
    order = rounded["mean_change"].sort_values(ascending=False, kind="stable").index
    top, bottom = shown.loc[order[0]], shown.loc[order[-1]]

    def group(row: pd.Series) -> str:
        interval = _interval(row, "ci_low", "ci_high").strip(" ()")
        return f"{row['group']} ({row['mean_change']:+.1f}" + (
            f"; {interval})" if interval else ")"
        )

    counted = f"{len(shown)} of {len(values)} groups by {where} have a change shown."
    if len(shown) == 1:
        return (
            f"On {measure_label}, the one change shown (positive = better): {group(top)}. {counted}"
        )
    apart = (
        pd.notna(rounded.loc[order[-1], "ci_high"])
        and pd.notna(rounded.loc[order[0], "ci_low"])
        and rounded.loc[order[-1], "ci_high"] < rounded.loc[order[0], "ci_low"]
    )
    verdict = (
        "their intervals do not overlap"
        if apart
        else "their intervals overlap, so the data cannot tell them apart"
    )
    return (
        f"On {measure_label}, the largest mean change (positive = better) is in {group(top)} "
        f"and the smallest in {group(bottom)}: {verdict}. {counted}"
    )


def group_panel(
    dataset: Dataset, selection: Selection, measured, measure: str, group: str, level: Level
) -> Panel:
    groups = outcomes.group_of(
        selected_referrals(dataset, selection, outcomes.group_columns(group)),
        dataset.table("connections"),
        dataset.table("assets"),
        dataset.table("area_stats"),
        group,
    )
    label, group_label = vocab.MEASURES[measure].label, outcomes.GROUPS[group]
    overlap = " A person with several reasons counts under each." if group == "reason" else ""
    return Panel(
        name=f"outcome_by_{group}",
        title=f"For whom: {label} by {vocab.in_sentence(group_label)}",
        caption="How to read this: each point is a group's mean change (positive = better) with "
        "its 95% interval; where intervals overlap, the data cannot tell the groups apart.",
        method="Paired t intervals, with the group's number measured twice as shown. Groups "
        f"with fewer than 30 people measured twice are not drawn.{overlap} "
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
        answer=lambda shown: group_answer(shown, label, group_label),
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
    return out


def paired_measures(panels: list[Panel], name: str = "outcome_change") -> list[str]:
    """The measures anyone was measured twice on, from the change panel's (`name`) counts as
    shown (0 shows as 0, so a hidden count is someone)."""
    values = next(p for p in panels if p.name == name).disclosed.values
    paired = values["paired"].astype("Float64")
    return values.loc[(paired.isna() | (paired > 0)).to_numpy(), "measure"].tolist()


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
