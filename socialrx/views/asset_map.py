"""The asset map page: assets by category over small areas shaded by need or referrals."""

from __future__ import annotations

import pandas as pd

from socialrx import referrals
from socialrx.dataset import Dataset
from socialrx.disclosure import Level
from socialrx.figures import asset_map
from socialrx.panels import Panel, disclosure_caption
from socialrx.selection import (
    AREA,
    Selection,
    selected_area_stats,
    selected_assets,
    selected_referrals,
)
from socialrx.static_map import asset_map_png

NO_SHADING, IMD, RATE, COUNT = "none", "imd", "rate", "count"
ASSET_LABELS = {
    "asset_id": "Asset",
    "name": "Name",
    "category": "Category",
    "delivery": "Delivery",
    "status": "Status",
    "organisation_id": "Organisation",
    "schedule": "When",
    "cost": "Cost",
    "capacity_per_month": "Capacity a month",
    "last_verified": "Last verified",
    "stale": "Not verified in 12 months",
    "area_code": "Area",
}


def shading_options(dataset: Dataset, selection: Selection) -> dict[str, str]:
    """What the areas can be shaded by: deprivation where known; referrals per 1,000 adult
    residents a year where the referrals are chosen by residence (residents are then the right
    denominator), or the number of referrals from a chosen PCN or practice."""
    shades = {NO_SHADING: "No shading"}
    stats = dataset.table("area_stats")
    if dataset.has("areas") and stats["imd_decile"].notna().any():
        shades[IMD] = "IMD decile (1 = most deprived)"
    if dataset.has("areas") and dataset.has("referrals"):
        if selection.by_residence and stats["population_adult"].notna().any():
            shades[RATE] = "Referrals per 1,000 adults a year"
        elif not selection.by_residence:
            shades[COUNT] = "Adult referrals from the chosen practices (number, period)"
    return shades


def shown_assets(
    dataset: Dataset, selection: Selection, categories=(), include_inactive: bool = False
) -> pd.DataFrame:
    """The assets the map and table show: the chosen categories, active unless asked."""
    assets = selected_assets(dataset, selection)
    if categories:
        assets = assets[assets["category"].isin(categories)]
    if not include_inactive:
        assets = assets[assets["status"] == "active"]
    return assets


def area_shading(dataset: Dataset, selection: Selection, level: Level, shade: str):
    """Each area's value to shade by (indexed by area_code), its label, and why an area has no
    value (a figure resting on 1-7 people is hidden, never shaded)."""
    if shade == IMD:
        stats = dataset.table("area_stats")
        return stats.set_index("area_code")["imd_decile"], "IMD decile", None
    if shade not in (RATE, COUNT):
        return None, "", None
    table = referrals.area_rates(
        selected_referrals(dataset, selection),
        selected_area_stats(dataset, selection),
        selection.per_year,
    )
    disclosed = referrals.area_spec(selection.per_year).disclose(table, level)
    values = disclosed.values.set_index(table["area_code"])
    hidden = pd.Series(disclosed.marks["referrals"].to_numpy() == "*", index=values.index)
    notes = hidden.map({True: "hidden: 1-7 people"})
    if shade == RATE:
        return values["rate_per_1000"], "Referrals per 1,000 adults a year", notes
    return values["referrals"], "Adult referrals", notes


def panels(
    dataset: Dataset,
    selection: Selection,
    level: Level,
    categories=(),
    include_inactive: bool = False,
    shade: str = NO_SHADING,
) -> list[Panel]:
    """The map and the table of the assets on it."""
    assets = shown_assets(dataset, selection, categories, include_inactive)
    values, label, notes = area_shading(dataset, selection, level, shade)
    focus = selection.place_codes if selection.place_kind == AREA else ()
    placed = int(assets["latitude"].notna().sum())
    caption = (
        f"{placed:,} asset{'s' if placed != 1 else ''} on the map; "
        f"{len(assets) - placed:,} more are online, by telephone or have no location. Points "
        "are coloured by category (the legend lists them); faded points are not active. "
        "Darker areas are more deprived (IMD) or refer more; grey areas have no value or hide "
        "a figure resting on 1-7 people."
    )
    if shade in (RATE, COUNT):
        caption += " " + disclosure_caption(level)
    map_panel = Panel(
        name="asset_map",
        title="",
        caption=caption,
        level=level,
        chart=lambda _: asset_map(
            assets,
            dataset.areas,
            values,
            label,
            lower_is_darker=shade == IMD,
            area_notes=notes,
            focus=focus,
        ),  # fmt: skip
        still=lambda: asset_map_png(
            assets, dataset.areas, values, label, lower_is_darker=shade == IMD
        ),
        show_table=False,
    )
    stale = int(assets["stale"].fillna(False).sum())
    table = Panel(
        name="assets",
        title="Assets",
        caption="Asset records as loaded (not person-level).",
        level=level,
        table=assets[list(ASSET_LABELS)],
        labels=ASSET_LABELS,
        notes=(
            f"{stale:,} asset records were last verified more than 12 months before the "
            "extract date: check they still run.",
        )
        if stale
        else (),
    )
    return [map_panel, table]
