"""Capacity: demand sent to each VCS asset against the capacity its provider states."""

import streamlit as st

from socialrx import ui
from socialrx.capacity import (
    DISCLOSED,
    RESTING_ON,
    capacity_strain,
    most_strained,
    summarise,
    undecided_note,
)
from socialrx.disclosure import describe, shown_table
from socialrx.charts import capacity_chart
from socialrx.selection import AREA, selected_assets, selected_connections

context = ui.current()
ui.page_header(
    "Capacity",
    context,
    "How many people were sent to each asset, against what its "
    "provider says it can take, and what that demand would cost to fund.",
)
dataset = context.dataset
sel = context.selection
if not sel.by_residence:  # a PCN or practice
    st.info(
        "Demand on a provider is everyone sent to it, whichever practice referred them, so a "
        "PCN or practice choice does not narrow this page; choose areas to look at the assets "
        "located in them.",
        icon=":material/info:",
    )
ui.assets_by_area_note(context)
assets = selected_assets(dataset, sel)
if assets.empty:
    st.info("No assets in the chosen areas." if sel.place_kind == AREA else "No assets loaded.")
elif ui.needs(context, "connections"):
    strain = capacity_strain(assets, selected_connections(dataset, sel), sel.months, context.level)
    summary = summarise(strain)
    left, middle, right = st.columns(3)
    left.metric(
        "Assets over capacity",
        f"{summary.over:,}",
        border=True,
        help="Assets sent more people a month than the capacity they state.",
    )
    middle.metric(
        "Assets stating a capacity", f"{summary.stated:,} of {len(strain):,}", border=True
    )
    right.metric(
        "Cost of demand in period",
        f"£{summary.cost_gbp:,.0f}",
        border=True,
        help="People sent x the asset's cost per person, where given, from the disclosed counts.",
    )
    if summary.undecided:
        st.caption(undecided_note(summary.undecided))
    if summary.uncosted:
        st.caption(
            f"The cost leaves out {ui.counted(summary.uncosted, 'asset')} with a cost per person "
            "whose number of people sent is hidden (1-7)."
        )
    strained = most_strained(strain)
    if len(strained):
        ui.chart(
            capacity_chart(strained),
            "How to read this: for each asset, the people sent per month in the period "
            "(orange) against the capacity per month its provider states (blue). Orange "
            "longer than blue is over capacity. Demand counts everyone sent, including "
            "people put on a waiting list or turned away; assets whose demand is hidden "
            "(1-7 people) or nil are not drawn.",
            strained,
            "capacity_most_strained",
            disclosed=DISCLOSED,
            resting_on=RESTING_ON,
        )
    elif summary.stated:
        st.info("No asset stating a capacity was sent anyone in the period (or 1-7, hidden).")
    else:
        st.info("No asset states a capacity: add capacity_per_month to assets.csv to see strain.")
    st.subheader("All assets")
    st.dataframe(
        shown_table(strain, DISCLOSED, RESTING_ON),
        hide_index=True,
        width="stretch",
        column_config={
            "asset_id": "Asset",
            "name": "Name",
            "organisation_id": "Organisation",
            "category": "Category",
            "capacity_per_month": st.column_config.NumberColumn("Capacity a month"),
            "cost_per_person_gbp": st.column_config.NumberColumn(
                "Cost per person (£)", format="%.2f"
            ),
            "connections": ui.number_text("People sent"),
            "turned_away_or_waiting": ui.number_text("Turned away or waiting"),
            "demand_per_month": ui.number_text("Demand a month"),
            "strain": ui.number_text("Strain (demand / capacity)"),
            "over_capacity": ui.number_text("Over capacity"),
            "cost_of_demand_gbp": st.column_config.NumberColumn(
                "Cost of demand (£)", format="localized"
            ),
        },
    )
    ui.download(strain, "assets_capacity", disclosed=DISCLOSED, resting_on=RESTING_ON)
    st.caption(
        f"Counts of people are {describe(context.level)}; demand and strain use the "
        "disclosed counts. `–` means no capacity (or a capacity of 0) is stated."
    )
