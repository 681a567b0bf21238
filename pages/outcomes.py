"""Outcomes: change in wellbeing and other measures for people with a baseline and follow-up."""

import streamlit as st

from socialrx import ui
from socialrx.figures import outcome_change_chart
from socialrx.outcomes import paired_change
from socialrx.selection import selected_referrals

context = ui.current()
ui.page_header(
    "Outcomes",
    context,
    "Change from baseline to the latest follow-up, for people "
    "referred in the period who were measured at both.",
)
dataset = context.dataset
if ui.needs(context, "outcomes", "referrals"):
    referrals = selected_referrals(dataset, context.selection)
    measured = dataset.table("outcomes")
    measured = measured[measured["referral_id"].isin(referrals["referral_id"])]
    table = paired_change(measured, context.level)
    if table.empty:
        st.info("No outcome measures for referrals in this place and period.")
    else:
        ui.chart(
            outcome_change_chart(table),
            "How to read this: each bar is the mean change in points between baseline and "
            "the latest follow-up, with its 95% confidence interval. Higher is better except "
            "for anxiety, loneliness and GP appointments. Only people measured twice count.",
            ui.shown_table(table, ["with_baseline", "with_follow_up", "paired", "mean_change"]),
            "outcome_change",
        )
        st.dataframe(
            ui.shown_table(
                table.drop(columns=["measure", "higher_is_better"]),
                [
                    "with_baseline",
                    "with_follow_up",
                    "paired",
                    "mean_baseline",
                    "mean_follow_up",
                    "mean_change",
                    "ci_low",
                    "ci_high",
                    "improved_pct",
                ],
            ),
            hide_index=True,
            width="stretch",
        )
        st.caption(
            "Attrition: compare `with_baseline` and `paired`. People lost to follow-up may "
            "differ from those who stayed, so the change describes those measured twice, "
            "not everyone referred. There is no comparison group: change over time is not "
            "proof the service caused it. SWEMWBS raw scores are converted to the metric "
            "scale; with several follow-ups the latest is used."
        )
