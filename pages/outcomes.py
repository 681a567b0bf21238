"""Outcomes: what changed, how big, how sure, who was measured and for whom it worked."""

import streamlit as st

from socialrx import ui, vocab
from socialrx.metrics import outcomes
from socialrx.views import outcomes as view
from socialrx.views.panels import Section

context = ui.current()
ui.page_header(
    "Outcomes",
    context,
    "Change from baseline to the latest follow-up, for people referred in the period who were "
    "measured at both, with how big it is, how sure we can be and who is missing.",
)
if ui.needs(context, "outcomes", "referrals"):
    dataset, sel, level = context.dataset, context.selection, context.level
    # the choices sit below the page's answers, which they change: their values are read
    # here (a shared link's first), before the panels are built
    ui.linked("outcome_standard", (outcomes.SEM, outcomes.RCI), "standard")
    standard = st.session_state.get("outcome_standard", outcomes.SEM)
    panels = ui.outcome_panels(dataset, dataset.content_hash, sel, level, standard)
    measures = view.paired_measures(panels)
    whom = []
    if measures:
        ui.linked("outcome_measure", measures, "measure", lambda m: vocab.MEASURES[m].label,
                  default=measures[0])  # fmt: skip
        ui.linked("outcome_group", list(outcomes.GROUPS), "breakdown", outcomes.GROUPS.get)
        measure = st.session_state.get("outcome_measure", measures[0])
        group = st.session_state.get("outcome_group", next(iter(outcomes.GROUPS)))
        whom = [ui.outcome_for_whom(dataset, dataset.content_hash, sel, level, measure, group)]
    nothing = not measures and panels[1].table.empty
    if nothing:
        st.info("No outcome measures for referrals in this place and period.")
    else:
        ui.summary([Section("", [*panels, *whom])])
    st.radio(
        "A change that matters, per person",
        (outcomes.SEM, outcomes.RCI),
        format_func={
            outcomes.SEM: "1 standard error of measurement (WEMWBS 3, SWEMWBS 1 point)",
            outcomes.RCI: "Reliable change, stricter (WEMWBS 8, SWEMWBS 2.87 points)",
        }.get,
        key="outcome_standard",
        horizontal=True,
        help="The Warwick guidance: a change beyond 1 SEM is meaningful for a person; 2.77 "
        "SEM (reliable change) is unlikely to be measurement error. Other measures publish "
        "no threshold: a move of 1 point or more, labelled descriptive.",
    )
    if not nothing:
        ui.draw(panels)
    if measures:
        left, right = st.columns(2)
        left.selectbox(
            "Measure", measures, format_func=lambda m: vocab.MEASURES[m].label,
            key="outcome_measure",
        )  # fmt: skip
        right.selectbox(
            "Change by", list(outcomes.GROUPS), format_func=outcomes.GROUPS.get,
            key="outcome_group",
        )  # fmt: skip
        ui.draw(whom)
