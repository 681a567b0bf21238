"""Capacity: demand sent to each VCS asset against the capacity its provider states."""

import streamlit as st

from socialrx import ui
from socialrx.capacity import capacity_strain, cost_of_demand, providers_over_capacity
from socialrx.disclosure import describe, shown_table
from socialrx.figures import capacity_chart
from socialrx.selection import selected_assets, selected_connections

COUNTED = ["connections", "turned_away_or_waiting", "demand_per_month", "strain"]
RESTING_ON = {"demand_per_month": ("connections",), "strain": ("connections",)}

context = ui.current()
ui.page_header(
    "Capacity",
    context,
    "How many people were sent to each asset, against what its "
    "provider says it can take, and what that demand would cost to fund.",
)
dataset = context.dataset
if ui.needs(context, "connections"):
    sel = context.selection
    strain = capacity_strain(
        selected_assets(dataset, sel), selected_connections(dataset, sel), sel.months, context.level
    )
    over, undecided = providers_over_capacity(strain)
    cost, uncosted = cost_of_demand(strain)
    stated = int(strain["capacity_per_month"].notna().sum())
    left, middle, right = st.columns(3)
    left.metric(
        "Assets over capacity",
        f"{over:,}",
        border=True,
        help="Assets sent more people a month than the capacity they state.",
    )
    middle.metric("Assets stating a capacity", f"{stated:,} of {len(strain):,}", border=True)
    right.metric(
        "Cost of demand in period",
        f"£{cost:,.0f}",
        border=True,
        help="People sent x the asset's cost per person, where given, from the disclosed counts.",
    )
    if undecided:
        st.caption(
            f"{ui.counted(undecided, 'more asset')} stating a capacity had 1-7 people sent, a "
            "number disclosure control hides, so cannot be judged over or under capacity."
        )
    if uncosted:
        st.caption(
            f"The cost leaves out {ui.counted(uncosted, 'asset')} with a cost per person whose "
            "number of people sent is hidden (1-7)."
        )
    if stated:
        ui.chart(
            capacity_chart(strain),
            "How to read this: for each asset, the people sent per month in the period "
            "(orange) against the capacity per month its provider states (blue). Orange "
            "longer than blue is over capacity. Demand counts everyone sent, including "
            "people put on a waiting list or turned away; assets whose demand is hidden "
            "(1-7 people) are not drawn.",
            strain,
            "capacity_strain",
            COUNTED,
            RESTING_ON,
        )
    else:
        st.info("No asset states a capacity: add capacity_per_month to assets.csv to see strain.")
    st.subheader("All assets")
    st.dataframe(
        shown_table(strain, COUNTED, RESTING_ON),
        hide_index=True,
        width="stretch",
        column_config={
            "strain": "Strain (demand / capacity)",
            "demand_per_month": "Demand per month",
            "cost_of_demand_gbp": st.column_config.NumberColumn(
                "Cost of demand (£)", format="%.0f"
            ),
        },
    )
    ui.download(strain, "assets_capacity", COUNTED, RESTING_ON)
    st.caption(
        f"Counts of people are {describe(context.level)} (`*`); demand and strain use the "
        "disclosed counts. `–` means no capacity (or a capacity of 0) is stated."
    )
