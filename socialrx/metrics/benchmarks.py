"""Benchmarks beyond the place: NHS England's "Social Prescribing Service" appointments per 1,000
registered patients a year for the place against England and the sub-ICBs most like it, and
for the place's practices against the other practices in the file; and any OHID Fingertips
indicator for the place's own areas, practices and authority against England.

These count appointments booked in GP appointment books under one national category, not
people: one person may have several, and link workers who record in their own case system
leave none here. They are published counts, not the extract's people, so no disclosure
control applies and no Poisson interval is drawn (appointments are not independent events of
a population at risk: one person's six appointments are not six chances).

Rates per year: the appointments over the months compared, times 12 over the patient-months
registered (each month's registered patients added up), per 1,000. Sub-ICBs' registered
patients are those at the practices the publication counted (its coverage file, all ages);
practices' are the list sizes the app reads (registered adults 18+), so the two kinds of rate
are not comparable with each other, only within their own kind.

Similar sub-ICBs: the nearest by Euclidean distance on standardised (z-score) deprivation (a
Fingertips indicator named "Deprivation score (IMD ...)") and share of patients aged 65+ (an
indicator naming 65+), across every sub-ICB the export holds with both, the place's own
profile its sub-ICBs' average weighted by registered patients; the 10 nearest, as NHS
RightCare's "similar 10" lists were drawn (on two measures here, not its many).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from socialrx.data.dataset import Dataset
from socialrx.metrics.selection import Selection, practices_of

PER = 1000
PEERS = 10  # as NHS RightCare's similar-10 lists
ENGLAND_SUB_ICBS = 90  # a file holding at least this many sub-ICBs covers England (about 100)
ENGLAND = "E92000001"
MEASURES = {  # peer measures: (column, how Fingertips names it, words)
    "imd_score": (re.compile(r"^deprivation score \(imd", re.IGNORECASE), "deprivation score"),
    "over_65_pct": (re.compile(r"65\s*\+|65 (?:years )?and over", re.IGNORECASE), "% aged 65+"),
}


def compared_months(months: pd.Series, selection: Selection) -> tuple[list[pd.Timestamp], bool]:
    """The file's months inside the period chosen, and True; or, where none are, the file's
    latest 12 and False (a published file often ends before, or starts after, an extract)."""
    held = sorted(pd.to_datetime(months.dropna().unique()))
    first = selection.start.to_period("M").start_time
    last = selection.end.to_period("M").start_time
    inside = [m for m in held if first <= m <= last]
    return (inside, True) if inside else (held[-12:], False)


def _rate(appointments, patient_months):
    """Appointments per 1,000 registered patients a year over `patient_months` (each month's
    registered patients added up); NaN where none are registered."""
    patient_months = np.asarray(patient_months, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.asarray(appointments, dtype=float) * 12 * PER / patient_months
    return np.where(patient_months > 0, rate, np.nan)


# --- practices ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PracticeBenchmark:
    """Each practice in the appointments file over the months compared (`table`), and the
    place's practices and all practices in the file pooled (`summary`)."""

    table: pd.DataFrame
    summary: pd.DataFrame
    months: list[pd.Timestamp]
    in_period: bool
    unlisted: int  # practices in the file with no registered list known


def place_practices(dataset: Dataset, selection: Selection) -> set[str]:
    """The place's practices: those chosen (a PCN or practices), else the dataset's."""
    codes = practices_of(dataset, selection)
    if codes is None:
        codes = dataset.table("practices")["practice_code"].dropna().astype(str).tolist()
    return set(codes)


def practice_benchmark(dataset: Dataset, selection: Selection) -> PracticeBenchmark | None:
    """Social prescribing appointments per 1,000 registered adults a year for every practice in
    the file with a list size (the practices table's, else NHS Digital's from the file)."""
    appointments = dataset.table("gp_appointments")
    if appointments.empty:
        return None
    months, in_period = compared_months(appointments["month"], selection)
    rows = appointments[appointments["month"].isin(months)]
    table = rows.groupby("practice_code", as_index=False).agg(
        appointments=("appointments", "sum"),
        months=("month", "nunique"),
        file_registered=("registered", "max"),
        sub_icb_code=("sub_icb_code", "first"),
    )
    practices = dataset.table("practices").set_index("practice_code")
    codes = table["practice_code"].astype(str)
    table["name"] = codes.map(practices["name"]).astype("string")
    listed = codes.map(practices["list_size"]).astype("Float64")
    table["registered"] = listed.fillna(table["file_registered"].astype("Float64"))
    table["in_place"] = codes.isin(place_practices(dataset, selection)).to_numpy()
    registered = table["registered"].to_numpy(dtype=float, na_value=np.nan)
    table["rate_per_1000"] = _rate(table["appointments"], registered * table["months"])
    table = table.drop(columns="file_registered")
    known = table["registered"].notna().to_numpy()
    summary = pd.DataFrame(
        [
            _pooled("The place's practices", table[known & table["in_place"].to_numpy()]),
            _pooled("All practices in the file", table[known]),
        ]
    )
    order = table.sort_values(["in_place", "rate_per_1000", "practice_code"],
                              ascending=[False, False, True], na_position="last")  # fmt: skip
    return PracticeBenchmark(order.reset_index(drop=True), summary, months, in_period,
                             int((~known).sum()))  # fmt: skip


def _pooled(label: str, rows: pd.DataFrame) -> dict:
    months = rows["months"].to_numpy(dtype=float)
    registered = rows["registered"].to_numpy(dtype=float, na_value=np.nan)
    appointments = float(rows["appointments"].sum())
    rate = _rate([appointments], [np.nansum(registered * months)])[0] if len(rows) else np.nan
    return {
        "comparison": label,
        "practices": len(rows),
        "appointments": appointments,
        "registered": float(np.nansum(registered)) if len(rows) else np.nan,
        "rate_per_1000": rate,
        "lowest": float(rows["rate_per_1000"].min()) if len(rows) else np.nan,
        "highest": float(rows["rate_per_1000"].max()) if len(rows) else np.nan,
    }


# --- sub-ICBs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubICBBenchmark:
    """Every sub-ICB in the file over the months compared (`table`: rate, the peer measures,
    distance from the place, and its role: place, peer or other), and the place, its peers
    and England (or all sub-ICBs in the file) pooled (`summary`)."""

    table: pd.DataFrame
    summary: pd.DataFrame
    months: list[pd.Timestamp]
    in_period: bool
    place_codes: tuple[str, ...]
    measures: tuple[str, ...] = ()  # the peer measures used (none: no peers)
    england: bool = False  # the file covers England
    notes: tuple[str, ...] = field(default_factory=tuple)


def place_sub_icbs(dataset: Dataset) -> tuple[str, ...]:
    """The sub-ICBs of the dataset's practices, as the practice-level appointments file gives
    them (the place's own practices, whatever the sidebar chooses: a sub-ICB is compared
    whole)."""
    appointments = dataset.table("gp_appointments")
    practices = set(dataset.table("practices")["practice_code"].dropna().astype(str))
    mine = appointments[appointments["practice_code"].astype(str).isin(practices)]
    return tuple(sorted(mine["sub_icb_code"].dropna().astype(str).unique()))


def sub_icb_measures(indicators: pd.DataFrame) -> pd.DataFrame:
    """Each sub-ICB's (ONS code) deprivation score and share aged 65+ from a Fingertips
    export: the latest period of the first indicator each pattern matches, persons."""
    out = pd.DataFrame()
    if indicators.empty:
        return out
    names = indicators["indicator_name"].astype(str)
    for column, (pattern, _) in MEASURES.items():
        matched = indicators[names.str.contains(pattern) & indicators["value"].notna()]
        if matched.empty:
            continue
        first = matched["indicator_id"].iloc[0]
        rows = matched[matched["indicator_id"] == first]
        sex = rows["sex"].astype(str).str.lower()
        if sex.eq("persons").any():
            rows = rows[sex.eq("persons").to_numpy()]
        period = rows["time_period_sortable"] if rows["time_period_sortable"].notna().any() \
            else rows["time_period"]  # fmt: skip
        rows = rows[period == period.max()]
        out[column] = rows.groupby("area_code")["value"].first()
    return out


def nearest(measures: pd.DataFrame, place: pd.Series, n: int = PEERS) -> pd.Series:
    """The `n` areas nearest `place` (a weight for each of its own areas) on the measures
    standardised across every area with all of them: Euclidean distance of z-scores from the
    place's weighted average profile, its own areas left out; ascending."""
    usable = measures.dropna()
    spread = usable.std(ddof=0)
    usable = usable.loc[:, spread > 0]
    if usable.empty:
        return pd.Series(dtype=float)
    z = (usable - usable.mean()) / usable.std(ddof=0)
    weights = place[place.index.isin(z.index)]
    if weights.empty or weights.sum() <= 0:
        return pd.Series(dtype=float)
    profile = (z.loc[weights.index].mul(weights, axis=0)).sum() / weights.sum()
    distance = np.sqrt(((z - profile) ** 2).sum(axis=1))
    return distance.drop(weights.index).sort_values(kind="stable").head(n)


def sub_icb_benchmark(dataset: Dataset, selection: Selection) -> SubICBBenchmark | None:
    """Social prescribing appointments per 1,000 registered patients a year for every sub-ICB
    in the file; the place's sub-ICBs, its similar 10 and England pooled."""
    appointments = dataset.table("sub_icb_appointments")
    if appointments.empty:
        return None
    months, in_period = compared_months(appointments["month"], selection)
    rows = appointments[appointments["month"].isin(months)]
    table = rows.groupby("sub_icb_code", as_index=False).agg(
        name=("sub_icb_name", "first"),
        ons_code=("sub_icb_ons_code", "first"),
        appointments=("appointments", "sum"),
        patient_months=("registered", lambda s: s.sum(min_count=len(s))),
        months=("month", "nunique"),
    )
    table["registered"] = table["patient_months"].astype(float) / table["months"]
    table["rate_per_1000"] = _rate(table["appointments"], table["patient_months"])
    place = place_sub_icbs(dataset)
    table["role"] = np.where(table["sub_icb_code"].isin(place), "place", "other")
    measures = sub_icb_measures(dataset.table("indicators"))
    used: tuple[str, ...] = ()
    notes = []
    if not measures.empty and place:
        by_ons = table.set_index("ons_code")
        for column in measures.columns:
            table[column] = table["ons_code"].map(measures[column])
        weights = by_ons.loc[by_ons["sub_icb_code"].isin(place), "registered"].dropna()
        close = nearest(measures.reindex(by_ons.index.dropna()), weights)
        if len(close):
            used = tuple(measures.columns)
            table["distance"] = table["ons_code"].map(close)
            table.loc[table["ons_code"].isin(close.index), "role"] = "peer"
        else:
            notes.append("no sub-ICB has both measures beside the place's own")
    england = table["sub_icb_code"].nunique() >= ENGLAND_SUB_ICBS
    rated = table[table["rate_per_1000"].notna()]
    summary = [
        _pooled_sub_icbs("The place", rated[rated["role"] == "place"]),
        _pooled_sub_icbs(f"Its {PEERS} most similar sub-ICBs", rated[rated["role"] == "peer"]),
        _pooled_sub_icbs(
            "England" if england else f"All {table['sub_icb_code'].nunique()} sub-ICBs in the file",
            rated,
        ),
    ]
    if not used:
        summary.pop(1)
    order = {"place": 0, "peer": 1, "other": 2}
    table = table.sort_values(
        ["role", "rate_per_1000"], key=lambda c: c.map(order) if c.name == "role" else -c,
        na_position="last", kind="stable",
    ).reset_index(drop=True)  # fmt: skip
    return SubICBBenchmark(table, pd.DataFrame(summary), months, in_period, place, used,
                           england, tuple(notes))  # fmt: skip


def _pooled_sub_icbs(label: str, rows: pd.DataFrame) -> dict:
    appointments = float(rows["appointments"].sum())
    patient_months = float(rows["patient_months"].sum())
    return {
        "comparison": label,
        "sub_icbs": len(rows),
        "appointments": appointments,
        "registered": float(rows["registered"].sum()) if len(rows) else np.nan,
        "rate_per_1000": _rate([appointments], [patient_months])[0] if len(rows) else np.nan,
        "lowest": float(rows["rate_per_1000"].min()) if len(rows) else np.nan,
        "highest": float(rows["rate_per_1000"].max()) if len(rows) else np.nan,
    }


# --- Fingertips indicators ------------------------------------------------------------------


def indicator_choices(dataset: Dataset) -> dict[str, str]:
    """Indicator id -> name for the indicators with a value for one of the place's own codes
    (not only England and the sub-ICBs every export is kept for), first by name."""
    indicators = dataset.table("indicators")
    if indicators.empty:
        return {}
    mine = indicators[_own_rows(indicators) & indicators["value"].notna().to_numpy()]
    named = mine.drop_duplicates("indicator_id").sort_values("indicator_name")
    return dict(zip(named["indicator_id"].astype(str), named["indicator_name"].astype(str),
                    strict=True))  # fmt: skip


def _own_rows(indicators: pd.DataFrame) -> np.ndarray:
    codes = indicators["area_code"].astype(str)
    wide = codes.str.startswith(("E38", "E54", "E40")) | (codes == ENGLAND)
    return (~wide).to_numpy()


def place_codes(dataset: Dataset, selection: Selection) -> set[str]:
    """The codes the place is known by: its practices (chosen or all), PCNs, small areas,
    wards, MSOAs and local authorities, and its sub-ICBs' ONS codes."""
    codes = place_practices(dataset, selection)
    practices = dataset.table("practices")
    codes |= set(practices.loc[practices["practice_code"].isin(codes), "pcn_code"].dropna())
    areas = selection.residence_areas
    lookup = dataset.table("area_lookup")
    stats = dataset.table("area_stats")
    if areas is not None:
        lookup = lookup[lookup["area_code"].isin(areas)]
        stats = stats[stats["area_code"].isin(areas)]
    codes |= set(stats["area_code"].dropna().astype(str))
    if "local_authority" in stats:
        codes |= set(stats["local_authority"].dropna().astype(str))
    for column in ("area_code", "ward_code", "msoa_code", "la_code"):
        codes |= set(lookup[column].dropna().astype(str))
    subs = dataset.table("sub_icb_appointments")
    mine = subs[subs["sub_icb_code"].isin(place_sub_icbs(dataset))]
    codes |= set(mine["sub_icb_ons_code"].dropna().astype(str))
    return codes


def indicator_comparison(dataset: Dataset, selection: Selection, indicator_id: str):
    """One Fingertips indicator's latest period for the place's own areas, practices and
    authority beside England: value, 95% interval and how each compares with England's value
    (lower or higher where the interval lies wholly below or above it, as Fingertips
    compares; "similar" where it spans it; "not compared" without an interval)."""
    indicators = dataset.table("indicators")
    rows = indicators[indicators["indicator_id"].astype(str) == str(indicator_id)]
    sex = rows["sex"].astype(str).str.lower()
    if sex.eq("persons").any():
        rows = rows[sex.eq("persons").to_numpy()]
    period = rows["time_period_sortable"] if rows["time_period_sortable"].notna().any() \
        else rows["time_period"]  # fmt: skip
    rows = rows[(period == period.max()).to_numpy()]
    england = rows.loc[rows["area_code"] == ENGLAND, "value"]
    england_value = float(england.iloc[0]) if len(england) else np.nan
    mine = rows[rows["area_code"].astype(str).isin(place_codes(dataset, selection))]
    table = mine[["area_code", "area_name", "area_type", "time_period", "value", "lower_ci",
                  "upper_ci", "count", "denominator"]].copy()  # fmt: skip
    table["england"] = england_value
    low, high = table["lower_ci"].astype(float), table["upper_ci"].astype(float)
    table["compared"] = np.select(
        [low.isna() | high.isna() | np.isnan(england_value), high < england_value,
         low > england_value],
        ["not compared", "lower", "higher"], "similar",
    )  # fmt: skip
    name = rows["indicator_name"].iloc[0] if len(rows) else str(indicator_id)
    return table.sort_values(["area_type", "area_code"]).reset_index(drop=True), name
