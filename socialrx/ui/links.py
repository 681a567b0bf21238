"""The page address: the choices a shared link asks for (read once, applied as each widget is
drawn), the address rewritten after every run, the notes a link leaves for the page header, and
the detour through app.py for a visitor who opens a page's address on a fresh server."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import streamlit as st

from socialrx.escape import markdown_text
from socialrx.views import links

if TYPE_CHECKING:
    from socialrx.ui.sidebar import Context

LINK_KEY, LINK_NOTES = "_socialrx_link", "_socialrx_link_notes"
CONTEXT_KEY, WANTED_KEY = "_socialrx_context", "_socialrx_wanted_page"
ASKED_KEY = "_socialrx_asked"  # a deep link's query, kept across the detour through app.py
MAIN_SCRIPT = "app.py"


def note(text: str) -> None:
    """Say something to the visitor at the top of the page (`page_header`): a choice the link
    or the data could not keep, and what is shown instead."""
    st.session_state.setdefault(LINK_NOTES, []).append(text)


def read_link() -> None:
    """Once per browser session: the choices the page address asks for, applied as each
    widget is drawn (`linked`)."""
    if LINK_KEY in st.session_state:
        return
    asked = links.decode(st.session_state.pop(ASKED_KEY, None) or st.query_params.to_dict())
    unreadable = asked.pop("_unreadable", [])
    st.session_state[LINK_KEY] = asked
    st.session_state[LINK_NOTES] = [
        f"The link's {what} could not be read, so the default is shown." for what in unreadable
    ]


def linked(key: str, options, what: str = "") -> None:
    """Before drawing the widget `key`: apply the value a shared link asks for, if the widget
    offers it; otherwise keep the default and say so (a stale or unknown value)."""
    asked = st.session_state.get(LINK_KEY, {})
    if key not in asked:
        return
    value = asked.pop(key)
    adopted, ok = links.adopt(value, options)
    if ok:
        st.session_state[key] = adopted
        return
    shown = ", ".join(map(str, value)) if isinstance(value, list | tuple) else value
    note(
        f"The link asked for {what or key} “{markdown_text(str(shown))}”, which is not "
        "available here (not in this data, or not allowed on this deployment): the default "
        "is shown instead."
    )


def write_link() -> None:
    """After every run: the page address holds the choices on screen (and any the link asked
    for that could not be applied yet, such as choices waiting for uploaded files)."""
    pending = links.encode(st.session_state.get(LINK_KEY, {}))
    wanted = {**pending, **links.encode(st.session_state)}
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)


def remember(context: Context) -> None:
    """Keep this run's context for the page that navigation runs next."""
    st.session_state[CONTEXT_KEY] = context


def current() -> Context:
    """The context the sidebar built on this run.

    Until app.py has declared the navigation once, a fresh server runs a page file on its own
    when a visitor opens that page's address (Streamlit's legacy `pages/` mode), so there is no
    sidebar and no context: send the visitor through app.py, which brings them back."""
    if CONTEXT_KEY not in st.session_state:
        st.session_state[WANTED_KEY] = PurePosixPath(urlsplit(st.context.url).path).name
        st.session_state[ASKED_KEY] = st.query_params.to_dict()  # the switch drops them
        st.switch_page(MAIN_SCRIPT)
    return st.session_state[CONTEXT_KEY]


def return_to_wanted_page(pages: list) -> None:
    """Open the page a visitor asked for before app.py had run (see `current`)."""
    wanted = st.session_state.pop(WANTED_KEY, None)
    page = next((p for p in pages if wanted and p.url_path == wanted), None)
    if page is not None:
        st.switch_page(page)
