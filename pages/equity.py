"""Equity: who the service reaches and misses, compared fairly and with honest uncertainty."""

import streamlit as st

from socialrx import ui
from socialrx.views import benchmarks, equity

context = ui.current()
ui.page_header(
    "Equity",
    context,
    "Which practices refer more or less than expected, whether referrals reach the most "
    "deprived areas and each ethnic group, who is referred, how complete the recording is "
    "that these rest on, and how the place compares with England and places like it.",
)
dataset, key, chosen, level = (context.dataset, context.dataset.content_hash,
                               context.selection, context.level)  # fmt: skip
# the page's choices sit under the panels they change, below the page's answers (which they
# change too): their values are read here (a shared link's first), before the panels are built
panels = []
if ui.needs(context, "referrals"):
    ui.linked("equity_overdispersion", list(equity.METHODS), "funnel limits", equity.METHODS.get)
    method = st.session_state.get("equity_overdispersion", next(iter(equity.METHODS)))
    panels += ui.equity_panels(dataset, key, chosen, level, method)
    panels += ui.ethnicity_panels(dataset, key, chosen, level)
choices = {}
if dataset.has("referrals") or benchmarks.loaded(dataset):
    panels += ui.benchmark_panels(dataset, key, chosen, level)
    choices = ui.indicator_choices(dataset, key)
    indicator = None
    if choices:
        ui.linked("equity_indicator", list(choices), "indicator")
        indicator = st.session_state.get("equity_indicator", next(iter(choices)))
    panels += ui.indicator_panels(dataset, key, chosen, level, indicator)


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
    if choices:
        st.selectbox(
            "Fingertips indicator to set beside England",
            list(choices),
            format_func=choices.get,
            key="equity_indicator",
            help="Indicators from the Fingertips export loaded that have a value for the "
            "place's own areas, practices, PCNs or local authority.",
        )


if panels:
    sections = equity.sections(panels)
    ui.summary(sections)
    ui.draw_sections(
        sections,
        before={"benchmark_indicator": indicator_choice},
        after={"practice_funnel": method_choice},
    )
