"""Referral flows: who refers, how many, whether people are connected, and where they go; the
referral pathway (where people drop out, how long they wait) and whether a change over the
months is a signal (Making Data Count SPC)."""

from datetime import timedelta

import pandas as pd
import streamlit as st

from socialrx import ui
from socialrx.dataset import Dataset
from socialrx.selection import Selection
from socialrx.views import referral_flows


# Cached here, beside the only page that uses it, as ui.py caches the overview's figures: the
# place's pathway summed small once per dataset (keyed on its content hash, which no other
# session can guess without the same files) and place, so a new period, baseline or
# disclosure level needs no pass over the referrals. The summaries are small (months x steps
# x days), so st.cache_data may copy them.
@st.cache_data(show_spinner="Working out the referral pathway", max_entries=16,
               ttl=timedelta(hours=1))  # fmt: skip
def place_summary(_dataset: Dataset, content_hash: str, place_kind: str, codes: tuple):
    chosen = Selection(pd.Timestamp("2000-01-01"), pd.Timestamp("2000-01-31"), place_kind, codes)
    return referral_flows.place_summary(_dataset, chosen)


context = ui.current()
ui.page_header(
    "Referral flows",
    context,
    "How many people were referred, by whom, from which practices and areas, where they were "
    "sent, where they drop out of the pathway and how long they wait, and whether a change "
    "over the months is a signal or noise.",
)
if ui.needs(context, "referrals"):
    ui.needs(context, "connections")  # says what the Sankey would need
    dataset, level = context.dataset, context.level
    ui.draw(referral_flows.panels(dataset, context.selection, level))
    chosen = context.selection
    summary = place_summary(dataset, dataset.content_hash, chosen.place_kind, chosen.place_codes)
    tables = referral_flows.pathway_tables(dataset, chosen, summary)
    ui.draw(referral_flows.pathway_panels(tables, level))
    st.subheader("Trends: is a change a signal or noise?")
    st.write(
        "Statistical process control (SPC) charts as NHS England's Making Data Count programme "
        "draws them, over every whole month of data up to the end of the chosen period. The "
        "centre line and process limits come from the baseline months chosen here: pick a "
        "stable stretch (at least 12 months) to judge later months against."
    )
    months = referral_flows.spc_months(tables)
    baseline = None
    if len(months) >= 2:
        chosen = st.select_slider(
            "Baseline months for the centre line and limits",
            options=months,
            value=(months[0], months[-1]),
            format_func=lambda month: f"{month:%b %Y}",
            key=f"spc_baseline_{months[0]}_{months[-1]}",  # new months, a new default
            help="The months the mean and process limits are worked out from (default: all). "
            "Limits are the mean ± 2.66 × the mean moving range, with moving ranges at or "
            "above 3.267 × their mean left out, as the NHS-R Community's NHSRplotthedots "
            "package does by default (github.com/nhs-r-community/NHSRplotthedots); signal "
            "rules as in NHS England's Making Data Count guidance "
            "(england.nhs.uk/publication/making-data-count).",
        )
        baseline = chosen if isinstance(chosen, tuple) else (months[0], months[-1])
    ui.draw(referral_flows.spc_panels(tables, level, baseline))
