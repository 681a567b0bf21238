"""The sidebar's choice of place and period, and the rows of each table it selects."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from socialrx.dataset import Dataset

WHOLE = "whole dataset"
PCN, PRACTICE, AREA = "PCN", "practice", "area"


@dataclass(frozen=True)
class Selection:
    """A place (PCN, practices or areas by code) and a period [start, end], both inclusive."""

    start: pd.Timestamp
    end: pd.Timestamp
    place_kind: str = WHOLE
    place_codes: tuple[str, ...] = ()

    @property
    def months(self) -> float:
        """Length of the period in months (days / 30.44), for per-month rates."""
        return ((self.end - self.start).days + 1) / 30.4375

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
        """The period of the same length just before this one, same place."""
        length = self.end - self.start + pd.Timedelta(days=1)
        return Selection(
            self.start - length,
            self.start - pd.Timedelta(days=1),
            self.place_kind,
            self.place_codes,
        )


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
    """The last 12 months to the extract date, whole dataset."""
    period = data_period(dataset)
    end = (
        (dataset.extract_date or pd.Timestamp.today()).normalize() if period is None else period[1]
    )
    start = max(end - pd.DateOffset(months=12) + pd.Timedelta(days=1), period[0] if period else end)
    return Selection(start, end)
