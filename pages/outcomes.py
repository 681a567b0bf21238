"""Outcomes: change in wellbeing and other measures for people with a baseline and follow-up."""

import streamlit as st

from socialrx import ui
from socialrx.disclosure import describe, shown_table
from socialrx.charts import outcome_change_chart
from socialrx.outcomes import RESTING_ON, paired_change
from socialrx.selection import selected_referrals

COLUMNS = {
    "label": "Measure",
    "with_baseline": "With baseline",
    "with_follow_up": "With follow-up",
    "paired": "Measured at both",
    "mean_baseline": "Mean before",
    "mean_follow_up": "Mean after",
    "mean_change": "Mean change",
    "ci_low": "95% CI from",
    "ci_high": "95% CI to",
    "improved": "Improved",
    "improved_pct": "% improved",
}

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
        named = table.rename(columns=COLUMNS)[list(COLUMNS.values())]
        figures = list(COLUMNS.values())[1:]
        resting_on = {COLUMNS[k]: tuple(COLUMNS[c] for c in v) for k, v in RESTING_ON.items()}
        if table["mean_change"].isna().all():
            st.info(
                "No change to draw: too few people measured twice (1-7, hidden), or none. The "
                "table below says how many were measured."
            )
            ui.download(named, "outcome_change", disclosed=figures, resting_on=resting_on)
        else:
            ui.chart(
                outcome_change_chart(table),
                "How to read this: each bar is the mean change between baseline and the latest "
                "follow-up, on the measure's own scale (shown under each bar), with its 95% "
                "confidence interval. Blue is an improvement, orange a worsening: lower is better "
                "for anxiety, loneliness and GP appointments. Only people measured twice count.",
                named,
                "outcome_change",
                disclosed=figures,
                resting_on=resting_on,
            )
        st.dataframe(
            shown_table(named, figures, resting_on),
            hide_index=True,
            width="stretch",
            column_config={name: ui.number_text(name) for name in figures},
        )
        st.caption(
            "Attrition: compare people with a baseline and people measured at both. Those lost "
            "to follow-up may differ from those who stayed, so the change describes the people "
            "measured twice, not everyone referred. There is no comparison group: change over "
            "time is not proof the service caused it. SWEMWBS raw scores are converted to the "
            "metric scale; with several follow-ups the latest is used. A star (*) hides a figure "
            "resting on 1 to 7 people; `–` means there is nothing to compute (nobody measured "
            "twice, or one person for an interval). Counts of people are "
            f"{describe(context.level)}."
        )
