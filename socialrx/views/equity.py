"""The equity page: who the service reaches and who it misses, compared fairly, with honest
uncertainty, and beside how complete the recording is."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from socialrx.data.dataset import Dataset, keep
from socialrx.disclosure import Level, shown
from socialrx.metrics import equity, equity_summary, gaps
from socialrx.metrics import referrals as referral_metrics
from socialrx.metrics.selection import (
    Selection,
    data_period,
    default_selection,
    in_place,
    is_lasting_default,
    selected_area_stats,
    selected_practices,
)
from socialrx.views import equity_answers as answers
from socialrx.views import equity_charts as charts
from socialrx.views import ethnicity as ethnicity_view
from socialrx.views.panels import Card, Panel, Section, disclosure_caption, sections_by_name

METHODS = {
    equity.ADDITIVE: "Additive random effect (tau\u00b2)",
    equity.MULTIPLICATIVE: "Multiplicative (\u221aphi)",
    equity.NO_ADJUSTMENT: "None: Poisson limits only",
}
DECILE_NOTE = (
    "Group 1 is the most deprived. Deciles are national (1 = the most deprived 10% of small "
    "areas in England) where they come from the official Indices of Deprivation files (and the "
    "demo's real IMD 2019); a decile column made locally means what its maker made it mean. "
    "Quintiles join deciles in pairs (1-2, 3-4, ...)."
)


def _note(name: str, title: str, message: str, caption: str = "") -> Panel:
    """A panel with nothing to draw but a reason, said as the page's info box."""
    return Panel(
        name=name,
        title=title,
        caption=caption,
        level=Level.ROUND,
        chart=lambda _shown: None,
        empty=message,
        show_table=False,
    )


# --- practices ----------------------------------------------------------------------------

FUNNEL_LABELS = {
    "practice_code": "Practice code",
    "name": "Practice",
    "pcn_name": "PCN",
    "list_size": "Registered adults",
    "referrals": "Adult referrals",
    "rate_per_1000": "Referrals per 1,000 registered adults a year",
    "rate_low": "95% CI from",
    "rate_high": "95% CI to",
    "lower_998": "99.8% limit, lower",
    "upper_998": "99.8% limit, upper",
    "refers_less": "Below the place beyond chance",
    "refers_more": "Above the place beyond chance",
    "unusually_less": "Unusually low among practices",
    "unusually_more": "Unusually high among practices",
    "age_recorded_pct": "Age band recorded (%)",
    "ethnicity_recorded_pct": "Ethnicity recorded (%)",
}
RECORDED_BESIDE = (
    "Beside each practice, how complete its recording is: the share of all its referrals "
    "(any age) with an age band and with an ethnic group recorded, the same figures as the "
    "completeness table below; the answer names any practice compared under "
    f"{equity_summary.WELL_RECORDED_PCT}% (a threshold chosen here: those not recorded are then "
    "a fifth or more of its referrals)."
)
BEYOND_CHANCE = (
    "Two questions are answered apart. Beyond chance: outside the exact Poisson 99.8% limits "
    "around the place's rate, so the difference is not the play of chance in a practice of "
    "that size. Unusual among practices: outside the 99.8% limits widened for how much "
    "practices differ among themselves (overdispersion), so it stands out even among "
    "practices that all vary. A practice can be the first without the second."
)


def practice_panels(
    rates,
    dataset: Dataset,
    selection: Selection,
    level: Level,
    method: str = equity.ADDITIVE,
    standardised: equity.PracticeStandardisation | None = None,
    recording: pd.DataFrame | None = None,
) -> list[Panel]:
    """The funnel plot, the ranked table with intervals, and what standardisation needs;
    `recording` (`equity.recording_completeness` by practice) sits beside each practice."""
    title = "Practices compared fairly"
    if not selection.by_registration:
        return [
            _note(
                "practice_funnel",
                title,
                "With areas chosen, practice rates have no valid denominator: the areas hold "
                "only part of each practice's registered list. Choose the whole dataset, a PCN "
                "or practices to compare practices.",
            )
        ]
    per_year = selection.per_year
    funnel = equity.funnel_from_rates(rates, per_year, method)
    table, recorded = funnel.table, ()
    if recording is not None:
        recorded = equity.PRACTICE_RECORDING
        table = equity.with_recording(table, recording, recorded)
    spec = equity.funnel_spec(per_year, method, recorded)
    labels = {c: label for c, label in FUNNEL_LABELS.items()
              if c in table or c in spec.columns}  # fmt: skip
    crude = (
        "These rates are crude: the panel below standardises for the age and sex of each list. "
        if standardised is not None
        else "Referrals are not yet standardised for the age and sex of each list (see below). "
    )
    funnel_panel = Panel(
        name="practice_funnel",
        title=title,
        caption=(
            "How to read this: each marker is a practice, placed by its registered adults "
            "(across) and its adult referrals per 1,000 registered adults a year (up); the "
            "grey line is the place's rate. A marker outside the dashed 99.8% limits differs "
            f"beyond chance. {crude}"
        ).strip(),
        method=(
            "The place's rate is all its practices together, from its total as shown. "
            "Small practices vary more by chance, so the limits narrow as lists grow: "
            "about 1 practice in 20 falls outside the 95% limits and 1 in 500 outside the "
            "99.8% limits by chance alone. A practice with 1-7 referrals (hidden) is a grey "
            "bar over every rate 1-7 could give, coloured by its judgement where every one of "
            f"them gives the same answer. {BEYOND_CHANCE} " + disclosure_caption(level)
        ),
        level=level,
        table=table,
        spec=spec,
        labels=labels,
        chart=lambda shown: charts.funnel_chart(
            shown, equity.funnel_curves(shown, per_year, method)
        ),
        empty="No practice has a list size to compare: add list_size to practices.csv.",
        show_table=False,
        answer=lambda shown: answers.funnel_answer(shown, method),
        lead=lambda shown: answers.funnel_answer(shown, method, lead=True),
        said=lambda shown: (equity.method_words(shown, method),),
    )
    ranked = Panel(
        name="practice_rates_ranked",
        title="Practices ranked by referral rate, with 95% intervals",
        caption=(
            "How to read this: each marker is a practice's rate and each bar its 95% "
            "interval, highest rate first; practices whose intervals overlap may not differ."
        ),
        method=(
            "The table below is in the same order, ranked by the rate shown; marker shapes as "
            "in the funnel. The 95% interval is the "
            "exact Poisson interval (chi-squared; Garwood) over every count the one shown "
            "allows (8-12 for a shown 10), so it is never narrower than the true one; a "
            "hidden count's rate shows as the range 1-7 referrals would give. The 99.8% "
            "limits are the funnel's at the practice's list size. “–” where the list size is "
            f"not known. {BEYOND_CHANCE} "
            + (f"{RECORDED_BESIDE} " if recorded else "")
            + disclosure_caption(level)
        ),
        level=level,
        table=table,
        spec=spec,
        labels=labels,
        rank=("rate_per_1000",),
        chart=charts.caterpillar_chart,
        empty="No practice has a rate to show: no list sizes, or every count is hidden.",
        answer=answers.ranked_answer,
        lead=lambda values: answers.ranked_answer(values, lead=True),
    )
    standardised_panel = standardisation_panel(standardised, dataset, level, method)
    compared = int((funnel.table["list_size"].astype("Float64") > 0).fillna(False).sum())
    if compared < 2:
        funnel_panel = _note(
            "practice_funnel",
            title,
            "Only one of the chosen practices has a list size, so there is nothing to compare "
            "it with: its rate is the place's rate. Choose the whole dataset or a PCN for the "
            "funnel plot; its rate and interval are below."
            if compared == 1
            else "None of the chosen practices has a list size (registered adults), so no "
            "rate can be worked out: add list_size to practices.csv, or load NHS Digital's "
            "“Patients Registered at a GP Practice” files.",
        )
    return [funnel_panel, ranked, standardised_panel]


STANDARDISED_TITLE = "Practices standardised for age and sex"
STANDARDISED_LABELS = {
    "practice_code": "Practice code",
    "name": "Practice",
    "pcn_name": "PCN",
    "registered": "Registered adults (by age and sex)",
    "adults": "Adult referrals",
    "observed": "Adult referrals (age band and sex recorded)",
    "age_sex_recorded_pct": "Age band and sex recorded (%)",
    "expected": "Expected at the place's rates for age and sex",
    "ratio": "Observed / expected",
    "ratio_low": "99.8% CI from",
    "ratio_high": "99.8% CI to",
    "refers_less": FUNNEL_LABELS["refers_less"],
    "refers_more": FUNNEL_LABELS["refers_more"],
    "unusually_less": FUNNEL_LABELS["unusually_less"],
    "unusually_more": FUNNEL_LABELS["unusually_more"],
}
STANDARDISED_LIMITS_WORDS = (
    "Beyond chance: the ratio's exact Poisson 99.8% interval (over every count the one shown "
    "allows) lies wholly below or above 1. The coverage is the funnel's: for a whole count, an "
    "interval wholly below 1 is exactly a count under the funnel's exact Poisson 99.8% lower "
    "limit around the count expected, and one wholly above 1 asks at most one referral more "
    "than its upper limit"
)


def _standardised_notes(values: pd.DataFrame, method: str) -> tuple[str, ...]:
    """The notes quoting the counts left out, and the method of the two questions."""
    left, no_ages = values["left_out"].iloc[0], values["no_ages"].iloc[0]
    said = [
        f"Left out: {shown(left)} adult referrals from these practices without an adult "
        "age band and a sex of female or male recorded (registered lists are published for "
        "female and male only), so they are in no stratum; a practice that records these "
        "less often looks as if it refers less (its “Age band and sex recorded (%)” "
        "says how often)."
    ]
    if pd.isna(no_ages) or no_ages != 0:  # a hidden count is someone too
        said.append(
            f"Not compared: {shown(no_ages)} adult referrals from chosen practices with no "
            "registered adults by age and sex (not in the registered_ages table)."
        )
    said.append(equity.method_words(values, method, STANDARDISED_LIMITS_WORDS))
    return tuple(said)


def standardisation_panel(
    result: equity.PracticeStandardisation | None,
    dataset: Dataset,
    level: Level,
    method: str = equity.ADDITIVE,
) -> Panel:
    """Each practice's adult referrals against those expected for its list's age and sex
    (indirect standardisation), judged by the funnel's two questions in its words, or a note
    saying what it needs."""
    if result is None:
        return _note(
            "practice_standardised",
            STANDARDISED_TITLE,
            "Not yet possible: this needs each practice's registered adults by age band and "
            "sex (the registered_ages table), which are not loaded. The files that would "
            f"enable it: {equity.LIST_BY_AGE_SEX_FILE}. Then each practice's observed "
            "referrals are compared with those expected if its patients were referred at the "
            "place's rate for their age and sex (indirect standardisation), so a practice with "
            "an older list is not marked out for its age mix alone.",
        )
    table = result.table
    compared = int((table["registered"].astype("Float64") > 0).fillna(False).sum())
    if compared < 2:
        return _note(
            "practice_standardised",
            STANDARDISED_TITLE,
            "Fewer than two of the chosen practices have registered adults by age and sex and "
            "adult referrals, so there is nothing to compare: one practice's referrals are "
            "the place's, observed equals expected. Choose the whole dataset or a PCN.",
        )
    return Panel(
        name="practice_standardised",
        title=STANDARDISED_TITLE,
        caption=(
            "How to read this: each marker is a practice's adult referrals divided by those "
            "expected for the age and sex of its list, with its 99.8% interval; 1 means it "
            "refers as the place does, above 1 more, below 1 less."
        ),
        method=(
            "Expected: if its registered adults were referred at the place's rate for their "
            "age band and sex (the chosen practices together, over the period chosen); "
            "highest ratio first. The funnel's two "
            "questions, in its words: a practice whose whole 99.8% interval lies below 1 is "
            "“below the place beyond chance” (a triangle pointing down), above 1 "
            "“above the place beyond chance”; about 1 practice in 500 falls outside "
            "by chance alone. “Unusually low (high) among practices”: outside the "
            "99.8% limits around 1 widened for how much the practices' ratios differ among "
            "themselves (Spiegelhalter's overdispersion test on the ratios as shown, and the "
            "allowance chosen above the funnel), as in the funnel. Beside each practice, the "
            "share of its adult referrals with an adult age band and a sex of female or male "
            "(those the ratio counts); the answer names any practice under "
            f"{equity_summary.WELL_RECORDED_PCT}%. Method: indirect standardisation (the "
            "standardised ratio, as in the Association of Public Health Observatories' "
            "Technical Briefing 3, “Commonly used public health statistics and their "
            "confidence intervals”, published by Public Health England, now OHID, on "
            "Fingertips), strata the referrals' adult age bands (18-24 to 85+) by female and "
            "male; the interval is the exact Poisson interval of the observed count "
            "(chi-squared; Garwood) over the expected, over every count the one shown allows. "
            "The expected counts come from the strata's counts as shown (each age band and "
            "sex rounded on its own; a hidden one taken as 4), and the ratio from the count "
            "shown, so they keep the rounding. Registered adults by age and sex come from NHS "
            "Digital's single-year-of-age files (gp-reg-pat-prac-sing-age-male.csv and "
            "-female.csv) or registered_ages.csv. " + disclosure_caption(level)
        ),
        level=level,
        table=table,
        spec=equity.standardised_spec(result, method),
        basis={"strata": (result.strata, equity.STRATA_SPEC)},
        labels=STANDARDISED_LABELS,
        rank=("ratio",),
        chart=charts.standardised_chart,
        empty="No practice has a ratio to show: every count is hidden (1-7) or none is expected.",
        answer=lambda values: answers.standardised_answer(values, method),
        lead=answers.standardised_lead,
        said=lambda values: _standardised_notes(values, method),
        download="Download the standardised ratios (CSV)",
    )


# --- deprivation --------------------------------------------------------------------------


AREA_RECORDED = "Area with a decile recorded (%)"
AREA_RECORDED_NOTE = (
    "A referral's decile is its area's, so the recording behind every group is the area: "
    f"\u201c{AREA_RECORDED}\u201d is the share of all adult referrals with an area recorded "
    "that has a decile (the same on every row, since a referral without one is in no group), "
    "from the counts as shown; the answer says so where it is under "
    f"{equity_summary.WELL_RECORDED_PCT}%."
)


def deprivation_panels(counted, dataset: Dataset, selection: Selection, level: Level):
    stats = selected_area_stats(dataset, selection)
    per_year, by_residence = selection.per_year, selection.by_residence
    spec = equity.with_area_recorded(equity.deprivation_rates_spec(per_year, by_residence))
    gap = gaps.deprivation_gap(chosen_referrals(dataset, selection), stats, by_residence)
    out = []
    deciles = equity.rates_by_deprivation(None, stats, per_year, deciles=counted)
    fifths = equity.rates_by_deprivation(None, stats, per_year, fifths=True, deciles=counted)
    for table, group, word in (
        (fifths, "imd_quintile", "quintile"),
        (deciles, "imd_decile", "decile"),
    ):
        labels = {
            group: f"IMD {word}",
            "referrals": "Adult referrals",
            "share_pct": "Share of referrals (%)",
        }
        if by_residence:
            labels |= {
                "population_adult": "Adults living there",
                "rate_per_1000": "Referrals per 1,000 adults a year",
                "rate_low": "95% CI from",
                "rate_high": "95% CI to",
            }
            title = f"Referral rate by deprivation {word}"
            reading = (
                f"How to read this: adult referrals per 1,000 adults living in each IMD {word} "
                "a year, with its 95% interval. Bars falling to the right mean the service "
                "reaches the most deprived areas most, as proportionate universalism asks."
            )
            more = "The interval is the exact Poisson 95% interval over every count the one "
            more += "shown allows."
            chart = (
                lambda g, t: (
                    lambda shown: charts.rate_interval_chart(
                        shown, g, t, f"IMD {g.split('_')[1]} (1 = most deprived)"
                    )
                )
            )(group, title)
        else:
            title = f"Share of referrals by deprivation {word}"
            reading = (
                f"How to read this: the share of the chosen practices' adult referrals from "
                f"people living in each IMD {word}."
            )
            more = (
                "A rate per 1,000 residents would be wrong here: a practice's patients are "
                "only part of each area's residents. Choose areas or the whole dataset for "
                "rates."
            )
            chart = (
                lambda g, t: (
                    lambda shown: charts.share_chart(
                        shown, g, t, f"IMD {g.split('_')[1]} (1 = most deprived)", False
                    )
                )
            )(group, title)
        labels["decile_known_pct"] = AREA_RECORDED
        out.append(
            Panel(
                name=f"equity_by_imd_{word}",
                title=title,
                caption=reading,
                method=f"{more} {DECILE_NOTE} {AREA_RECORDED_NOTE} " + disclosure_caption(level),
                level=level,
                table=table,
                spec=spec,
                labels=labels,
                chart=chart,
                empty=gap or "Nothing to draw: each figure rests on 1-7 referrals (hidden).",
                answer=(
                    lambda g: lambda values: answers.deprivation_answer(values, g, by_residence)
                )(group),
                lead=lambda values, g=group: answers.deprivation_lead(values, g, by_residence),
            )
        )
    out.append(fifth_panel(fifths, by_residence, level))
    out.append(slope_panel(deciles, by_residence, level, per_year))
    return out


def fifth_panel(fifths: pd.DataFrame, by_residence: bool, level: Level) -> Panel:
    """Each quintile's share of referrals beside its share of adults, with the most deprived
    fifth as a headline card."""
    labels = {
        "imd_quintile": "IMD quintile",
        "referrals": "Adult referrals",
        "all_with_decile": "Adult referrals with a known decile",
        "share_pct": "Share of referrals (%)",
    }
    if by_residence:
        labels["population_pct"] = "Share of adults living there (%)"
        reading = (
            "How to read this: the share of adult referrals from people living in each fifth "
            "of areas by deprivation, beside that fifth's share of the adults living in the "
            "place; a referral share above the population share in quintile 1 means the "
            "service reaches the most deprived more than their numbers alone would."
        )
    else:
        reading = (
            "How to read this: the share of the chosen practices' adult referrals from people "
            "living in each fifth of areas by deprivation. Their share of the practices' "
            "patients is not known (that needs the practices' patients by area, "
            "gp-reg-pat-prac-lsoa-all.csv), so no population share is set beside it."
        )
    labels["decile_known_pct"] = AREA_RECORDED
    table = equity.fifth_table(fifths)

    def card(values: pd.DataFrame, _basis) -> tuple[Card, ...]:
        first = values[values["imd_quintile"] == 1]
        if first.empty or pd.isna(first["share_pct"].iloc[0]):
            return ()
        population = first["population_pct"].iloc[0]
        help_text = (
            "The share of adult referrals with a known decile from people living in the most "
            "deprived fifth of areas (IMD quintile 1), from the counts as shown."
        )
        change = (
            f"{population:.0f}% of adults live there"
            if by_residence and pd.notna(population)
            else None
        )
        value = f"{first['share_pct'].iloc[0]:.0f}%"
        return (Card("Referrals from the most deprived fifth", value, help_text, change),)

    return Panel(
        name="equity_most_deprived_fifth",
        title="Referrals from the most deprived fifth",
        caption=reading,
        method=f"{DECILE_NOTE} " + disclosure_caption(level),
        level=level,
        table=table,
        spec=equity.with_area_recorded(equity.FIFTH_SPEC),
        labels=labels,
        chart=lambda shown: charts.share_chart(
            shown,
            "imd_quintile",
            "Share of referrals and of adults by deprivation quintile"
            if by_residence
            else "Share of referrals by deprivation quintile",
            "IMD quintile (1 = most deprived)",
            by_residence,
        ),
        cards_from=card,
        show_table=False,
        answer=lambda values: answers.fifth_answer(values, by_residence),
        lead=lambda values: answers.fifth_answer(values, by_residence, lead=True),
    )


def slope_panel(deciles: pd.DataFrame, by_residence: bool, level: Level, per_year: float) -> Panel:
    title = "Slope index of inequality"
    if not by_residence:
        return _note(
            "equity_slope_index",
            title,
            "Needs rates per resident adult, which a PCN or practice choice does not give "
            "(its patients are only part of each area's residents). Choose areas or the whole "
            "dataset.",
        )
    populated = int((deciles["population_adult"].astype("Float64") > 0).fillna(False).sum())
    if populated < 3:
        return _note(
            "equity_slope_index",
            title,
            "Not enough deciles with a population: three or more are needed.",
        )
    return Panel(
        name="equity_slope_index",
        title=title,
        caption=(
            "How to read this: the slope index of inequality is the modelled difference in "
            "adult referrals per 1,000 adults a year between the most and the least deprived "
            "ends of the place; positive means more referrals per head where deprivation is "
            "greater."
        ),
        method=(
            "The relative index divides it by the average rate. Method: weighted "
            "least squares of each decile's rate (from its count as shown; a hidden one taken "
            "as 4) on its population-weighted cumulative rank midpoint (0 = most deprived), "
            "weighted by its adult population; the 95% interval comes from the regression's "
            "standard error with n-2 degrees of freedom, so it reflects how far the deciles "
            "stray from a straight line, not only chance. Shown when it rests on at least 30 "
            f"referrals. {DECILE_NOTE} " + disclosure_caption(level)
        ),
        level=level,
        table=equity.slope_index_table(),
        spec=equity.slope_spec(per_year),
        basis={"deciles": (deciles, equity.deprivation_rates_spec(per_year))},
        labels={
            "measure": "Measure",
            "value": "Value",
            "low": "95% CI from",
            "high": "95% CI to",
        },
        answer=answers.slope_answer,
        lead=lambda values: answers.slope_answer(values, lead=True),
    )


# --- who was referred, and how complete the recording is ------------------------------------


def distribution_panel(table, level: Level) -> Panel:
    return Panel(
        name="equity_who_was_referred",
        title="Who was referred",
        caption=(
            "How to read this: the share of all referrals in each age band, sex and ethnic "
            "group (ONS 5+1), including those not recorded: distributions of referrals, not "
            "rates."
        ),
        method=(
            "Rates per 1,000 residents by ethnic group are in \u201cReferral rates by ethnic "
            f"group\u201d, from {equity.POPULATION_BY_ETHNICITY_FILE} as downloaded; rates by age "
            "band would need residents by age band, which no file gives yet "
            f"({equity.POPULATION_BY_AGE_FILE} is read only for each area's adults). "
            "Read the shares beside "
            "the recording completeness below: a group missing from the recording is not "
            "necessarily missing from the service. Beside each group, the share of referrals "
            "with its characteristic recorded (not \u201cnot recorded\u201d or \u201cnot "
            "stated\u201d; from the groups as shown, a hidden one taken as 4); the answer says "
            f"so where it is under {equity_summary.WELL_RECORDED_PCT}%. "
            + disclosure_caption(level)
        ),
        level=level,
        table=table,
        spec=equity.DISTRIBUTION_SPEC,
        labels={
            "characteristic": "Characteristic",
            "group": "Group",
            "referrals": "Referrals",
            "share_pct": "Share of referrals (%)",
            "recorded_pct": "Characteristic recorded (%)",
        },
        chart=charts.distribution_chart,
        answer=answers.distribution_answer,
        empty="No referrals to describe, or too few to show shares.",
    )


COMPLETENESS_LABELS = {
    "referrals": "Referrals",
    "ethnicity_recorded_pct": "Ethnicity recorded (%)",
    "age_recorded_pct": "Age band recorded (%)",
    "sex_recorded_pct": "Sex recorded (%)",
    "area_recorded_pct": "Area recorded (%)",
}
COMPLETENESS_NOTE = (
    "Recorded means not blank and not \u201cnot stated\u201d; an area counts as recorded "
    "when a code is given. A share is shown when it rests on at least 30 referrals and "
    "neither the recorded nor the unrecorded part is 1-7 people. The answer names any group "
    f"under {equity_summary.WELL_RECORDED_PCT}% recorded (a threshold chosen here, not a "
    "national standard: those not recorded are then a fifth or more of its referrals, enough "
    "to change a comparison however they divide)."
)


def completeness_panels(tables, dataset: Dataset, level: Level) -> list[Panel]:
    spec = {by: equity.completeness_spec(by) for by in equity.COMPLETENESS_BY}
    month = Panel(
        name="recording_by_month",
        title="How complete the recording is",
        caption=(
            "How to read this: the share of each month's referrals with ethnicity, age band, "
            "sex and area of residence recorded, so a gap in recording is not read as a gap "
            "in reach."
        ),
        method=f"{COMPLETENESS_NOTE} " + disclosure_caption(level),
        level=level,
        table=tables["month"],
        spec=spec["month"],
        labels={"month": "Month", **COMPLETENESS_LABELS},
        answer=lambda values: answers.completeness_answer(values, "month", "months"),
        lead=lambda values: answers.completeness_answer(values, "month", "months", lead=True),
        chart=charts.completeness_chart,
        empty="No month has enough referrals to show the shares recorded.",
    )
    by_practice = tables["practice_code"].copy()  # the counted tables are shared: not in place
    names = dataset.table("practices").set_index("practice_code")["name"]
    by_practice.insert(1, "name", by_practice["practice_code"].map(names))
    practice = Panel(
        name="recording_by_practice",
        title="Recording completeness by practice",
        caption="How to read this: the first row is all referrals together.",
        method=f"{COMPLETENESS_NOTE} " + disclosure_caption(level),
        level=level,
        table=by_practice,
        spec=spec["practice_code"],
        labels={"practice_code": "Practice code", "name": "Practice", **COMPLETENESS_LABELS},
        answer=lambda values: answers.completeness_answer(
            values, "practice_code", "practices", answers.named_practice, "at"
        ),
        lead=lambda values: answers.completeness_answer(
            values, "practice_code", "practices", lead=True
        ),
    )
    worker = Panel(
        name="recording_by_link_worker",
        title="Recording completeness by link worker",
        caption="How to read this: the first row is all referrals together.",
        method=f"{COMPLETENESS_NOTE} " + disclosure_caption(level),
        level=level,
        table=tables["link_worker_id"],
        spec=spec["link_worker_id"],
        labels={"link_worker_id": "Link worker", **COMPLETENESS_LABELS},
        answer=lambda values: answers.completeness_answer(
            values, "link_worker_id", "link workers", where="by"
        ),
        lead=lambda values: answers.completeness_answer(
            values, "link_worker_id", "link workers", lead=True
        ),
    )
    return [month, practice, worker]


COLUMNS = (
    "referral_date",
    "practice_code",
    "area_code",
    "age_band",
    "sex",
    "ethnicity",
    "link_worker_id",
)


def chosen_referrals(dataset: Dataset, selection: Selection) -> pd.DataFrame:
    """`selection.selected_referrals`, keeping only the columns this page reads (a third of
    the copying at a million rows)."""
    referrals = dataset.table("referrals")
    when = referrals["referral_date"].between(selection.start, selection.end)
    chosen = (when & in_place(referrals, dataset, selection)).to_numpy(dtype=bool)
    return referrals.loc[chosen, list(COLUMNS)]


@dataclass(frozen=True)
class Counted:
    """The exact tables the page rests on, counted once per place and period: the disclosure
    level and the funnel's method change only what is drawn from them."""

    practice_rates: pd.DataFrame | None  # None: no practices.csv, or areas chosen
    standardised: equity.PracticeStandardisation | None  # None: no registered_ages, or areas
    deciles: pd.DataFrame | None  # None: no IMD deciles in area_stats
    distribution: pd.DataFrame
    completeness: dict[str, pd.DataFrame]
    ethnicity: pd.DataFrame | None  # `ethnicity.counted`: None without residents by group


def counted(dataset: Dataset, selection: Selection) -> Counted:
    """Count the chosen referrals once for every panel. The default choice's counts are kept
    (`opening_counts`), where the data's dates fix it (without them it moves with today)."""
    if is_lasting_default(dataset, selection):
        return opening_counts(dataset)
    return _counted(dataset, selection)


def opening_counts(dataset: Dataset) -> Counted:
    """The whole data's counts over the default period, once per dataset and kept with its
    saved copy: the page's first view on a fresh server counts none of the referrals (at
    the region's size, about 0.6 s of its first view)."""
    return dataset.derived("equity_opening", lambda: _counted(dataset, default_selection(dataset)))


def _counted(dataset: Dataset, selection: Selection) -> Counted:
    refs = chosen_referrals(dataset, selection)
    per_year = selection.per_year
    rates = standardised = None
    if dataset.has("practices") and selection.by_registration:
        practices = selected_practices(dataset, selection)
        rates = referral_metrics.practice_rates(refs, practices, per_year)
        if dataset.has("registered_ages"):
            standardised = equity.practice_standardisation(
                refs, dataset.table("registered_ages"), practices
            )
    stats = selected_area_stats(dataset, selection)
    deciles = (
        equity.decile_counts(refs, stats, per_year) if stats["imd_decile"].notna().any() else None
    )
    return Counted(
        rates,
        standardised,
        deciles,
        equity.referral_distribution(refs),
        equity.recording_completeness_by(refs),
        ethnicity_view.counted(dataset, selection) if selection.by_residence else None,
    )


def _as_tables(counts: Counted) -> dict[str, pd.DataFrame]:
    """`opening_counts` as the tables a saved copy keeps (a part that is None: no table)."""
    tables = {name: getattr(counts, name) for name in _FRAMES}
    tables |= {f"completeness {by}": frame for by, frame in counts.completeness.items()}
    if (made := counts.standardised) is not None:
        tables |= {"standardised table": made.table, "standardised strata": made.strata,
                   "standardised population": pd.DataFrame(made.population),
                   "standardised numbers": pd.DataFrame({name: [getattr(made, name)]
                                                         for name in _NUMBERS})}  # fmt: skip
    return {name: frame for name, frame in tables.items() if frame is not None}


def _from_tables(tables: dict[str, pd.DataFrame]) -> Counted:
    standardised = None
    if "standardised table" in tables:
        numbers = {name: int(n) for name, n in tables["standardised numbers"].iloc[0].items()}
        standardised = equity.PracticeStandardisation(
            tables["standardised table"], tables["standardised strata"],
            tables["standardised population"].to_numpy(), **numbers,
        )  # fmt: skip
    completeness = {name.removeprefix("completeness "): frame for name, frame in tables.items()
                    if name.startswith("completeness ")}  # fmt: skip
    return Counted(
        tables.get("practice_rates"), standardised, tables.get("deciles"),
        tables["distribution"], completeness, tables.get("ethnicity"),
    )  # fmt: skip


_FRAMES = ("practice_rates", "deciles", "distribution", "ethnicity")
_NUMBERS = ("observed", "left_out", "no_ages")


def _ask_opening(dataset: Dataset) -> None:
    """`opening_counts` where a page would use them: referrals, and dates fixing the period."""
    if dataset.has("referrals") and data_period(dataset) is not None:
        opening_counts(dataset)


keep("equity_opening", _as_tables, _from_tables, "socialrx.views.equity", ask=_ask_opening)


# the page's tabs: practices first (the question planners ask first), then deprivation, who
# was referred (rates by ethnic group, then shares), the recording every comparison rests on,
# and the place against England
SECTIONS = {
    "Practices": ("practice_",),
    "Deprivation": ("equity_by_imd", "equity_most_deprived", "equity_slope"),
    "Who was referred": ("equity_by_ethnic", "equity_who"),
    "Recording": ("recording_",),
    "England and places like it": ("benchmark_",),
}


def sections(panels: list[Panel]) -> list[Section]:
    """The page's panels in its tabs (`SECTIONS`)."""
    return sections_by_name(panels, SECTIONS)


def panels(
    dataset: Dataset,
    selection: Selection,
    level: Level,
    method: str = equity.ADDITIVE,
    tables: Counted | None = None,
) -> list[Panel]:
    """The page's panels for what the dataset holds (the page says what is missing);
    `tables` from `counted`, or counted here."""
    tables = counted(dataset, selection) if tables is None else tables
    out: list[Panel] = []
    if not dataset.has("practices"):
        out.append(_note("practice_funnel", "Practices compared fairly",
                         "Comparing practices needs practices.csv with list_size (registered "
                         "adults)."))  # fmt: skip
    else:
        out += practice_panels(
            tables.practice_rates, dataset, selection, level, method, tables.standardised,
            tables.completeness["practice_code"],
        )  # fmt: skip
    if tables.deciles is not None:
        out += deprivation_panels(tables.deciles, dataset, selection, level)
    else:
        out.append(
            _note(
                "equity_by_imd_decile",
                "Referrals by deprivation",
                gaps.deprivation_gap(
                    chosen_referrals(dataset, selection),
                    selected_area_stats(dataset, selection),
                    True,
                )
                or "Needs area_stats.csv with imd_decile and population_adult (the "
                "official Indices of Deprivation files are read as downloaded).",
            )
        )
    out.append(distribution_panel(tables.distribution, level))
    out += completeness_panels(tables.completeness, dataset, level)
    return out
