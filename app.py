"""socialrx: the entry point. Navigation, the shared sidebar, and the overview page."""

import streamlit as st

from socialrx import disclosure, ui
from socialrx.disclosure import Level, shown
from socialrx.overview import headline_table

st.set_page_config(page_title="socialrx: social prescribing", page_icon="🤝", layout="wide")


def overview() -> None:
    """Headline figures for the chosen place and period, each against the previous period."""
    context = ui.current()
    ui.page_header(
        "Social prescribing overview",
        context,
        "The headline figures for the chosen place and period, each compared with "
        "the same length of time just before it.",
    )
    dataset = context.dataset
    figures = ui.headline_figures(dataset, dataset.content_hash, context.selection, context.level)
    # a wrapping row, not fixed columns: on a narrow screen the cards move to a second line
    # instead of cutting their figures to "2…"
    row = st.container(horizontal=True, gap="small")
    for figure in figures:
        change = figure.change
        if figure.missing:  # say why under a dash: a long reason would be cut to "no cap…"
            delta = figure.missing
        elif not figure.compared:
            delta = "no earlier figure"
        elif change is None:
            delta = None  # hidden now or then
        else:
            delta = f"{change:+,.{figure.decimals}f}{figure.change_unit or figure.unit}"
        row.metric(
            figure.name,
            "–" if figure.missing else shown(figure.value, figure.decimals, figure.unit),
            delta=delta,
            delta_color="off"
            if not change
            else ("inverse" if figure.lower_is_better else "normal"),
            delta_arrow="off" if not change else "auto",
            help=figure.help,
            border=True,
            width=170,
            height="stretch",
        )
    previous = context.selection.previous()
    compared = (
        f"Arrows compare with {previous.start:%d %b %Y} to {previous.end:%d %b %Y}. "
        if context.dated
        else ""
    )
    hidden_too = "" if context.level == Level.OFF else ", as is a rate resting on 1 to 7 people"
    st.caption(
        f"{compared}Counts of people are {disclosure.describe(context.level)}{hidden_too}. "
        "Hover over a figure's (?) for what it counts."
    )
    ui.download(headline_table(figures), "overview_headlines", "Download these figures (CSV)")


# Each url_path is its file's name: until app.py has run once, a fresh server answers a page
# address from the pages/ folder (Streamlit's legacy mode), and a name it cannot find there
# brings up a "Page not found" box (see ui.current for what happens when it finds one).
PAGES = [
    # the default page lives at "/": Streamlit gives it no path of its own
    st.Page(overview, title="Overview", icon=":material/dashboard:", default=True),
    st.Page("pages/asset_map.py", title="Asset map", icon=":material/map:", url_path="asset_map"),
    st.Page(
        "pages/referral_flows.py",
        title="Referral flows",
        icon=":material/call_split:",
        url_path="referral_flows",
    ),
    st.Page("pages/capacity.py", title="Capacity", icon=":material/speed:", url_path="capacity"),
    st.Page(
        "pages/outcomes.py", title="Outcomes", icon=":material/trending_up:", url_path="outcomes"
    ),
    st.Page("pages/data.py", title="Data", icon=":material/table_view:", url_path="data"),
]

navigation = st.navigation(PAGES)
ui.return_to_wanted_page(PAGES)
context = ui.sidebar()
if context is None:
    st.title("socialrx")
    st.info(
        "Choose a data source in the sidebar: the data folder, or upload your own files "
        "(assets.csv at least)."
    )
    st.stop()
ui.remember(context)
navigation.run()
