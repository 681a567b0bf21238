"""Equity: who the service reaches and misses, compared fairly and with honest uncertainty."""

import streamlit as st

from socialrx import ui
from socialrx.views import benchmarks, equity, pages

context = ui.current()
ui.page_header(
    "Equity",
    context,
    "Which practices refer more or less than expected, whether referrals reach the most "
    "deprived areas and each ethnic group, who is referred, how complete the recording is "
    "that these rest on, and how the place compares with England and places like it.",
)
dataset, sel = context.dataset, context.selection
# the page's choices sit under the panels they change, below the page's answers (which they
# change too): they are checked here (a shared link's first), before the page's view is built
if ui.needs(context, "referrals"):
    ui.linked("equity_overdispersion", list(equity.METHODS), "funnel limits", equity.METHODS.get)
indicators = {}
if dataset.has("referrals") or benchmarks.loaded(dataset):
    indicators = pages.indicators(dataset, ui.cached)
    if indicators:
        ui.linked("equity_indicator", list(indicators), "indicator")
sections = pages.equity(dataset, sel, context.level, ui.page_choices(dataset), ui.cached)


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


def indicator_choice() -> None:
    if indicators:
        st.selectbox(
            "Fingertips indicator to set beside England",
            list(indicators),
            format_func=indicators.get,
            key="equity_indicator",
            help="Indicators from the Fingertips export loaded that have a value for the "
            "place's own areas, practices, PCNs or local authority.",
        )


if sections:
    ui.summary(sections)
    ui.draw_sections(
        sections,
        before={"benchmark_indicator": indicator_choice},
        after={"practice_funnel": method_choice},
    )
