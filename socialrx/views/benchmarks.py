"""Benchmarks beyond the place, as panels of their own (the equity page places them): the
place's "Social Prescribing Service" appointments against England and similar sub-ICBs, its
practices against the others in the file, and a Fingertips indicator for its own areas,
practices and authority against England. Published figures, not the extract's people: no
disclosure control applies (the panels' specs name no counts of people)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from socialrx.data.benchmarks import SOCIAL_PRESCRIBING
from socialrx.data.dataset import Dataset
from socialrx.data.schema import PUBLISHED
from socialrx.disclosure import Level
from socialrx.escape import html_text
from socialrx.metrics import benchmarks
from socialrx.metrics.selection import Selection
from socialrx.views.charts import layout
from socialrx.views.palette import OKABE_ITO
from socialrx.views.panels import Panel

ORANGE, SKY, BLUE, VERMILION, BLACK = (OKABE_ITO[i] for i in (0, 1, 4, 5, 7))
GREY = "#9a9a9a"
SPS = f"\u201c{SOCIAL_PRESCRIBING}\u201d"
APPOINTMENTS_NOT_PEOPLE = (
    f"These count appointments booked in GP systems under NHS England's national category "
    f"{SPS}, not people: one person may have several, so no Poisson interval is drawn (they "
    "are not independent events in a population). What they can show: how much link-worker "
    "time is booked through practices' appointment books, against England and places like "
    "this one. What they cannot show: how many people were helped, or social prescribing "
    "recorded elsewhere. Practices map their own slot types to national categories, and link "
    "workers employed outside the practice (by a VCS provider or the council) often record in "
    "their own case systems, leaving no appointment here: a low count may be recording, not "
    "provision. Every status is counted (attended, did not attend, unknown), as the "
    "publication's totals are."
)
MISSING_APPOINTMENTS = (
    "To compare the place with England and similar places, load NHS England's "
    "\u201cAppointments in General Practice\u201d files as downloaded: the sub-ICB daily file by "
    "national category with APPOINTMENTS_GP_COVERAGE.csv (the daily zip), and the practice-level "
    "monthly file (Practice_Level_Crosstab, GP_CODE ... NATIONAL_CATEGORY, COUNT_OF_APPOINTMENTS), "
    "which also tells which sub-ICB the place's practices are in."
)


def _note(name: str, title: str, message: str) -> Panel:
    return Panel(name=name, title=title, caption="", level=Level.ROUND,
                 chart=lambda _shown: None, empty=message, show_table=False)  # fmt: skip


def _months(months: list[pd.Timestamp], in_period: bool) -> str:
    span = f"{months[0]:%b %Y}" if len(months) == 1 else f"{months[0]:%b %Y} to {months[-1]:%b %Y}"
    if in_period:
        return span
    return f"{span}: the file's latest months, since none falls in the period chosen"


def _shown(table: pd.DataFrame) -> pd.DataFrame:
    """A table as the page shows it: counts and populations whole, rates to one decimal,
    distances to two; yes or no for a flag (published figures: nothing to disclose)."""
    out = table.copy()
    for column in out.columns:
        if column in ("appointments", "registered", "practices", "sub_icbs", "months"):
            out[column] = out[column].astype("Float64").round(0).astype("Int64")
        elif column in ("rate_per_1000", "lowest", "highest"):
            out[column] = out[column].astype("Float64").round(1)
        elif column == "distance":
            out[column] = out[column].astype("Float64").round(2)
        elif column == "in_place":
            out[column] = out[column].map({True: "yes", False: "no"})
    return out


def _list(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


# --- the place, similar sub-ICBs and England ------------------------------------------------

RATE_WORDS = "Appointments per 1,000 registered patients a year"
SUMMARY_LABELS = {
    "comparison": "Compared with",
    "rate_per_1000": RATE_WORDS,
    "lowest": "Lowest sub-ICB",
    "highest": "Highest sub-ICB",
    "sub_icbs": "Sub-ICBs",
    "appointments": f"{SOCIAL_PRESCRIBING} appointments",
    "registered": "Registered patients (all ages, a month)",
}
PEER_LABELS = {
    "role": "Compared as",
    "sub_icb_code": "Sub-ICB code",
    "name": "Sub-ICB",
    "rate_per_1000": RATE_WORDS,
    "imd_score": "Deprivation score (IMD)",
    "over_65_pct": "Aged 65+ (%)",
    "distance": "Distance from the place (z-scores)",
    "appointments": f"{SOCIAL_PRESCRIBING} appointments",
    "registered": "Registered patients (all ages, a month)",
}


def sub_icb_answer(summary: pd.DataFrame, months: str) -> str:
    """The place's rate against its peers' and England's, from the pooled figures."""
    rows = {row["comparison"]: row for _, row in summary.iterrows()}
    place = summary.iloc[0]
    if pd.isna(place["rate_per_1000"]):
        return (
            "The place's sub-ICB has no registered patients in the coverage file, so no rate "
            "can be worked out."
        )
    said = (
        f"The place recorded {place['rate_per_1000']:,.1f} {SPS} appointments per 1,000 "
        f"registered patients a year ({months})"
    )
    england = summary.iloc[-1]
    peers = next((r for label, r in rows.items() if label.startswith("Its ")), None)
    parts = []
    if peers is not None and pd.notna(peers["rate_per_1000"]):
        parts.append(
            f"{peers['rate_per_1000']:,.1f} for its {int(peers['sub_icbs'])} most similar "
            f"sub-ICBs together (from {peers['lowest']:,.1f} to {peers['highest']:,.1f})"
        )
    if pd.notna(england["rate_per_1000"]):
        parts.append(f"{england['rate_per_1000']:,.1f} for {england['comparison']}")
    if parts:
        said += ", against " + " and ".join(parts)
    said += "."
    if peers is not None and pd.notna(peers["lowest"]):
        rate = place["rate_per_1000"]
        where = (
            "below every one of its peers"
            if rate < peers["lowest"]
            else "above every one of its peers"
            if rate > peers["highest"]
            else "within its peers' range"
        )
        said += f" The place is {where}."
    return said


def _strip_chart(table: pd.DataFrame, summary: pd.DataFrame) -> go.Figure | None:
    """Every sub-ICB's rate as a dot on one line (peers and the place marked), England's
    pooled rate as a line."""
    rated = table[table["rate_per_1000"].notna()]
    if rated.empty:
        return None
    fig = go.Figure()
    for role, colour, size, label in (("other", GREY, 8, "Other sub-ICBs"),
                                      ("peer", SKY, 12, "Most similar sub-ICBs"),
                                      ("place", VERMILION, 16, "The place")):  # fmt: skip
        rows = rated[rated["role"] == role]
        if rows.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=rows["rate_per_1000"],
                y=[label] * len(rows),
                mode="markers",
                marker={
                    "color": colour,
                    "size": size,
                    "symbol": "diamond" if role == "place" else "circle",
                    "line": {"color": BLACK, "width": 0.5},
                },  # fmt: skip
                name=label,
                text=[html_text(str(n)) for n in rows["name"].fillna(rows["sub_icb_code"])],
                hovertemplate="%{text}: %{x:,.1f} a year per 1,000 registered<extra></extra>",
            )
        )
    last = summary.iloc[-1]
    if pd.notna(last["rate_per_1000"]):
        fig.add_vline(x=float(last["rate_per_1000"]), line={"color": BLACK, "dash": "dash"},
                      annotation_text=f"{last['comparison']}: {last['rate_per_1000']:,.1f}",
                      annotation_position="top")  # fmt: skip
    fig.update_xaxes(rangemode="tozero")
    fig.update_layout(showlegend=False)  # each kind of sub-ICB is named on its own row
    return layout(fig, f"{SOCIAL_PRESCRIBING} appointments per 1,000 registered patients a year, "
                  "by sub-ICB", RATE_WORDS, "", height=360)  # fmt: skip


def sub_icb_panels(result: benchmarks.SubICBBenchmark | None, level: Level) -> list[Panel]:
    """The place against its similar sub-ICBs and England, and the peers one by one."""
    title = "Social prescribing appointments: the place, similar places and England"
    if result is None:
        return [_note("benchmark_sub_icbs", title, MISSING_APPOINTMENTS)]
    if not result.place_codes:
        return [
            _note(
                "benchmark_sub_icbs",
                title,
                "Which sub-ICB is the place's? The practice-level appointments file "
                "(Practice_Level_Crosstab, with SUB_ICB_LOCATION_CODE for each GP_CODE) tells "
                "it from the place's practices: load it beside the sub-ICB file.",
            )
        ]
    months = _months(result.months, result.in_period)
    measures = " and ".join(benchmarks.MEASURES[m][1] for m in result.measures)
    peers = (
        f"The most similar sub-ICBs are the {benchmarks.PEERS} nearest the place on {measures} "
        "(z-scores across the sub-ICBs in the files; NHS RightCare drew its similar-10 lists "
        "so, on many more measures), from the Fingertips export loaded."
        if result.measures
        else "No similar sub-ICBs are chosen: that needs a Fingertips export with the "
        "sub-ICBs' \u201cDeprivation score (IMD 2019)\u201d (indicator 93553) and share of "
        "patients aged 65+." + (f" ({'; '.join(result.notes)})" if result.notes else "")
    )
    england = (
        "England is every sub-ICB in the file together."
        if result.england
        else "The file does not cover England (fewer than "
        f"{benchmarks.ENGLAND_SUB_ICBS} sub-ICBs), so its sub-ICBs together stand in for it."
    )
    summary_panel = Panel(
        name="benchmark_sub_icbs",
        title=title,
        caption=(
            f"How to read this: {SPS} appointments per 1,000 patients registered at the "
            "practices NHS England counted (its coverage file, all ages) a year, over "
            f"{months}; each dot a sub-ICB, the place's sub-ICB a diamond. {peers} {england} "
            f"{APPOINTMENTS_NOT_PEOPLE} The place's own referral rate on the other panels "
            "counts people referred per 1,000 adults: a different measure."
        ),
        level=level,
        table=_shown(result.summary),
        labels=SUMMARY_LABELS,
        chart=lambda _values: _strip_chart(result.table, result.summary),
        answer=lambda values: sub_icb_answer(values, months),
        empty="No sub-ICB has registered patients to work out a rate.",
    )
    shown = result.table[result.table["role"].isin(("place", "peer"))]
    if "distance" in shown:  # the place, then its peers nearest first
        shown = shown.sort_values("distance", na_position="first", kind="stable")
    shown = shown.assign(role=shown["role"].map({"place": "the place", "peer": "similar"}))
    labels = {k: v for k, v in PEER_LABELS.items() if k in shown}
    detail = Panel(
        name="benchmark_similar_sub_icbs",
        title="The place's sub-ICB and the most similar sub-ICBs",
        caption=(
            "How to read this: the place's sub-ICB and, where a Fingertips export gives their "
            "deprivation and age, the sub-ICBs most like it, nearest first, with what they "
            "were chosen on. Registered patients are the month's average of those at the "
            "practices counted."
        ),
        level=level,
        table=_shown(shown),
        labels=labels,
    )
    return [summary_panel, detail]


# --- practices ------------------------------------------------------------------------------

PRACTICE_RATE = "Appointments per 1,000 registered adults a year"
PRACTICE_LABELS = {
    "practice_code": "Practice code",
    "name": "Practice",
    "rate_per_1000": PRACTICE_RATE,
    "in_place": "In the place",
    "registered": "Registered adults (list size)",
    "appointments": f"{SOCIAL_PRESCRIBING} appointments",
    "months": "Months",
    "sub_icb_code": "Sub-ICB code",
}
PRACTICE_SUMMARY = {
    "comparison": "Practices",
    "rate_per_1000": PRACTICE_RATE,
    "lowest": "Lowest practice",
    "highest": "Highest practice",
    "practices": "Number",
    "appointments": f"{SOCIAL_PRESCRIBING} appointments",
}


def practice_answer(summary: pd.DataFrame, months: str, lead: bool = False) -> str:
    """The place's practices pooled and their range, against every practice in the file
    (`lead`: shorter, nothing said where the file holds no other practice, for the page's
    summary)."""
    place, everyone = summary.iloc[0], summary.iloc[1]
    if not place["practices"]:
        return "None of the place's practices has a list size and appointments in the file."
    said = (
        f"The place's {int(place['practices'])} practices recorded "
        f"{place['rate_per_1000']:,.1f} {SPS} appointments per 1,000 registered adults a year "
        f"({months}), from {place['lowest']:,.1f} to {place['highest']:,.1f} by practice"
    )
    if lead:  # the summary has said which appointments and when, for the sub-ICBs
        said = (
            f"Its {int(place['practices'])} practices: {place['rate_per_1000']:,.1f} per 1,000 "
            f"registered adults a year, from {place['lowest']:,.1f} to {place['highest']:,.1f}"
        )
    if everyone["practices"] > place["practices"]:
        said += (
            f"; all {int(everyone['practices']):,} practices in the file with a list size "
            f"{everyone['rate_per_1000']:,.1f}."
        )
    else:
        said += (
            "." if lead else "; the file holds no other practice with a list size to compare with."
        )
    return said


def _practice_chart(table: pd.DataFrame, summary: pd.DataFrame) -> go.Figure | None:
    mine = table[table["in_place"] & table["rate_per_1000"].notna()]
    if mine.empty:
        return None
    names = [html_text(str(n)) for n in mine["name"].fillna(mine["practice_code"])]
    fig = go.Figure(
        go.Bar(x=names, y=mine["rate_per_1000"], marker_color=BLUE, name="The place's practices",
               hovertemplate="%{x}: %{y:,.1f} a year per 1,000 registered adults<extra></extra>")
    )  # fmt: skip
    for i, colour, dash in ((0, VERMILION, "solid"), (1, BLACK, "dash")):
        row = summary.iloc[i]
        if pd.notna(row["rate_per_1000"]) and (i == 0 or row["practices"] > mine.shape[0]):
            fig.add_hline(y=float(row["rate_per_1000"]), line={"color": colour, "dash": dash},
                          annotation_text=f"{row['comparison']}: {row['rate_per_1000']:,.1f}",
                          annotation_position="top left")  # fmt: skip
    fig.update_yaxes(rangemode="tozero")
    return layout(fig, f"{SOCIAL_PRESCRIBING} appointments per 1,000 registered adults a year, "
                  "by practice", "Practice", "Appointments per 1,000 registered adults a year",
                  height=420)  # fmt: skip


def practice_panels(result: benchmarks.PracticeBenchmark | None, level: Level) -> list[Panel]:
    title = "Social prescribing appointments by practice"
    if result is None:
        return [_note("benchmark_practices", title, MISSING_APPOINTMENTS)]
    months = _months(result.months, result.in_period)
    unlisted = (
        f" {result.unlisted:,} practices in the file have no list size here (load NHS "
        "Digital's single-year-of-age files for all of England to compare with every practice)."
        if result.unlisted
        else ""
    )
    return [
        Panel(
            name="benchmark_practices",
            title=title,
            caption=(
                f"How to read this: {SPS} appointments per 1,000 registered adults (the list "
                f"sizes the app reads, 18 and over) a year, over {months}, for each of the "
                "place's practices (bars), the place's practices together (solid line) and every "
                "practice in the file with a list size (dashed). Adults, not all ages: not "
                "comparable with the sub-ICB rates above, only with each other."
                f"{unlisted} {APPOINTMENTS_NOT_PEOPLE}"
            ),
            level=level,
            table=_shown(result.summary),
            labels=PRACTICE_SUMMARY,
            chart=lambda _values: _practice_chart(result.table, result.summary),
            answer=lambda values: practice_answer(values, months),
            lead=lambda values: practice_answer(values, months, lead=True),
            empty="None of the place's practices has a list size and appointments in the file.",
        ),
        Panel(
            name="benchmark_practice_rates",
            title="Each practice's social prescribing appointments",
            caption="How to read this: the place's practices first, then the others in the file, "
            "highest rate first; \u201c\u2013\u201d where no list size is known.",
            level=level,
            table=_shown(result.table),
            labels=PRACTICE_LABELS,
        ),
    ]


# --- Fingertips -----------------------------------------------------------------------------

INDICATOR_LABELS = {
    "area_code": "Code",
    "area_name": "Area or practice",
    "area_type": "Area type",
    "time_period": "Period",
    "value": "Value",
    "lower_ci": "95% CI from",
    "upper_ci": "95% CI to",
    "england": "England",
    "compared": "Compared with England",
    "count": "Count",
    "denominator": "Denominator",
}


def indicator_answer(values: pd.DataFrame, name: str) -> str:
    if values.empty:
        return f"The export has no value of \u201c{name}\u201d for the place's own codes."
    england = values["england"].iloc[0]
    versus = f" (England {england:,.1f})" if pd.notna(england) else ""
    if len(values) <= 3:
        parts = [
            f"{row['area_name'] or row['area_code']} {row['value']:,.1f}"
            + (
                f", {row['compared']} than England"
                if row["compared"] in ("lower", "higher")
                else f", {row['compared']}"
                if row["compared"] == "similar"
                else ""
            )  # fmt: skip
            for _, row in values.iterrows()
        ]
        return f"\u201c{name}\u201d, {values['time_period'].iloc[0]}: {'; '.join(parts)}{versus}."
    counts = values["compared"].value_counts()
    words = [f"{counts[k]} {k}" for k in ("higher", "similar", "lower", "not compared")
             if k in counts]  # fmt: skip
    return (
        f"\u201c{name}\u201d, {values['time_period'].iloc[0]}, for {len(values)} of the place's "
        f"areas and practices against England{versus}: {_list(words)}."
    )


def _indicator_chart(values: pd.DataFrame, name: str) -> go.Figure | None:
    rated = values[values["value"].notna()]
    if rated.empty:
        return None
    labels = [html_text(str(n or c)) for n, c in zip(rated["area_name"], rated["area_code"],
                                                      strict=True)]  # fmt: skip
    value = rated["value"].to_numpy(dtype=float)
    low = rated["lower_ci"].to_numpy(dtype=float, na_value=np.nan)
    high = rated["upper_ci"].to_numpy(dtype=float, na_value=np.nan)
    colours = rated["compared"].map({"higher": ORANGE, "lower": BLUE}).fillna(GREY)
    fig = go.Figure(
        go.Scatter(
            x=labels, y=value, mode="markers", name="Value (95% interval)",
            marker={"color": list(colours), "size": 11, "line": {"color": BLACK, "width": 0.5}},
            error_y={"type": "data", "array": np.nan_to_num(high - value),
                     "arrayminus": np.nan_to_num(value - low), "color": BLACK},
            customdata=rated["compared"],
            hovertemplate="%{x}: %{y:,.1f} (%{customdata} than England)<extra></extra>",
        )
    )  # fmt: skip
    england = rated["england"].iloc[0]
    if pd.notna(england):
        fig.add_hline(y=float(england), line={"color": BLACK, "dash": "dash"},
                      annotation_text=f"England: {england:,.1f}",
                      annotation_position="top left")  # fmt: skip
    return layout(fig, html_text(name), "Area or practice", "Value (the indicator's unit)",
                  height=420)  # fmt: skip


def indicator_panels(dataset: Dataset, selection: Selection, level: Level,
                     indicator_id: str | None) -> list[Panel]:  # fmt: skip
    title = "A public health indicator for the place, against England"
    if not dataset.has("indicators"):
        return [
            _note(
                "benchmark_indicator",
                title,
                "Load an OHID Fingertips export as downloaded (Indicator ID, Indicator Name, "
                "Area Code, ..., Value, Lower CI 95.0 limit, Upper CI 95.0 limit) to set an "
                "indicator for the place's areas, practices or local authority beside "
                "England's.",
            )
        ]
    if indicator_id is None:
        return [
            _note(
                "benchmark_indicator",
                title,
                "The Fingertips export has no value for the place's own codes (its practices, "
                "PCNs, small areas, wards, local authorities or sub-ICB): an export at another "
                "level (say, local authorities) matches where the codes do.",
            )
        ]
    table, name = benchmarks.indicator_comparison(dataset, selection, indicator_id)
    return [
        Panel(
            name="benchmark_indicator",
            title=title,
            caption=(
                f"How to read this: \u201c{name}\u201d (Fingertips indicator {indicator_id}), "
                "latest period, persons where the export splits by sex, for each of the "
                "place's areas, practices or authority the export has a value for; the bars "
                "are the export's own 95% intervals and the dashed line England's value; "
                "orange where higher than England, blue where lower, grey where similar or "
                "not compared."
            ),
            method=(
                "Higher or lower than England where the whole interval lies above or below "
                "England's value, as Fingertips compares; similar where it spans it. What it "
                "can show: where the place stands on a measure published nationally. What it "
                "cannot: why, or anything about the people referred (it is about everyone "
                "living or registered there, often in an earlier period); and values are "
                "recorded and defined differently between indicators: read the indicator's "
                "definition on Fingertips."
            ),
            level=level,
            table=table,
            labels=INDICATOR_LABELS,
            chart=lambda values: _indicator_chart(values, name),
            answer=lambda values: indicator_answer(values, name),
            empty="No value of this indicator for the place's own codes.",
        )
    ]


def loaded(dataset: Dataset) -> bool:
    """Whether any benchmark file was loaded (else a page without referrals says nothing of
    them)."""
    return any(dataset.has(name) for name in PUBLISHED)


def panels(dataset: Dataset, selection: Selection, level: Level,
           indicator_id: str | None = None) -> list[Panel]:  # fmt: skip
    """Every benchmark panel for what the dataset holds (each says what it is missing)."""
    return [
        *appointment_panels(dataset, selection, level),
        *indicator_panels(dataset, selection, level, indicator_id),
    ]


def appointment_panels(dataset: Dataset, selection: Selection, level: Level) -> list[Panel]:
    """The place's social prescribing appointments against England, similar sub-ICBs and
    the other practices in the file."""
    return [
        *sub_icb_panels(benchmarks.sub_icb_benchmark(dataset, selection), level),
        *practice_panels(benchmarks.practice_benchmark(dataset, selection), level),
    ]
