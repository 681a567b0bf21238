"""Capacity: demand sent to each VCS asset against the capacity its provider states."""

import streamlit as st

from socialrx import ui
from socialrx.capacity import capacity_strain
from socialrx.figures import capacity_chart
from socialrx.selection import selected_assets, selected_connections

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
    over = strain[strain["over_capacity"]]
    stated = int(strain["capacity_per_month"].notna().sum())
    left, middle, right = st.columns(3)
    left.metric("Assets over capacity", f"{len(over):,}", border=True)
    middle.metric("Assets stating a capacity", f"{stated:,} of {len(strain):,}", border=True)
    right.metric(
        "Cost of demand in period",
        f"£{strain['cost_of_demand_gbp'].sum():,.0f}",
        border=True,
        help="Connections x the asset's cost per person, where given.",
    )
    if stated:
        ui.chart(
            capacity_chart(strain),
            "How to read this: for each asset, the people sent per month in the period "
            "(orange) against the capacity per month its provider states (blue). Orange "
            "longer than blue is over capacity. Demand counts everyone sent, including "
            "people put on a waiting list or turned away.",
            strain,
            "capacity_strain",
            ["connections", "turned_away_or_waiting", "demand_per_month"],
        )
    else:
        st.info("No asset states a capacity: add capacity_per_month to assets.csv to see strain.")
    st.subheader("All assets")
    st.dataframe(
        ui.shown_table(strain, ["connections", "turned_away_or_waiting"]),
        hide_index=True,
        width="stretch",
        column_config={
            "strain": st.column_config.NumberColumn("Strain (demand / capacity)", format="%.2f"),
            "demand_per_month": st.column_config.NumberColumn("Demand per month", format="%.1f"),
            "cost_of_demand_gbp": st.column_config.NumberColumn(
                "Cost of demand (£)", format="%.0f"
            ),
        },
    )
    ui.download(strain, "assets_capacity", disclosed=["connections", "turned_away_or_waiting"])
    st.caption(
        "Counts of people are rounded to 5 and 1-7 shown as `*`; demand and strain use the "
        "rounded counts. Strain is blank where no capacity is stated."
    )
