"""Why a view is empty or thin, naming the missing piece of data rather than listing guesses.

A planner who loads their own files and sees an empty chart needs the one thing to add or fix
("15 assets have a postcode but no postcode file was loaded"), not three possible causes."""

from __future__ import annotations

import pandas as pd

from socialrx import vocab
from socialrx.data.dataset import Dataset

POSTCODE_FILES = "postcodes.csv or the ONS postcode directory (NSPD, NSPL or ONSPD) as downloaded"


def _assets_have(n: int) -> str:
    return f"{n:,} in-person asset has" if n == 1 else f"{n:,} in-person assets have"


def unplaced_assets(dataset: Dataset, assets: pd.DataFrame) -> list[str]:
    """Why in-person assets are off the map, one sentence per cause, with how many (assets are
    not people: exact counts)."""
    in_person = assets["delivery"].isin(vocab.DELIVERY_NEEDS_LOCATION) | assets["delivery"].isna()
    unplaced = assets[in_person & assets["latitude"].isna()]
    has_postcode = unplaced["postcode"].notna()
    notes = []
    if has_postcode.any():
        n = int(has_postcode.sum())
        if dataset.has("postcodes"):
            notes.append(
                f"{_assets_have(n)} a postcode that is not in the loaded postcode file: they are "
                "off the map (the Data page lists them); a fuller postcode file places them."
            )
        else:
            notes.append(
                f"{_assets_have(n)} a postcode but no postcode file was loaded, so they are off "
                f"the map: add {POSTCODE_FILES}."
            )
    if (~has_postcode).any():
        notes.append(
            f"{_assets_have(int((~has_postcode).sum()))} neither coordinates nor a postcode: "
            "add latitude and longitude, or a postcode, in assets.csv."
        )
    return notes


def deprivation_gap(refs: pd.DataFrame, stats: pd.DataFrame, by_residence: bool) -> str | None:
    """The missing piece that leaves a chart of referrals by deprivation empty, or None when
    the data is all there (then the counts are too few to show). Says nothing about how many
    people: only whether any referral lacks what is needed."""
    if stats.empty:
        return (
            "No area statistics were loaded: add area_stats.csv or the official Indices of "
            "Deprivation File 7 (or File 1) as downloaded."
        )
    deciled = stats.loc[stats["imd_decile"].notna(), "area_code"]
    if deciled.empty:
        return "area_stats has no imd_decile: add it, or load the official IoD File 7 or File 1."
    if refs.empty:
        return "No referrals in this place and period."
    if refs["area_code"].isna().all():
        return (
            "No referral has an area_code (the small area the person lives in), so none can be "
            "given a deprivation decile: add area_code to referrals.csv."
        )
    if not refs["area_code"].isin(set(deciled)).any():
        return (
            "None of the referrals' area codes is among the areas with a deprivation decile: "
            "check both use the same LSOA vintage (2011 or 2021) and the same place."
        )
    if by_residence and stats["population_adult"].isna().all():
        return (
            "The areas have deprivation deciles but no adult population, so there is no rate "
            "per 1,000 adults: the IoD File 1 has no populations; load File 7, or add "
            "population_adult to area_stats.csv."
        )
    return None
