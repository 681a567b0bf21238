"""Referral rates by ethnic group, for the equity page: a panel of its own (rates per 1,000
residents of each broad group, each against the place, beside how complete the recording
is), so the page can place it wherever it groups its panels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from socialrx.data.dataset import Dataset
from socialrx.disclosure import Level, shown
from socialrx.metrics import equity, ethnicity
from socialrx.metrics.equity_summary import WELL_RECORDED_PCT
from socialrx.metrics.selection import Selection, selected_referrals
from socialrx.views.charts import layout
from socialrx.views.palette import OKABE_ITO
from socialrx.views.panels import Panel, disclosure_caption

SKY, BLUE, BLACK = OKABE_ITO[1], OKABE_ITO[4], OKABE_ITO[7]

NAME = "equity_by_ethnic_group"
TITLE = "Referral rates by ethnic group"
RATE_AXIS = "Referrals per 1,000 residents a year"
LABELS = {
    "group": "Ethnic group",
    "residents": "Residents (all ages, Census 2021)",
    "referrals": "Referrals (all ages)",
    "rate_per_1000": RATE_AXIS,
    "rate_low": "95% CI from",
    "rate_high": "95% CI to",
    "place_rate": "The place's rate",
    "lower": "Lower than the place",
    "higher": "Higher than the place",
    "recorded_pct": "Ethnic group recorded (%)",
}
CODES_NOTE = (
    "NHS ethnic category codes follow the 2001 Census, so only the five broad groups are "
    "compared: A-C White, D-G Mixed, H-L Asian, R (Chinese) Asian as Census 2021 counts it, "
    "M-P Black, S Other; Z and 99 are not stated. Finer groups do not line up (2021 counts "
    "Roma and Arab, which have no NHS code of their own)."
)
RECORDING_NOTE = (
    "A rate over a partly recorded numerator misleads: referrals with no ethnic group "
    "recorded are in no group's rate, so every rate is too low by an unknown amount, and a "
    "group recorded less often than others looks as if it is referred less. The place's rate "
    "is worked out the same way (referrals with a group recorded, over all residents), so the "
    "comparison holds if the unrecorded are spread like the recorded; how far that carries is "
    "the share recorded beside it."
)


def _note(message: str) -> Panel:
    return Panel(name=NAME, title=TITLE, caption="", level=Level.ROUND,
                 chart=lambda _shown: None, empty=message, show_table=False)  # fmt: skip


def _list(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def answer(values: pd.DataFrame, lead: bool = False) -> str:
    """The rates shown, which groups are lower or higher than the place, and how complete the
    recording is: from the disclosed values only (`lead`: shorter, the recording said only
    where it is poor, for the page's summary)."""
    rated = values[values["rate_per_1000"].notna()]
    if rated.empty:
        return (
            "Too few referrals to show a rate for any ethnic group: each rests on 1-7 "
            "referrals (hidden), or no residents are counted."
        )
    rates = _list([f"{row['group']} {row['rate_per_1000']:,.1f}" for _, row in rated.iterrows()])
    place = values["place_rate"].iloc[0]
    said = f"Referrals per 1,000 residents a year: {rates}"
    recorded_only = "" if lead else " (referrals with an ethnic group recorded)"
    said += f", against {place:,.1f} for the place{recorded_only}." if pd.notna(place) else "."
    for column, word, side in (("higher", "more", "above"), ("lower", "less", "below")):
        named = values.loc[values[column].astype("boolean").fillna(False), "group"].tolist()
        if named:
            why = "beyond chance" if lead else f"95% interval wholly {side} its rate"
            said += (
                f" {_list(named)} residents were referred {word} often than the place's ({why})."
            )
    recorded = values["recorded_pct"].iloc[0]
    if pd.isna(recorded):
        said += " Too few referrals to say how completely ethnic group is recorded."
    elif recorded < WELL_RECORDED_PCT:
        said += (
            f" Only {recorded:.0f}% of these referrals have an ethnic group recorded: every "
            "rate counts only those, so read them as rough at best."
        )
    elif not lead:
        said += (
            f" {recorded:.0f}% of these referrals have an ethnic group recorded; the rest are "
            "in no group's rate, so each rate is somewhat too low."
        )
    return said


def _left_out(values: pd.DataFrame) -> tuple[str, ...]:
    """The referrals in no group's rate, as shown."""
    if values.empty:
        return ()
    row = values.iloc[0]
    return (
        f"In no group's rate: {shown(row['not_recorded'])} referrals living in these areas with "
        f"no ethnic group recorded (blank or not stated), and {shown(row['outside'])} with no "
        "area recorded or an area the Census table does not cover.",
    )


def rate_chart(values: pd.DataFrame) -> go.Figure | None:
    """Each group's rate and 95% interval, the place's rate as a line; a hidden group shows
    its interval alone (the rate itself could be any 1-7 referrals give)."""
    low = values["rate_low"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    high = values["rate_high"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    rate = values["rate_per_1000"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(high).all():
        return None
    groups = values["group"].astype(str).tolist()
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=groups,
            y=high - np.nan_to_num(low),
            base=np.nan_to_num(low),
            marker_color=SKY,
            opacity=0.6,
            width=0.35,
            name="95% interval",
            hovertemplate="%{x}: 95% interval %{base:,.1f} to %{y:,.1f} more<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=groups,
            y=rate,
            mode="markers",
            marker={"color": BLUE, "size": 12, "symbol": "diamond"},
            name="Rate",
            hovertemplate="%{x}: %{y:,.1f} per 1,000 residents a year<extra></extra>",
        )
    )
    place = values["place_rate"].astype("Float64").iloc[0]
    if pd.notna(place):
        fig.add_hline(
            y=float(place),
            line={"color": BLACK, "dash": "dash"},
            annotation_text=f"The place: {float(place):,.1f}",
            annotation_position="top left",
        )
    fig.update_yaxes(rangemode="tozero")
    return layout(
        fig, "Referrals per 1,000 residents a year by ethnic group, with 95% intervals",
        "Ethnic group (Census 2021, five broad groups)", RATE_AXIS, height=460,
        legend_above=True,
    )  # fmt: skip


def counted(dataset: Dataset, selection: Selection) -> pd.DataFrame | None:
    """The exact counts the panel rests on (None without residents by ethnic group)."""
    if not dataset.has("area_ethnicity"):
        return None
    population = dataset.table("area_ethnicity")
    areas = selection.residence_areas
    if areas is not None:
        population = population[population["area_code"].isin(areas)]
    referrals = selected_referrals(dataset, selection)[["area_code", "ethnicity"]]
    return ethnicity.ethnicity_counts(referrals, population)


def panels(
    dataset: Dataset, selection: Selection, level: Level, counts: pd.DataFrame | None = None
) -> list[Panel]:
    """The rates by ethnic group, or a note saying what they need."""
    if not dataset.has("area_ethnicity"):
        return [
            _note(
                "Rates by ethnic group need the residents of each group by area: load "
                f"{equity.POPULATION_BY_ETHNICITY_FILE} as downloaded (Nomis's bulk file "
                "census2021-ts021-lsoa.csv, or an ONS custom dataset of ethnic group by LSOA), "
                "or area_ethnicity.csv (area_code, ethnic_group, residents)."
            )
        ]
    if not selection.by_residence:
        return [
            _note(
                "Rates per resident need referrals chosen by where people live: a PCN's or "
                "practice's patients are only part of each area's residents. Choose the whole "
                "dataset or a place by residence (areas, a ward, a neighbourhood)."
            )
        ]
    table = counted(dataset, selection) if counts is None else counts
    if int(table["residents"].sum()) == 0:
        return [_note("The Census table counts no residents in the chosen areas.")]
    return [
        Panel(
            name=NAME,
            title=TITLE,
            caption=(
                "How to read this: referrals of all ages per 1,000 usual residents of all ages "
                "a year (Census 2021 TS021 counts residents of every age, so children count "
                "on both sides), in the five broad ethnic groups, each marker with its exact "
                "Poisson 95% interval over every count the one shown allows; the dashed line "
                "is the place's rate. A group is lower (higher) than the place where its whole "
                "interval lies below (above) that line, as Fingertips compares an area with "
                f"its benchmark; \u201cborderline\u201d where the rounding leaves it open. "
                f"{RECORDING_NOTE} {CODES_NOTE} Residents are those of 2021; the referrals "
                "are of the period chosen. " + disclosure_caption(level)
            ),
            level=level,
            table=table,
            spec=ethnicity.ethnicity_spec(selection.per_year),
            labels=LABELS,
            chart=rate_chart,
            empty="Nothing to draw: every group rests on 1-7 referrals (hidden).",
            answer=answer,
            lead=lambda values: answer(values, lead=True),
            said=_left_out,
        )
    ]
