"""Asset map: where the community assets are, over the areas shaded by need or referrals."""

import streamlit as st
from streamlit_folium import st_folium

from socialrx import ui, vocab
from socialrx.figures import asset_map
from socialrx.referrals import referral_rate_by_area
from socialrx.selection import (
    AREA,
    selected_area_stats,
    selected_assets,
    selected_referrals,
)

context = ui.current()
ui.page_header(
    "Asset map",
    context,
    "Community assets by category, over small areas shaded by "
    "deprivation or by referrals per 1,000 adults. Click a point for details.",
)
dataset = context.dataset
assets = selected_assets(dataset, context.selection)

left, middle, right = st.columns([3, 2, 2])
categories = left.multiselect(
    "Categories",
    [c for c in vocab.ASSET_CATEGORIES if c in set(assets["category"])],
    key="map_categories",
    placeholder="All categories",
)
include_inactive = middle.toggle("Include inactive and closed assets", key="map_inactive")
shades = {"none": "No shading"}
stats = dataset.table("area_stats")
if dataset.has("areas") and stats["imd_decile"].notna().any():
    shades["imd"] = "IMD decile (1 = most deprived)"
# residents are the denominator only for referrals chosen by where people live
if dataset.has("areas") and dataset.has("referrals"):
    if context.selection.by_residence and stats["population_adult"].notna().any():
        shades["rate"] = "Referrals per 1,000 adults (period)"
    elif not context.selection.by_residence:
        shades["count"] = "Referrals from the chosen practices (number, period)"
shade = right.selectbox(
    "Shade areas by",
    list(shades),
    format_func=shades.get,
    key="map_shade",
    index=min(1, len(shades) - 1),
)

shown_assets = assets
if categories:
    shown_assets = shown_assets[shown_assets["category"].isin(categories)]
if not include_inactive:
    shown_assets = shown_assets[shown_assets["status"] == "active"]

values, label, notes = None, "", None
if shade == "imd":
    values, label = stats.set_index("area_code")["imd_decile"], "IMD decile"
elif shade in ("rate", "count"):
    chosen = selected_area_stats(dataset, context.selection)
    rates = referral_rate_by_area(
        selected_referrals(dataset, context.selection), chosen, context.level
    ).set_index("area_code")
    column, label = (
        ("rate_per_1000", "Referrals per 1,000") if shade == "rate" else ("referrals", "Referrals")
    )
    values = rates[column]
    notes = rates["referrals"].isna().map({True: "hidden: 1-7 people"})

focus = context.selection.place_codes if context.selection.place_kind == AREA else ()
fmap = asset_map(
    shown_assets, dataset.areas, values, label, lower_is_darker=shade == "imd",
    area_notes=notes, focus=focus,
)  # fmt: skip
st_folium(fmap, height=620, use_container_width=True, returned_objects=[], key="asset_map")
st.download_button(
    "Download this map (HTML, opens in any browser)",
    lambda: fmap.get_root().render(),  # rendered when clicked, not on every rerun
    file_name="asset_map.html",
    mime="text/html",
    key="dl_asset_map",
    on_click="ignore",
)
placed = shown_assets["latitude"].notna()
st.caption(
    f"{ui.counted(int(placed.sum()), 'asset')} on the map; {int((~placed).sum()):,} more are "
    "online, by "
    "telephone or have no location. Points are coloured by category (the legend and the layer "
    "control list them); faded points are not active. Darker areas are more deprived (IMD) or "
    "refer more; grey areas have no value or hide a figure resting on 1-7 people."
)
ui.assets_by_area_note(context)
stale = int(shown_assets["stale"].fillna(False).sum())
if stale:
    st.warning(
        f"{stale:,} asset records were last verified more than 12 months before the extract "
        "date: check they still run."
    )

st.subheader("Assets")
table = shown_assets[
    [
        "asset_id",
        "name",
        "category",
        "delivery",
        "status",
        "organisation_id",
        "schedule",
        "cost",
        "capacity_per_month",
        "last_verified",
        "stale",
        "area_code",
    ]
]
ui.show_table(
    table,
    {
        "asset_id": "Asset",
        "name": "Name",
        "category": "Category",
        "delivery": "Delivery",
        "status": "Status",
        "organisation_id": "Organisation",
        "schedule": "When",
        "cost": "Cost",
        "capacity_per_month": "Capacity a month",
        "last_verified": st.column_config.DateColumn("Last verified", format="D MMM YYYY"),
        "stale": st.column_config.CheckboxColumn("Not verified in 12 months"),
        "area_code": "Area",
    },
)
ui.download(table, "assets")
