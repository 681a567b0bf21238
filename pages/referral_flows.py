"""Referral flows: who refers, how many, whether people are connected, and where they go."""

import streamlit as st

from socialrx import ui
from socialrx.disclosure import describe, shown_table
from socialrx.charts import monthly_referrals_chart, pathway_sankey, rate_by_decile_chart
from socialrx.referrals import (
    DECILE_DISCLOSED,
    DECILE_RESTING_ON,
    PRACTICE_RESTING_ON,
    monthly_referrals,
    pathways,
    referral_rate_per_1000,
    referrals_by_deprivation,
)
from socialrx.selection import selected_area_stats, selected_practices, selected_referrals

context = ui.current()
ui.page_header(
    "Referral flows",
    context,
    "How many people were referred, by whom, from which "
    "practices and areas, and where they were sent.",
)
dataset, level, sel = context.dataset, context.level, context.selection
shown_as = describe(level)
if ui.needs(context, "referrals"):
    referrals = selected_referrals(dataset, sel)
    monthly = monthly_referrals(referrals, sel.start, sel.end, level)
    if monthly["referrals"].fillna(0).gt(0).any():
        ui.chart(
            monthly_referrals_chart(monthly, describe(level, short=True)),
            "How to read this: each point is the number of referrals received that month, "
            f"{shown_as}; a gap is a month of 1-7. A hollow point is a month the chosen period "
            "only partly covers, so it counts only some of that month's referrals.",
            monthly,
            "referrals_per_month",
            disclosed=["referrals"],
        )
    else:
        st.info("No month in this place and period has more than 7 referrals to show.")

    st.subheader("Where people were sent")
    if ui.needs(context, "connections"):
        links, nodes = pathways(
            referrals, dataset.table("connections"), dataset.table("assets"), level
        )
        hidden = int(links["count"].isna().sum())
        if links["count"].fillna(0).gt(0).any():
            ui.chart(
                pathway_sankey(links, nodes),
                "How to read this: left, who referred; middle, the kind of asset each person "
                "was sent to (a person sent to two assets counts twice); right, what happened "
                f"there. Band widths are counts, {shown_as}. Hover over a box for its own "
                "total, disclosed separately."
                + (
                    f" {ui.counted(hidden, 'flow')} of 1-7 people "
                    f"{'is' if hidden == 1 else 'are'} not drawn, so bands do not add up to "
                    "the boxes."
                    if hidden
                    else ""
                ),
                links,
                "referral_pathways",
                disclosed=["count"],
            )
        else:
            st.info("No flows to draw: there are none, or each rests on 1-7 people (hidden).")

    if dataset.has("practices"):
        st.subheader("Referrals by practice")
        by_practice = referral_rate_per_1000(
            referrals, selected_practices(dataset, sel), level, per_registered=sel.by_registration
        )
        counted = ["referrals", "rate_per_1000"] if sel.by_registration else ["referrals"]
        st.dataframe(
            shown_table(by_practice, counted, PRACTICE_RESTING_ON),
            hide_index=True,
            width="stretch",
            column_config={
                "practice_code": "Practice code",
                "name": "Practice",
                "pcn_name": "PCN",
                "list_size": st.column_config.NumberColumn("Registered adults", format="localized"),
                "referrals": ui.number_text("Referrals"),
                "rate_per_1000": ui.number_text("Referrals per 1,000 registered adults"),
            },
        )
        st.caption(
            "Referrals in the period per 1,000 registered adults (list size); `–` where the "
            "list size is not known. Practices near the bottom hardly refer: a conversation "
            "worth having."
            if sel.by_registration
            else "Referrals in the period from people living in the chosen areas, by their "
            "registered practice. No rate: the areas hold only part of each practice's list."
        )
        ui.download(
            by_practice,
            "referrals_by_practice",
            disclosed=counted,
            resting_on=PRACTICE_RESTING_ON,
        )

    stats = selected_area_stats(dataset, sel)
    if stats["imd_decile"].notna().any():
        by_decile = referrals_by_deprivation(referrals, stats, level)
        measure = "rate_per_1000" if sel.by_residence else "share_pct"
        reading = (
            "referrals in the period per 1,000 adults living in each IMD decile; bars falling "
            "to the right mean referrals reach the most deprived areas most. Areas with no "
            "population in area_stats are left out of the rate."
            if sel.by_residence
            else "the share of the chosen practices' referrals from people living in each IMD "
            "decile. A rate per 1,000 residents would be wrong here: a practice's patients "
            "are only part of each area's population. Choose areas or the whole dataset for "
            "rates."
        )
        if not by_decile[measure].fillna(0).gt(0).any():
            st.info(
                "No deprivation figures to draw: no referrals with a known area, too few to "
                "show (1-7, hidden), or the areas have no population in area_stats."
            )
        else:
            ui.chart(
                rate_by_decile_chart(by_decile, measure),
                f"How to read this: {reading} Decile 1 is the most deprived 10% of areas in "
                f"England. Counts of people are {shown_as}.",
                by_decile,
                "referrals_by_deprivation",
                disclosed=DECILE_DISCLOSED,
                resting_on=DECILE_RESTING_ON,
            )
