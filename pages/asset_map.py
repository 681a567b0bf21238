"""Asset map: where people in need have too little within reach."""

import streamlit as st

from socialrx import ui, vocab
from socialrx.metrics import access
from socialrx.views import asset_map, pages
from socialrx.views.links import Between

context = ui.current()
ui.page_header(
    "Asset map",
    context,
    "Where people in need have too little within reach: community assets by category over "
    "small areas shaded by deprivation, access or referrals, with the areas of high need and "
    "low access outlined and listed. Hover over an area or click a point for details.",
)
dataset, sel = context.dataset, context.selection
ui.practice_choice_note(
    context,
    "Assets and areas are places, not practices (shade by the referrals from the "
    "chosen practices to see where their patients live)",
)
found = st.empty()  # what the map found, once the choices below have built its panels
present = pages.asset_categories(dataset, sel)
left, right = st.columns([3, 2])
ui.linked("map_categories", present, "categories")
left.multiselect("Categories", present, key="map_categories", placeholder="All categories")
shades = asset_map.shading_options(dataset, sel)
need_first = pages.need_first(shades)  # default: the first measure of need
ui.linked("map_shade", list(shades), "shading", shades.get, default=need_first)
st.session_state.setdefault("map_shade", need_first)
right.selectbox("Shade areas by", list(shades), format_func=shades.get, key="map_shade")

needs = asset_map.need_options(dataset)
# a link's choices, and kept ones this data may not offer, checked here: a note drawn inside a
# closed expander would go unseen
ui.linked("map_costs", vocab.COST, "costs")
ui.linked("map_day", access.DAYS, "day")
for flag in ("map_wheelchair", "map_inactive", "map_stale", "map_enhanced", "map_remote"):
    ui.linked(flag, (True, False))
ui.linked("map_radius", Between(400, 5000), "reach", default=access.DEFAULT_RADIUS_M)
need_options = list(needs) or ["imd_decile"]
ui.linked("map_need", need_options, "measure of need", needs.get, default=need_options[0])
ui.linked("map_need_cut", Between(), "high need threshold")
ui.linked("map_access_cut", Between(), "low access threshold")

with st.expander("Filter the assets"):
    one, two, three = st.columns(3)
    one.multiselect("Cost", vocab.COST, key="map_costs", placeholder="Any cost")
    two.selectbox("Runs on", [None, *access.DAYS], key="map_day",
                        format_func=lambda d: "Any day" if d is None else d)  # fmt: skip
    three.toggle("Wheelchair accessible only", key="map_wheelchair")
    one.toggle("Include inactive and closed assets", key="map_inactive")
    two.toggle("Include records not verified in 12 months", value=True, key="map_stale")

with st.expander("How access is measured", expanded=False):
    one, two, three = st.columns(3)
    one.slider("Reach (metres, straight line)", 400, 5000, access.DEFAULT_RADIUS_M,
                        step=100, key="map_radius", help=asset_map.WALK)  # fmt: skip
    two.toggle(
        "Weight by distance (E2SFCA)",
        key="map_enhanced",
        help="Assets nearer count more: weights 1.00 to half the reach, 0.68 to three "
        "quarters, 0.22 to the reach (Luo and Qi 2009).",
    )
    three.toggle("Online and telephone assets count for everyone", key="map_remote")
    one.selectbox("Need", need_options, format_func=lambda n: needs.get(n, n), key="map_need")
    two.number_input("High need from (blank: the median)", value=None,
                                key="map_need_cut")  # fmt: skip
    three.number_input("Low access below (blank: the median)", value=None,
                                    key="map_access_cut")  # fmt: skip

# the widgets' values, as kept by `ui.linked` for this page and the pack
sections = pages.asset_map(dataset, sel, context.level, ui.page_choices(dataset), ui.cached)
ui.summary(sections, found)
ui.draw(sections[0].panels)
ui.assets_by_area_note(context)
