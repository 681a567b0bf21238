"""Referral flows: who refers, how many, whether people are connected, and where they go."""

import streamlit as st

from socialrx import ui
from socialrx.disclosure import disclose_counts
from socialrx.figures import monthly_referrals_chart, pathway_sankey, rate_by_decile_chart
from socialrx.referrals import (
    monthly_referrals,
    pathway_flows,
    referral_rate_per_1000,
    referrals_by_deprivation,
)
from socialrx.selection import selected_area_stats, selected_referrals

context = ui.current()
ui.page_header(
    "Referral flows",
    context,
    "How many people were referred, by whom, from which "
    "practices and areas, and where they were sent.",
)
dataset, level = context.dataset, context.level
if ui.needs(context, "referrals"):
    referrals = selected_referrals(dataset, context.selection)
    monthly = monthly_referrals(referrals)
    monthly["referrals"] = disclose_counts(monthly["referrals"], level)
    ui.chart(
        monthly_referrals_chart(monthly),
        "How to read this: each point is the number of referrals received that month, "
        "rounded to 5; a gap is a month with 1-7 referrals (hidden).",
        monthly,
        "referrals_per_month",
        ["referrals"],
    )

    st.subheader("Where people were sent")
    links = pathway_flows(referrals, dataset.table("connections"), dataset.table("assets"))
    links["count"] = disclose_counts(links["count"], level)
    ui.chart(
        pathway_sankey(links),
        "How to read this: left, who referred; middle, the kind of asset each person was "
        "sent to (a person sent to two assets counts twice); right, what happened there. "
        "Band widths are counts rounded to 5; flows of 1-7 are left out.",
        links,
        "referral_pathways",
        ["count"],
    )

    if dataset.has("practices"):
        st.subheader("Referrals by practice")
        by_practice = referral_rate_per_1000(referrals, dataset.table("practices"), level)
        st.dataframe(
            ui.shown_table(by_practice, ["referrals", "rate_per_1000"]),
            hide_index=True,
            width="stretch",
            column_config={
                "practice_code": "Practice code",
                "name": "Practice",
                "pcn_name": "PCN",
                "list_size": st.column_config.NumberColumn("Registered adults", format="%d"),
                "referrals": "Referrals",
                "rate_per_1000": "Referrals per 1,000 registered adults",
            },
        )
        st.caption(
            "Referrals in the period per 1,000 registered adults (list size). Practices "
            "near the bottom hardly refer: a conversation worth having."
        )
        ui.download(by_practice, "referrals_by_practice", disclosed=["referrals", "rate_per_1000"])

    stats = selected_area_stats(dataset, context.selection)
    if stats["imd_decile"].notna().any():
        by_decile = referrals_by_deprivation(referrals, stats, level)
        ui.chart(
            rate_by_decile_chart(by_decile),
            "How to read this: referrals in the period per 1,000 adults living in each IMD "
            "decile; decile 1 is the most deprived 10% of areas in England. Bars falling to "
            "the right mean referrals reach the most deprived areas most.",
            by_decile,
            "referrals_by_deprivation",
            ["referrals", "rate_per_1000"],
        )
