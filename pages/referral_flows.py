"""Referral flows: who refers, how many, whether people are connected, and where they go; the
referral pathway (where people drop out, how long they wait) and whether a change over the
months is a signal (Making Data Count SPC)."""

import streamlit as st

from socialrx import ui
from socialrx.views import pages, referral_flows

context = ui.current()
ui.page_header(
    "Referral flows",
    context,
    "How many people were referred, by whom, from which practices and areas, where they were "
    "sent, where they drop out of the pathway and how long they wait, and whether a change "
    "over the months is a signal or noise.",
)
if ui.needs(context, "referrals"):
    if not context.dataset.has("connections"):
        st.info(
            "Where people were sent (the flow from referrer to asset) needs `connections.csv`: "
            "one row per person sent on to an asset. The other figures below need only the "
            "referrals."
        )
    dataset, sel = context.dataset, context.selection
    # the SPC choices sit in their tab, below the page's answers (which they change): they
    # are checked here, before the page's view is built from them
    months = pages.spc_months(dataset, sel, ui.cached)
    everything = (months[0], months[-1]) if len(months) >= 2 else None
    words = "{:%b %Y}".format
    if everything:  # until moved; a moved one stays while offered
        ui.linked("spc_baseline", months, "baseline months", words, default=everything)
    ui.linked("spc_by", list(pages.SPC_POINTS), "points of the SPC charts")
    sections = pages.referral_flows(dataset, sel, context.level, ui.page_choices(dataset),
                                    ui.cached)  # fmt: skip

    def spc_choices() -> None:
        st.write(
            "Statistical process control (SPC) charts as NHS England's Making Data Count "
            "programme draws them, over every whole month (or quarter) of data up to the end "
            "of the chosen period. The centre line and process limits come from the baseline "
            "months chosen here: pick a stable stretch (at least 12 points) to judge later ones "
            "against. Points, limits and signals are worked out from the figures as shown."
        )
        if everything:
            st.select_slider(
                "Baseline months for the centre line and limits",
                options=months,
                value=everything,  # a pair: a range slider
                format_func=words,
                key="spc_baseline",
                help="The months the mean and process limits are worked out from (default: "
                "all). Limits are the mean ± 2.66 × the mean moving range, with moving ranges "
                "at or above 3.267 × their mean left out, as the NHS-R Community's "
                "NHSRplotthedots package does by default "
                "(github.com/nhs-r-community/NHSRplotthedots); signal rules as in NHS "
                "England's Making Data Count guidance "
                "(england.nhs.uk/publication/making-data-count).",
            )
        st.radio(
            "Points of the SPC charts",
            pages.SPC_POINTS,
            format_func={"automatic": "automatic", "month": "months", "quarter": "quarters"}.get,
            horizontal=True,
            key="spc_by",
            help="Automatic: months where they can be charted, quarters otherwise. At a "
            "disclosure level other than off a chart is worked out from the figures as shown, "
            "so it needs every point shown (none of 1-7 people, none resting on fewer than 30) "
            "and at least 10 people a point on average; quarters sum the months' exact counts "
            "before rounding.",
        )

    ui.summary(sections)
    spc = next(s for s in sections if s.title == referral_flows.SPC_SECTION).panels[0]
    ui.draw_sections(sections, before={spc.name: spc_choices})
