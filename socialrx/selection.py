"""The sidebar's choice of place and period, and the rows of each table it selects."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from socialrx.dataset import Dataset

WHOLE = "whole dataset"
PCN, PRACTICE, AREA = "PCN", "practice", "area"


@dataclass(frozen=True)
class Selection:
    """A place (PCN, practices or areas by code) and a period [start, end], both inclusive.

    Periods move in whole calendar months (`month_period`): two periods a user can choose never
    differ by a day's worth of people, which subtraction could otherwise single out."""

    start: pd.Timestamp
    end: pd.Timestamp
    place_kind: str = WHOLE
    place_codes: tuple[str, ...] = ()

    @property
    def months(self) -> float:
        """Calendar months the period covers (a partly covered month counts its share of
        days), for per-month and per-year figures."""
        months = pd.period_range(self.start, self.end, freq="M")
        first = np.maximum(months.start_time, self.start.normalize())
        last = np.minimum(months.end_time.normalize(), self.end.normalize())
        covered = (last - first).days.to_numpy() + 1
        return float(np.sum(covered / months.days_in_month.to_numpy()))

    @property
    def per_year(self) -> float:
        """What a count in the period is multiplied by to give a count a year."""
        return 12 / self.months

    @property
    def by_residence(self) -> bool:
        """Whether the referrals are everyone's or chosen by area of residence, so that area
        populations (residents) are their denominator; a practice's patients are not."""
        return self.place_kind in (WHOLE, AREA)

    @property
    def by_registration(self) -> bool:
        """Whether practice list sizes are the denominator of the chosen referrals: not when
        they are chosen by area, which holds only part of each practice's list."""
        return self.place_kind != AREA

    def previous(self) -> Selection:
        """The same calendar months just before this period (as many of them, the last cut
        on the same day of the month as this one), same place."""
        count = len(pd.period_range(self.start, self.end, freq="M"))
        start = (self.start.to_period("M") - count).start_time
        last = self.end.to_period("M") - count
        end = min(last.start_time + pd.Timedelta(days=self.end.day - 1), last.end_time)
        if self.end.normalize() == self.end.to_period("M").end_time.normalize():
            end = last.end_time
        return Selection(start, end.normalize(), self.place_kind, self.place_codes)


def month_period(first: pd.Period, last: pd.Period, data_end: pd.Timestamp) -> tuple:
    """The period from the first day of month `first` to the last day of month `last`, cut at
    the end of the data."""
    end = min(last.end_time.normalize(), data_end.normalize())
    return first.start_time, end


def place_options(dataset: Dataset) -> dict[str, dict[str, str]]:
    """What the place filter offers: for each kind of place (the whole dataset, PCN, practice,
    area) its codes and how each is named. Practices and areas seen only in referrals are
    offered too, so no referral is out of reach."""
    practices, referrals = dataset.table("practices"), dataset.table("referrals")
    options: dict[str, dict[str, str]] = {WHOLE: {}}
    pcns = practices.dropna(subset=["pcn_code"]).drop_duplicates("pcn_code")
    if len(pcns):
        options[PCN] = dict(
            zip(pcns["pcn_code"], pcns["pcn_name"].fillna(pcns["pcn_code"]), strict=True)
        )
    codes = set(practices["practice_code"]) | set(referrals["practice_code"].dropna().unique())
    if codes:
        names = practices.set_index("practice_code")["name"].fillna("").to_dict()
        options[PRACTICE] = {c: f"{names.get(c) or c} ({c})" for c in sorted(codes)}
    areas = set(referrals["area_code"].dropna().unique()) | set(
        dataset.table("area_stats")["area_code"]
    )
    area_names = {}
    if dataset.areas is not None:
        area_names = dict(
            zip(dataset.areas["area_code"], dataset.areas["area_name"].fillna(""), strict=True)
        )
        areas |= set(area_names)
    if areas:
        options[AREA] = {a: f"{area_names.get(a) or a} ({a})" for a in sorted(areas)}
    return options


def practices_of(dataset: Dataset, selection: Selection) -> list[str] | None:
    """The practice codes a PCN or practice choice stands for (None: no practice filter)."""
    if selection.place_kind == PRACTICE:
        return list(selection.place_codes)
    if selection.place_kind == PCN:
        practices = dataset.table("practices")
        return practices.loc[
            practices["pcn_code"].isin(selection.place_codes), "practice_code"
        ].tolist()
    return None


def in_place(referrals: pd.DataFrame, dataset: Dataset, selection: Selection) -> pd.Series:
    """Mask of referrals from the chosen place (registered practice, or area of residence)."""
    if selection.place_kind == AREA:
        return referrals["area_code"].isin(selection.place_codes)
    practices = practices_of(dataset, selection)
    if practices is None:
        return pd.Series(True, index=referrals.index)
    return referrals["practice_code"].isin(practices)


def selected_referrals(dataset: Dataset, selection: Selection) -> pd.DataFrame:
    """Referrals made in the period from the chosen place."""
    referrals = dataset.table("referrals")
    when = referrals["referral_date"].between(selection.start, selection.end)
    return referrals[when & in_place(referrals, dataset, selection)]


def outcome_referrals(dataset: Dataset) -> np.ndarray:
    """For each outcome row, the position of its referral in the referrals table (-1 where
    unknown), worked out once per dataset: matching millions of ids on every rerun is slow."""

    def build() -> np.ndarray:
        ids = pd.Index(dataset.table("referrals")["referral_id"])
        return ids.get_indexer(dataset.table("outcomes")["referral_id"])

    return dataset.derived("outcome_referrals", build)


def selected_outcomes(dataset: Dataset, selection: Selection) -> pd.DataFrame:
    """Outcome measurements of the referrals made in the chosen place and period (the same
    people for the overview's card and the outcomes page), with `_ref`: the position of each
    row's referral, a whole number to group by instead of the id."""
    referrals = dataset.table("referrals")
    chosen = np.zeros(len(referrals) + 1, dtype=bool)  # the last slot stands for "unknown"
    chosen[referrals.index.get_indexer(selected_referrals(dataset, selection).index)] = True
    positions = outcome_referrals(dataset)
    keep = chosen[positions]
    return _coded_outcomes(dataset)[keep].assign(_ref=positions[keep])


def connections_of(dataset: Dataset, referrals: pd.DataFrame) -> pd.DataFrame:
    """The connections of the given referrals (rows of the referrals table), matched by
    position once per dataset rather than by id on every rerun."""

    def build() -> np.ndarray:
        ids = pd.Index(dataset.table("referrals")["referral_id"])
        return ids.get_indexer(dataset.table("connections")["referral_id"])

    everyone = dataset.table("referrals")
    chosen = np.zeros(len(everyone) + 1, dtype=bool)
    chosen[everyone.index.get_indexer(referrals.index)] = True
    return dataset.table("connections")[chosen[dataset.derived("connection_referrals", build)]]


def _coded_outcomes(dataset: Dataset) -> pd.DataFrame:
    """The outcomes table with its few measures and timepoints as categories, once per
    dataset: filtering and grouping millions of rows of repeated strings is slow."""

    def build() -> pd.DataFrame:
        outcomes = dataset.table("outcomes")
        return outcomes.astype({"measure": "category", "timepoint": "category"})

    return dataset.derived("coded_outcomes", build)


def selected_connections(dataset: Dataset, selection: Selection) -> pd.DataFrame:
    """Every connection sent to an asset in the period, wherever the person lives: demand on
    a provider is all of it, so the place chooses which assets to look at, not the demand."""
    connections = dataset.table("connections")
    return connections[connections["referred_date"].between(selection.start, selection.end)]


def selected_assets(dataset: Dataset, selection: Selection) -> pd.DataFrame:
    """Assets located in the chosen areas (all assets for a PCN, practice or the whole data)."""
    assets = dataset.table("assets")
    if selection.place_kind == AREA:
        return assets[assets["area_code"].isin(selection.place_codes)]
    return assets


def selected_practices(dataset: Dataset, selection: Selection) -> pd.DataFrame:
    """The practices of the chosen PCN or practices (all of them otherwise)."""
    practices = dataset.table("practices")
    codes = practices_of(dataset, selection)
    return practices if codes is None else practices[practices["practice_code"].isin(codes)]


def selected_area_stats(dataset: Dataset, selection: Selection) -> pd.DataFrame:
    """Area statistics of the chosen areas (all areas for a PCN, practice or the whole data),
    so a rate's population matches its referrals."""
    stats = dataset.table("area_stats")
    if selection.place_kind == AREA:
        return stats[stats["area_code"].isin(selection.place_codes)]
    return stats


def data_period(dataset: Dataset) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """First and last day of person-level activity (referrals, connections, outcomes), the last
    no earlier than the extract date; None when there is none."""
    dates = pd.concat(
        [
            dataset.table("referrals")["referral_date"],
            dataset.table("connections")["referred_date"],
            dataset.table("outcomes")["assessed_date"],
        ]
    ).dropna()
    if dates.empty:
        return None
    last = max(dates.max(), dataset.extract_date or dates.max())
    return dates.min().normalize(), last.normalize()


def default_selection(dataset: Dataset) -> Selection:
    """The last 12 calendar months of the data (to the extract date), whole dataset."""
    period = data_period(dataset)
    end = (
        (dataset.extract_date or pd.Timestamp.today()).normalize() if period is None else period[1]
    )
    first = end.to_period("M") - 11
    if period is not None:
        first = max(first, period[0].to_period("M"))
    return Selection(*month_period(first, end.to_period("M"), end))
