"""Referral flows: who refers, how many, whether people are connected, and where they go; the
referral pathway (where people drop out, how long they wait) and whether a change over the
months is a signal (Making Data Count SPC)."""

from datetime import timedelta

import pandas as pd
import streamlit as st

from socialrx import ui
from socialrx.data.dataset import Dataset
from socialrx.disclosure import Level
from socialrx.metrics.selection import Selection
from socialrx.views import referral_flows


# Cached here, beside the only page that uses it, as ui.py caches the overview's figures, and
# keyed like them on the dataset's content hash (which no other session can guess without the
# same files). The place's pathway is summed small once per dataset and place, so a new
# period needs no pass over the referrals; the panels (figures built) are kept per place,
# period, disclosure level and SPC baseline, so a rerun that changes none of them only draws.
@st.cache_data(show_spinner="Working out the referral pathway", max_entries=16,
               ttl=timedelta(hours=1))  # fmt: skip
def place_summary(_dataset: Dataset, content_hash: str, place_kind: str, codes: tuple,
                  area_codes: tuple = ()):  # fmt: skip
    chosen = Selection(pd.Timestamp("2000-01-01"), pd.Timestamp("2000-01-31"), place_kind, codes,
                       area_codes)  # fmt: skip
    return referral_flows.place_summary(_dataset, chosen)


def _built(panels: list) -> list:
    for panel in panels:
        _ = panel.figure, panel.disclosed  # worked out once, before the panels are shared
    return panels


@st.cache_resource(show_spinner=False, max_entries=32, ttl=timedelta(hours=1))
def flow_panels(_dataset: Dataset, content_hash: str, chosen: Selection, level: Level):
    """Referrals per month, the Sankey, practices and deprivation (the Sankey's flows take
    seconds at a million referrals: a rerun that changes nothing should not redo them)."""
    return _built(referral_flows.panels(_dataset, chosen, level))


@st.cache_resource(show_spinner=False, max_entries=32, ttl=timedelta(hours=1))
def pathway_view(_dataset: Dataset, content_hash: str, chosen: Selection, level: Level):
    summary = place_summary(_dataset, content_hash, chosen.place_kind, chosen.place_codes,
                            chosen.area_codes)  # fmt: skip
    tables = referral_flows.pathway_tables(_dataset, chosen, summary)
    return tables, _built(referral_flows.pathway_panels(tables, level))


@st.cache_resource(show_spinner=False, max_entries=32, ttl=timedelta(hours=1))
def spc_view(_dataset: Dataset, content_hash: str, chosen: Selection, level: Level, baseline,
             unit: str | None):  # fmt: skip
    tables, _ = pathway_view(_dataset, content_hash, chosen, level)
    return _built(referral_flows.spc_panels(tables, level, baseline, unit))


context = ui.current()
ui.page_header(
    "Referral flows",
    context,
    "How many people were referred, by whom, from which practices and areas, where they were "
    "sent, where they drop out of the pathway and how long they wait, and whether a change "
    "over the months is a signal or noise.",
)
if ui.needs(context, "referrals"):
    if not context.dataset.has("connections"):
        st.info(
            "Where people were sent (the flow from referrer to asset) needs `connections.csv`: "
            "one row per person sent on to an asset. The other figures below need only the "
            "referrals."
        )
    dataset, level = context.dataset, context.level
    chosen, key = context.selection, dataset.content_hash
    ui.draw(flow_panels(dataset, key, chosen, level))
    tables, pathway_panels = pathway_view(dataset, key, chosen, level)
    ui.draw(pathway_panels)
    st.header("Trends: is a change a signal or noise?")
    st.write(
        "Statistical process control (SPC) charts as NHS England's Making Data Count programme "
        "draws them, over every whole month (or quarter) of data up to the end of the chosen "
        "period. The centre line and process limits come from the baseline months chosen here: "
        "pick a stable stretch (at least 12 points) to judge later ones against. Points, "
        "limits and signals are worked out from the figures as shown."
    )
    months = referral_flows.spc_months(tables)
    baseline = None
    if len(months) >= 2:
        picked = st.select_slider(
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
        baseline = picked if isinstance(picked, tuple) else (months[0], months[-1])
    by = st.radio(
        "Points of the SPC charts",
        ["automatic", referral_flows.MONTH, referral_flows.QUARTER],
        format_func={"automatic": "automatic", "month": "months", "quarter": "quarters"}.get,
        horizontal=True,
        key="spc_by",
        help="Automatic: months where they can be charted, quarters otherwise. At a disclosure "
        "level other than off a chart is worked out from the figures as shown, so it needs "
        "every point shown (none of 1-7 people, none resting on fewer than 30) and at least 10 "
        "people a point on average; quarters sum the months' exact counts before rounding.",
    )
    unit = None if by == "automatic" else by
    ui.draw(spc_view(dataset, key, chosen, level, baseline, unit))
