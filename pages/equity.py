"""Equity: who the service reaches and misses, compared fairly and with honest uncertainty."""

import streamlit as st

from socialrx import ui
from socialrx.views import equity

context = ui.current()
ui.page_header(
    "Equity",
    context,
    "Which practices refer more or less than expected, whether referrals reach the most "
    "deprived areas, who is referred, and how complete the recording is that these rest on.",
)
if ui.needs(context, "referrals"):
    # the choice sits under the funnel it changes, below the page's answers (which it changes
    # too): its value is read here, before the panels are built
    method = st.session_state.get("equity_overdispersion", next(iter(equity.METHODS)))

    def method_choice() -> None:
        st.radio(
            "Funnel limits when practices vary more than chance explains (overdispersion)",
            list(equity.METHODS),
            format_func=equity.METHODS.get,
            horizontal=True,
            key="equity_overdispersion",
            help="Spiegelhalter (2005): an additive random effect widens the limits by a "
            "between-practice variance; multiplicative widens them by the square root of phi. "
            "Without overdispersion the limits are exact Poisson whichever is chosen. This "
            "changes only which practices are unusual among practices (in the funnel and the "
            "age-sex standardised panel), never which are below or above the place beyond "
            "chance; the answers say what each other choice would name.",
        )

    sections = equity.sections(
        ui.equity_panels(
            context.dataset, context.dataset.content_hash, context.selection, context.level, method
        )
    )
    ui.summary(sections)
    ui.draw_sections(sections, "equity_tabs", after={"practice_funnel": method_choice})
