"""Outcomes: change in wellbeing and other measures for people with a baseline and follow-up."""

import streamlit as st

from socialrx import ui
from socialrx.views import outcomes

context = ui.current()
ui.page_header(
    "Outcomes",
    context,
    "Change from baseline to the latest follow-up, for people "
    "referred in the period who were measured at both.",
)
if ui.needs(context, "outcomes", "referrals"):
    panels = outcomes.panels(context.dataset, context.selection, context.level)
    if panels[0].table.empty:
        st.info("No outcome measures for referrals in this place and period.")
    else:
        ui.draw(panels)
