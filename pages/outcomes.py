"""Outcomes: what changed, how big, how sure, who was measured and for whom it worked."""

import streamlit as st

from socialrx import ui, vocab
from socialrx.metrics import outcomes
from socialrx.views import pages
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
    # the choices sit below the page's answers, which they change: they are checked here (a
    # shared link's first), before the page's view is built from them
    ui.linked("outcome_standard", pages.STANDARDS, "standard")
    measures = pages.outcome_measures(dataset, sel, level, ui.choices(), ui.cached)
    if measures:
        ui.linked("outcome_measure", measures, "measure", lambda m: vocab.MEASURES[m].label,
                  default=measures[0])  # fmt: skip
        ui.linked("outcome_group", list(outcomes.GROUPS), "breakdown", outcomes.GROUPS.get)
    sections = pages.outcomes(dataset, sel, level, ui.page_choices(dataset), ui.cached)
    panels = sections[0].panels
    whom = [p for s in sections[1:] for p in s.panels]
    nothing = not measures and panels[1].table.empty
    if nothing:
        st.info("No outcome measures for referrals in this place and period.")
    else:
        ui.summary([Section("", [*panels, *whom])])
    st.radio(
        "A change that matters, per person",
        pages.STANDARDS,
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
