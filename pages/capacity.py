"""Capacity: demand sent to each VCS asset against the capacity its provider states."""

import streamlit as st

from socialrx import ui
from socialrx.selection import AREA, selected_assets
from socialrx.views import capacity

context = ui.current()
ui.page_header(
    "Capacity",
    context,
    "How many people were sent to each asset, against what its "
    "provider says it can take, and what that demand would cost to fund.",
)
dataset, sel = context.dataset, context.selection
if not sel.by_residence:  # a PCN or practice
    st.info(
        "Demand on a provider is everyone sent to it, whichever practice referred them, so a "
        "PCN or practice choice does not narrow this page; choose areas to look at the assets "
        "located in them.",
        icon=":material/info:",
    )
ui.assets_by_area_note(context)
if selected_assets(dataset, sel).empty:
    st.info("No assets in the chosen areas." if sel.place_kind == AREA else "No assets loaded.")
elif ui.needs(context, "connections"):
    ui.draw(capacity.panels(dataset, sel, context.level))
