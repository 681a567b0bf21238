"""socialrx: the entry point. Navigation, the shared sidebar, and the overview page."""

import streamlit as st

from socialrx.data import source

source.hash_ahead()  # a fresh server hashes the data files while it imports the rest

from socialrx import ui  # noqa: E402
from socialrx.team import access  # noqa: E402
from socialrx.views import pages as page_views  # noqa: E402

st.set_page_config(page_title="socialrx: social prescribing", page_icon="🤝", layout="wide")


def overview() -> None:
    """Headline figures for the chosen place and period, each against the previous period."""
    context = ui.current()
    ui.page_header(
        "Social prescribing overview",
        context,
        "The headline figures for the chosen place and period, each compared with "
        "the same calendar months just before.",
    )
    sections = page_views.overview(context.dataset, context.selection, context.level, {}, ui.cached)
    ui.summary(sections)
    ui.draw(sections[0].panels, answers=False)  # its answer is the summary just above


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
    st.Page("pages/equity.py", title="Equity", icon=":material/balance:", url_path="equity"),
    st.Page("pages/capacity.py", title="Capacity", icon=":material/speed:", url_path="capacity"),
    st.Page(
        "pages/outcomes.py", title="Outcomes", icon=":material/trending_up:", url_path="outcomes"
    ),
    st.Page(
        "pages/commissioning.py",
        title="Commissioning",
        icon=":material/assignment:",
        url_path="commissioning",
    ),
    st.Page("pages/pack.py", title="Workshop pack", icon=":material/print:", url_path="pack"),
    st.Page(
        "pages/directory.py", title="Directory", icon=":material/list_alt:", url_path="directory"
    ),
    st.Page("pages/data.py", title="Data", icon=":material/table_view:", url_path="data"),
    st.Page("pages/team.py", title="Team", icon=":material/groups:", url_path="team"),
]

# who is looking decides which pages there are (nobody allowed: the sign-in page, and stop)
person = ui.identify()
pages = [page for page in PAGES if access.page_allowed(person, page.url_path)]
# in presentation mode the sidebar is hidden, so the pages are listed along the top instead
presenting = ui.presenting()
navigation = st.navigation(pages, position="top" if presenting else "sidebar")
ui.return_to_wanted_page(pages)
ui.read_link()
context = ui.sidebar()
if context is None:
    st.title("socialrx")
    st.info(
        "Choose a data source in the sidebar: the data folder, or upload your own files "
        "(assets.csv at least)."
    )
    ui.write_link()  # the address says "Upload files"
    st.stop()
ui.remember(context)
ui.viewed(navigation.title, context)
if ui.presenting() != presenting:  # switched on or off just now: list the pages where they go
    st.rerun()
navigation.run()
ui.write_link()
ui.warm_up(context.dataset)  # the first page is drawn: ready the others meanwhile
