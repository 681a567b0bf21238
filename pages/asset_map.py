"""Asset map: where the community assets are, over the areas shaded by need or referrals."""

import streamlit as st

from socialrx import ui, vocab
from socialrx.views import asset_map

context = ui.current()
ui.page_header(
    "Asset map",
    context,
    "Community assets by category, over small areas shaded by "
    "deprivation or by referrals per 1,000 adults a year. Click a point for details.",
)
dataset, sel = context.dataset, context.selection
left, middle, right = st.columns([3, 2, 2])
present = set(asset_map.shown_assets(dataset, sel, include_inactive=True)["category"])
ui.linked("map_categories", present, "categories")
ui.linked("map_inactive", (True, False))
categories = left.multiselect(
    "Categories",
    [c for c in vocab.ASSET_CATEGORIES if c in present],
    key="map_categories",
    placeholder="All categories",
)
include_inactive = middle.toggle("Include inactive and closed assets", key="map_inactive")
shades = asset_map.shading_options(dataset, sel)
ui.linked("map_shade", list(shades), "shading")
if st.session_state.get("map_shade") not in shades:  # default: the first measure of need
    st.session_state["map_shade"] = list(shades)[min(1, len(shades) - 1)]
shade = right.selectbox("Shade areas by", list(shades), format_func=shades.get, key="map_shade")
ui.draw(asset_map.panels(dataset, sel, context.level, categories, include_inactive, shade))
ui.assets_by_area_note(context)
