"""The asset map page: where people in need have too little within reach.

Assets by category over small areas shaded by need, access or referrals; the areas of high
need and low access outlined and listed; GP practices as a layer to switch on."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from socialrx.data.dataset import Dataset
from socialrx.disclosure import Level, Spec
from socialrx.metrics import access, gaps, referrals
from socialrx.metrics.selection import (
    AREA,
    Selection,
    area_places,
    place_options,
    practices_of,
    selected_area_stats,
    selected_assets,
    selected_referrals,
)
from socialrx.views.panels import Card, Panel, disclosure_caption

NO_SHADING, IMD, ACCESS, RATE, COUNT = "none", "imd", "access", "rate", "count"
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
WALK = (
    "Distances are straight lines: a straight 1.6 km is roughly 25 minutes' walk by road at an "
    "average pace, and longer for older people."
)


@dataclass(frozen=True)
class Filters:
    """Which assets count: categories (none = all), cost, wheelchair access, a day of the
    week, and whether inactive or stale records are included."""

    categories: tuple[str, ...] = ()
    costs: tuple[str, ...] = ()
    wheelchair: bool = False
    day: str | None = None
    include_inactive: bool = False
    include_stale: bool = True


@dataclass(frozen=True)
class Reach:
    """How access is measured: the radius (metres), the enhanced variant, whether online and
    telephone assets count for everyone, and the need indicator and splits."""

    radius: float = access.DEFAULT_RADIUS_M
    enhanced: bool = False
    remote_for_everyone: bool = False
    need: str = "imd_decile"
    need_cut: float | None = None
    access_cut: float | None = None


def asset_map(*args, **kwargs):
    """`figures.asset_map`: folium (and the templates it compiles, about a quarter of a second)
    is imported when a map is built, not with this module."""
    from socialrx.views import figures

    return figures.asset_map(*args, **kwargs)


def asset_map_png(*args, **kwargs) -> bytes:
    """`static_map.asset_map_png`: matplotlib is imported when a still is drawn, not with
    this module (about half a second of a fresh server's first page)."""
    from socialrx.views import static_map

    return static_map.asset_map_png(*args, **kwargs)


def shading_options(dataset: Dataset, selection: Selection) -> dict[str, str]:
    """What the areas can be shaded by: deprivation where known; access where there are
    adults to share capacity among; referrals per 1,000 adult residents a year where the
    referrals are chosen by residence (residents are then the right denominator), or the
    number of referrals from a chosen PCN or practice."""
    shades = {NO_SHADING: "No shading"}
    stats = dataset.table("area_stats")
    if dataset.has("areas") and stats["imd_decile"].notna().any():
        shades[IMD] = "IMD decile (1 = most deprived)"
    if dataset.has("areas") and stats["population_adult"].notna().any():
        shades[ACCESS] = "Access: places a month per 1,000 adults (2SFCA)"
    if dataset.has("areas") and dataset.has("referrals"):
        if selection.by_residence and stats["population_adult"].notna().any():
            shades[RATE] = "Referrals per 1,000 adults a year"
        elif not selection.by_residence:
            shades[COUNT] = "Adult referrals from the chosen practices (number, period)"
    return shades


def need_options(dataset: Dataset) -> dict[str, str]:
    """Need indicators in area_stats: the IMD decile or score, and any other numeric column
    (higher = more need, as its maker means it). Referral rates are not need: they measure use."""
    stats = dataset.table("area_stats")
    options = {}
    if stats["imd_decile"].notna().any():
        options["imd_decile"] = "IMD decile (1 = most deprived)"
    if "imd_score" in stats and stats["imd_score"].notna().any():
        options["imd_score"] = "IMD score (higher = more deprived)"
    skip = {"area_code", "population_adult", "imd_decile", "imd_score", "imd_rank"}
    for column in stats.columns:
        if column not in skip and pd.api.types.is_numeric_dtype(stats[column]):
            options[column] = f"{column} (higher = more need)"
    return options


def filtered(assets: pd.DataFrame, filters: Filters):
    """The assets the filters keep, and notes on what they could not judge."""
    notes = []
    if filters.categories:
        assets = assets[assets["category"].isin(filters.categories)]
    if filters.costs:
        assets = assets[assets["cost"].isin(filters.costs)]
    if filters.wheelchair:
        assets = assets[assets["wheelchair_accessible"].fillna(False).astype(bool)]
    if not filters.include_inactive:
        assets = assets[assets["status"] == "active"]
    if not filters.include_stale:
        assets = assets[~assets["stale"].fillna(False).astype(bool)]
    if filters.day:
        runs, unknown = access.runs_on(assets, filters.day)
        if unknown:
            notes.append(
                f"{unknown:,} assets have no day that can be read from their schedule (blank, "
                "by appointment, varies, or free text): day not known, so left out of a day "
                "filter. Their schedules are kept as written in the table."
            )
        assets = assets[runs]
    return assets, notes


def area_shading(dataset: Dataset, selection: Selection, shade: str, scores=None):
    """What the areas are shaded by: the exact table and its spec (referral counts and rates,
    disclosed where the map is drawn: empty for shading that counts nobody), and a function
    of the disclosed table giving each area's value (indexed by area_code), its label, and why
    an area has no value (a figure resting on 1-7 people is hidden, never shaded)."""
    if shade == IMD:
        stats = dataset.table("area_stats").set_index("area_code")["imd_decile"]
        return pd.DataFrame(), Spec(), lambda _shown: (stats, "IMD decile", None)
    if shade == ACCESS and scores is not None:
        places = scores.set_index("area_code")["access_per_1000"]
        return pd.DataFrame(), Spec(), lambda _shown: (places, "Places a month per 1,000", None)
    if shade not in (RATE, COUNT):
        return pd.DataFrame(), Spec(), lambda _shown: (None, "", None)
    table = referrals.area_rates(
        selected_referrals(dataset, selection),
        selected_area_stats(dataset, selection),
        selection.per_year,
    )

    def shading(shown: pd.DataFrame):
        values = shown.set_index("area_code")
        notes = values["referrals"].isna().map({True: "hidden: 1-7 people"})
        if shade == RATE:
            return values["rate_per_1000"], "Referrals per 1,000 adults a year", notes
        return values["referrals"], "Adult referrals", notes

    return table, referrals.area_spec(selection.per_year), shading


def gap_table(dataset: Dataset, selection: Selection, assets: pd.DataFrame, reach: Reach,
              categories) -> pd.DataFrame:  # fmt: skip
    """The need and access table (`access.need_and_access`) for the chosen areas, access
    worked out over the whole dataset with every asset the filters keep."""
    return access.need_and_access(
        dataset.areas, dataset.table("area_stats"), assets, reach.radius, reach.enhanced,
        reach.remote_for_everyone, reach.need, reach.need_cut, reach.access_cut,
        tuple(categories or ()), selection.residence_areas,
    )  # fmt: skip


def panels(
    dataset: Dataset,
    selection: Selection,
    level: Level,
    categories=(),
    include_inactive: bool = False,
    shade: str = NO_SHADING,
    filters: Filters | None = None,
    reach: Reach | None = None,
    neighbourhoods: pd.DataFrame | None = None,
) -> list[Panel]:
    """The gap summary, the map, the areas in need with too little within reach, and the
    assets on the map; `neighbourhoods` are the session's (the dataset's own by default), named
    in an area's details."""
    filters = filters or Filters(tuple(categories), include_inactive=include_inactive)
    reach = reach or Reach()
    everywhere, notes = filtered(dataset.table("assets"), filters)
    assets = everywhere[everywhere.index.isin(selected_assets(dataset, selection).index)]
    stats = dataset.table("area_stats")
    can_measure = (
        dataset.has("areas")
        and stats["population_adult"].notna().any()
        and reach.need in need_options(dataset)
    )
    out: list[Panel] = []
    gaps = None
    if can_measure:
        gaps = gap_table(dataset, selection, everywhere, reach, filters.categories)
        out.append(_gap_cards(gaps, reach, filters))
    shading_table, shading_spec, shading = area_shading(dataset, selection, shade, gaps)
    highlight = (
        tuple(gaps.loc[gaps["quadrant"] == access.QUADRANTS[0], "area_code"])
        if gaps is not None
        else ()
    )
    focus = _focus(dataset, selection)
    outline = place_outline(dataset, selection, neighbourhoods)
    practices = dataset.table("practices") if dataset.has("practices") else None
    placed = int(assets["latitude"].notna().sum())
    drawable = placed > 0 or (dataset.areas is not None and len(dataset.areas) > 0)
    caption = (
        f"{placed:,} asset{'s' if placed != 1 else ''} on the map; "
        f"{len(assets) - placed:,} more are online, by telephone or have no location. Points "
        "are coloured by category (the legend lists them); faded points are not active. "
        "Darker areas are more deprived (IMD), have more access or refer more; grey areas "
        "have no value or hide a figure resting on 1-7 people. Areas outlined in orange have "
        "high need and low access. On screen, GP practices are a layer to switch on (top "
        "right of the map)."
    )
    if shade in (RATE, COUNT):
        caption += " " + disclosure_caption(level)

    def drawn(shown: pd.DataFrame):
        if not drawable:
            return None
        values, label, area_notes = shading(shown)
        return asset_map(
            assets,
            dataset.areas,
            values,
            label,
            lower_is_darker=shade == IMD,
            area_notes=area_notes,
            focus=focus,
            highlight=highlight,
            practices=practices,
            place=outline,
        )

    the_map = Panel(
        name="asset_map",
        title="",
        caption=caption,
        level=level,
        # the areas' referral counts, disclosed where the map is drawn (none for other shading)
        table=shading_table,
        spec=shading_spec,
        chart=drawn,
        empty=why_no_map(dataset, assets),
        show_table=False,
        notes=tuple(notes + _data_notes(dataset, assets, filters)),
        details=lambda lat, lon: clicked_details(
            dataset, assets, gaps, lat, lon, neighbourhoods
        ),  # fmt: skip
    )

    def still() -> bytes:
        values, label, _ = shading(the_map.disclosed.values)
        return asset_map_png(
            assets,
            dataset.areas,
            values,
            label,
            lower_is_darker=shade == IMD,
            focus=focus,
            highlight=highlight,
            place=outline,
            title=_still_title(dataset, selection, outline, focus),
        )

    the_map.still = still
    out.append(the_map)
    if gaps is not None:
        out.append(_gap_panel(gaps, reach, filters, level))
    stale = int(assets["stale"].fillna(False).sum())
    out.append(
        Panel(
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
    )
    return out


GAP_LABELS = {
    "area_name": "Area",
    "area_code": "Code",
    "quadrant": "Need and access",
    "need": "Need (higher = more)",
    "access_per_1000": "Places a month per 1,000 adults",
    "nearest_m": "Nearest asset (m)",
    "population_adult": "Adults",
    "none_within_reach": "None of the chosen within reach",
}
CLICK_METRES = 60  # a click this near an asset's point is a click on the asset
CLICK_FIELDS = ("category", "delivery", "status", "schedule", "cost", "capacity_per_month",
                "wheelchair_accessible", "last_verified", "url")  # fmt: skip


def clicked_details(dataset: Dataset, assets: pd.DataFrame, gaps, lat, lon,
                    neighbourhoods: pd.DataFrame | None = None):  # fmt: skip
    """What a click at (lat, lon) points at: the nearest asset within CLICK_METRES, else the
    area holding the point (its ward, MSOA, local authority and neighbourhoods where known,
    with its need and access where measured); None for neither."""
    if lat is None or lon is None:
        return None
    where = gpd.GeoSeries(gpd.points_from_xy([lon], [lat]), crs="EPSG:4326")
    placed = assets.dropna(subset=["latitude", "longitude"])
    if len(placed):
        points = access.asset_points(placed)
        spot = where.to_crs(access.BNG).iloc[0]
        metres = ((points["x"] - spot.x) ** 2 + (points["y"] - spot.y) ** 2) ** 0.5
        if metres.min() <= CLICK_METRES:
            asset = placed.set_index("asset_id").loc[points.loc[metres.idxmin(), "asset_id"]]
            rows = [(f.replace("_", " "), _shown(asset[f])) for f in CLICK_FIELDS
                    if f in asset.index and pd.notna(asset[f])]  # fmt: skip
            return str(asset["name"]), rows
    if dataset.areas is None:
        return None
    hit = dataset.areas[dataset.areas.contains(where.iloc[0])]
    if hit.empty:
        return None
    code = hit["area_code"].iloc[0]
    rows = [("area code", code)]
    places = area_places(dataset, neighbourhoods)
    if code in places.index:
        rows += [(kind, label) for kind, label in places.loc[code].items() if pd.notna(label)]
    stats = dataset.table("area_stats")
    decile = stats.loc[stats["area_code"] == code, "imd_decile"].dropna()
    if len(decile):
        rows.append(("IMD decile (1 = most deprived)", _shown(decile.iloc[0])))
    if gaps is not None and code in set(gaps["area_code"]):
        row = gaps.set_index("area_code").loc[code]
        rows += [_gap_row(c, row[c]) for c in row.index
                 if c not in ("area_name", "need_as_given") and pd.notna(row[c])]  # fmt: skip
    return str(hit["area_name"].iloc[0] or code), rows


def _shown(value) -> str:
    """A value for the click details: whole numbers with thousands separators (1,503, not
    1503.0), other numbers to one decimal, yes/no, dates as dates, text as it is."""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, pd.Timestamp):
        return f"{value:%d %b %Y}"
    if isinstance(value, int | float | np.integer | np.floating):
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return str(value)


def _gap_row(column: str, value) -> tuple[str, str]:
    """One row of an area's measures for the click details: distances in metres with their
    unit, access per 1,000 adults to one decimal."""
    label = GAP_LABELS.get(column, column.capitalize())
    if column.endswith("(m)") or column == "nearest_m":
        return label.removesuffix(" (m)"), f"{float(value):,.0f} m"
    if column == "access_per_1000":
        return label, f"{float(value):,.1f}"
    return label, _shown(value)


def place_outline(dataset: Dataset, selection: Selection, neighbourhoods=None):
    """The boundary of a chosen ward, MSOA, local authority, neighbourhood or PCN catchment
    (its small areas dissolved into one shape, simplified to ~20 m) and its name, for the map;
    None for the whole data, practices, areas chosen one by one, or no boundaries."""
    areas = selection.residence_areas
    if not areas or selection.place_kind == AREA or dataset.areas is None:
        return None
    mine = dataset.areas[dataset.areas["area_code"].isin(areas)]
    if mine.empty:
        return None
    shape = mine.to_crs(access.BNG).geometry.union_all().simplify(20)
    outline = gpd.GeoSeries([shape], crs=access.BNG).to_crs("EPSG:4326")
    options = place_options(dataset, neighbourhoods).get(selection.place_kind, {})
    names = [options.get(code, code) for code in selection.place_codes]
    label = ", ".join(names[:3]) + (f" and {len(names) - 3:,} more" if len(names) > 3 else "")
    return outline, label


def why_no_map(dataset: Dataset, assets: pd.DataFrame) -> str:
    """Why there is no map to draw (no boundaries and no asset with a location), naming the
    missing pieces, so the page says so rather than drawing an empty country."""
    said = []
    if not dataset.has("areas"):
        said.append(
            "No small-area boundaries were loaded: add areas.geojson (or .gpkg, or a zipped "
            "shapefile) with one feature per LSOA."
        )
    if not dataset.has("assets") or dataset.table("assets").empty:
        said.append("No assets were loaded: add assets.csv.")
    elif assets.empty:
        said.append("No asset matches the filters chosen: widen them to see assets.")
    else:
        in_person = assets["delivery"].isin(access.PLACED) | assets["delivery"].isna()
        if not in_person.any():
            said.append(f"All {len(assets):,} assets shown are online or by telephone: "
                        "they have no place on a map.")  # fmt: skip
        said += gaps.unplaced_assets(dataset, assets)
    return "No map to draw. " + " ".join(said)


def _still_title(dataset: Dataset, selection: Selection, outline, focus) -> str:
    """The printed map's title where its black outlines need one (a PCN's or practice's
    areas, areas chosen one by one); a chosen place is named by the still map itself."""
    if outline is not None or not focus:
        return ""
    if selection.residence_areas is not None:
        return f"The {len(focus):,} chosen areas: outlined in black"
    names = place_options(dataset).get(selection.place_kind, {})
    chosen = [names.get(code, code) for code in selection.place_codes]
    words = ", ".join(chosen[:3]) + (f" and {len(chosen) - 3:,} more" if len(chosen) > 3 else "")
    return f"{words}: the areas holding the surgeries, outlined in black"


def _focus(dataset: Dataset, selection: Selection) -> tuple[str, ...]:
    """The areas the map opens on: those of a place by residence (areas, a ward, MSOA,
    local authority, neighbourhood or PCN catchment), or those holding a chosen PCN's or
    practice's surgeries."""
    if selection.residence_areas is not None:
        return selection.residence_areas
    codes = practices_of(dataset, selection)
    if not codes or dataset.areas is None:
        return ()
    practices = dataset.table("practices")
    mine = practices[practices["practice_code"].isin(codes)].dropna(
        subset=["latitude", "longitude"]
    )
    if mine.empty:
        return ()
    points = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(mine["longitude"], mine["latitude"]), crs="EPSG:4326"
    )
    joined = gpd.sjoin(points, dataset.areas[["area_code", "geometry"]], predicate="within")
    return tuple(joined["area_code"].dropna().unique())


def _data_notes(dataset: Dataset, assets: pd.DataFrame, filters: Filters) -> list[str]:
    """What the data leaves out of the map and the access scores, in plain words."""
    notes = gaps.unplaced_assets(dataset, assets)
    in_person = assets["delivery"].isin(access.PLACED) | assets["delivery"].isna()
    outside = in_person & assets["latitude"].notna() & assets["area_code"].isna()
    if outside.any() and dataset.has("areas"):
        notes.append(
            f"{int(outside.sum()):,} assets lie outside the loaded boundaries: they count for "
            "areas within reach of them, but belong to no area."
        )
    stats = dataset.table("area_stats")
    if dataset.has("areas") and len(stats):
        no_adults = set(dataset.areas["area_code"]) - set(
            stats.loc[stats["population_adult"].fillna(0) > 0, "area_code"]
        )
        if no_adults:
            notes.append(
                f"{len(no_adults):,} areas have no adult population in area_stats: no access "
                "score for them (there is nobody to share capacity among)."
            )
    _, assumed = access.capacity_assumed(assets)
    zero = assets["capacity_per_month"].astype("Float64").eq(0).fillna(False)
    if assumed.any() or zero.any():
        notes.append(
            f"Capacity: {int(assumed.sum()):,} assets state none, so the median stated capacity "
            f"of their category is assumed ({access.FALLBACK_CAPACITY} a month where no asset "
            f"of the category states one); {int(zero.sum()):,} state 0 and add no access."
        )
    if assets["category"].nunique() == 1 and not filters.categories:
        notes.append("Every asset shown is of one category: access is access to that alone.")
    return notes


def _areas(n: int) -> str:
    return f"{n:,} area" if n == 1 else f"{n:,} areas"


def _gap_cards(gaps: pd.DataFrame, reach: Reach, filters: Filters) -> Panel:
    found = access.gap_summary(gaps)
    cards = [
        Card(
            "High need, low access",
            _areas(found.areas),
            "Areas above the median need and below the median access (or the thresholds "
            "set), by the need indicator chosen and the 2SFCA score.",
        ),  # fmt: skip
        Card(
            "Adults living there",
            f"{found.adults:,.0f}",
            "Adults (area_stats population_adult) in the high need, low access areas.",
        ),
    ]
    if filters.categories and found.out_of_reach is not None:
        within = f"{reach.radius:,.0f} m"
        cards += [
            Card(f"None within {within}", _areas(found.out_of_reach),
                 "Areas of high need (above the median, or the threshold set) with no asset "
                 f"of the chosen categories within {within} (straight line) of their centre."),
            Card("Adults there", f"{found.adults_out_of_reach:,.0f}",
                 f"Adults living in those areas of high need with none within {within}."),
        ]  # fmt: skip
    return Panel(name="access_headlines", title="", caption="", level=Level.OFF,
                 cards=tuple(cards), show_table=False)  # fmt: skip


def _reached(categories: tuple[str, ...]) -> str:
    """What access is access to, in a sentence."""
    if not categories:
        return "community assets"
    if len(categories) == 1:
        return categories[0]
    return "the chosen assets (" + "; ".join(categories) + ")"


def _most_in_need(row: pd.Series, need: str) -> str:
    """How the need of the first area is said: its IMD decile or score, or the indicator."""
    value = row["need_as_given"]
    if need == "imd_decile":
        return f"IMD decile {value:.0f}"
    if need == "imd_score":
        return f"IMD score {value:,.1f}"
    return f"{need} {value:,.1f}"


def _places(value: float) -> str:
    if value == 0:
        return "no places within reach"
    return f"{value:,.1f} places a month per 1,000 adults"


def gap_answer(values: pd.DataFrame, reach: Reach, categories: tuple[str, ...]) -> str:
    """How many areas, home to how many adults, have high need and low access, and the most
    deprived of them (the least served where several share the most need)."""
    found = access.gap_summary(values)
    what = _reached(categories)
    deprived = "deprived" if reach.need in ("imd_decile", "imd_score") else "in need"
    if found.first is None:
        said = f"No area has both high need and low access to {what}."
    else:
        row = found.first
        named = row["area_name"] if isinstance(row["area_name"], str) and row["area_name"] else ""
        name = f"{named} ({row['area_code']})" if named else str(row["area_code"])
        need, places = _most_in_need(row, reach.need), _places(row["access_per_1000"])
        if found.tied == 1:
            most = f"the most {deprived} is {name}, {need}, with {places}"
        elif found.tied_access == 1:
            most = (
                f"the most {deprived} ({need}) are {found.tied} of them, the least served "
                f"{name}, with {places}"
            )
        else:
            most = (
                f"the most {deprived} ({need}) are {found.tied} of them, "
                f"{'all' if found.tied_access == found.tied else found.tied_access} with "
                f"{places}, among them {name}"
            )
        said = (
            f"{_areas(found.areas)}, home to {found.adults:,.0f} adults, "
            f"{'has' if found.areas == 1 else 'have'} high need and low access to {what}; "
            f"{most}."
        )
    if found.out_of_reach:
        said += (
            f" {_areas(found.out_of_reach)} of high need ({found.adults_out_of_reach:,.0f} "
            f"adults) {'has' if found.out_of_reach == 1 else 'have'} none of the chosen within "
            f"{reach.radius:,.0f} m."
        )
    return said


def _gap_panel(gaps: pd.DataFrame, reach: Reach, filters: Filters, level: Level) -> Panel:
    labels = {column: label for column, label in GAP_LABELS.items() if column in gaps}
    labels |= {
        c: c.capitalize() for c in gaps.columns if c.startswith("nearest ") and c != "nearest_m"
    }
    method = (
        "enhanced 2SFCA, distance bands weighted 1.00 to half the radius, 0.68 to three "
        "quarters, 0.22 to the radius (Luo and Qi 2009)"
        if reach.enhanced
        else "2SFCA (Luo and Wang 2003): every asset within the radius counts in full"
    )
    return Panel(
        name="access_gaps",
        title="Where need is high and access is low",
        caption=(
            f"Access is the {method}: each asset's capacity a month over the adults living "
            f"within {reach.radius:,.0f} m of it, summed for each area over the assets within "
            f"{reach.radius:,.0f} m of its centre, per 1,000 adults. Online and telephone "
            f"assets count for {'everyone' if reach.remote_for_everyone else 'no one'}. {WALK} "
            "Need and access are split at the place's medians unless thresholds are set. "
            "The table lists every area, high need and low access first; the download holds "
            "them all. Not person-level: populations and assets only."
        ),
        level=level,
        table=gaps,
        labels=labels,
        answer=lambda values: gap_answer(values, reach, tuple(filters.categories)),
    )
