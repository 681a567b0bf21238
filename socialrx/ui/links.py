"""The page address and the choices on it: the choices a shared link asks for (read once,
applied as each widget is drawn), every kept choice checked against what its widget offers now,
the address rewritten after every run, the notes a link or a reset choice leaves for the page,
and the detour through app.py for a visitor who opens a page's address on a fresh server."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit

import streamlit as st

from socialrx.escape import markdown_text
from socialrx.views import links

if TYPE_CHECKING:
    from socialrx.ui.sidebar import Context

LINK_KEY, LINK_NOTES = "_socialrx_link", "_socialrx_link_notes"
HEADER_DRAWN = "_socialrx_header_drawn"  # this run's page header is drawn: notes go inline
DEFAULTS_KEY = "_socialrx_defaults"  # each default given to `linked`, as on the last run
OFFERED_KEY = "_socialrx_offered"  # the shared choices drawn on this run: the address holds them
SHARE_KEY = "_socialrx_share_box"  # where "Share this view" shows the address, filled last
# every page's choices as last checked, kept when their widgets are not drawn (Streamlit
# forgets those): the workshop pack builds each page from them
CHOICES_KEY = "_socialrx_choices"
NOTHING = object()  # no default given
CONTEXT_KEY, WANTED_KEY = "_socialrx_context", "_socialrx_wanted_page"
ASKED_KEY = "_socialrx_asked"  # a deep link's query, kept across the detour through app.py
MAIN_SCRIPT = "app.py"


def note(text: str) -> None:
    """Say something to the visitor: a choice the link or the data could not keep, and what
    is shown instead. At the top of the page (`page_header`), or where the choice is when
    the header is drawn already (a page's own widgets)."""
    if st.session_state.get(HEADER_DRAWN):
        st.info(text, icon=":material/link:")
    else:
        st.session_state.setdefault(LINK_NOTES, []).append(text)


def read_link() -> None:
    """At the start of every run; once per browser session, the choices the page address
    asks for, applied as each widget is drawn (`linked`)."""
    st.session_state.pop(HEADER_DRAWN, None)
    st.session_state[OFFERED_KEY] = set()
    if LINK_KEY in st.session_state:
        return
    asked = links.decode(st.session_state.pop(ASKED_KEY, None) or st.query_params.to_dict())
    unreadable = asked.pop("_unreadable", [])
    st.session_state[LINK_KEY] = asked
    st.session_state[LINK_NOTES] = [
        f"The link's {what} could not be read, so the default is shown." for what in unreadable
    ]


def linked(key: str, options, what: str = "", label=str, default=NOTHING) -> None:
    """Check the choice `key` before its widget is drawn (`check`) and keep its value among
    every page's choices (`choices`), which outlive the widget."""
    check(key, options, what, label, default)
    kept = st.session_state.setdefault(CHOICES_KEY, {})
    if key in st.session_state:
        kept[key] = st.session_state[key]
    else:
        kept.pop(key, None)


def choices() -> dict:
    """Every page's latest choices (widget key -> value), as `linked` last checked them: a
    page never opened in this session has none, so its view takes its defaults."""
    return dict(st.session_state.get(CHOICES_KEY, {}))


def check(key: str, options, what: str = "", label=str, default=NOTHING) -> None:
    """Before drawing the widget `key`, which offers `options` (a list, or `links.Between`
    for a number): the value a shared link asks for, if the widget offers it; then the value
    kept from an earlier run, which another dataset, place or period may no longer offer.
    A value not offered falls back to the widget's default (a list keeps what is still
    offered), and a note says which choice was reset and why. Every keyed widget with
    options passes here, so no kept choice reaches a widget that does not offer it.

    `default`, for a widget whose default depends on the data (the first provider, all the
    months): a kept value equal to the last run's default was never chosen, so it follows
    the new default without a note."""
    what = what or key.replace("_", " ")
    offer(key)
    state, asked = st.session_state, st.session_state.get(LINK_KEY, {})
    defaults = state.setdefault(DEFAULTS_KEY, {})
    before = defaults.get(key, NOTHING)
    if default is not NOTHING:
        defaults[key] = default
    if key in asked:
        value = asked.pop(key)
        adopted, ok = links.adopt(value, options)
        if ok:
            state[key] = adopted
            return
        note(
            f"The link asked for {what} “{_words(value, label)}”, which is not available here "
            "(not in this data, or not allowed on this deployment): the default is shown "
            "instead."
        )
        state.pop(key, None)
        return
    if key not in state:
        return
    if before is not NOTHING and _same(state[key], before):
        if default is not NOTHING and not _same(default, before):
            state[key] = default  # never chosen: it follows the data
        return
    kept, gone = links.keep(state[key], options)
    if not gone:
        return
    # set, not deleted: a deleted key leaves the browser showing the old value
    if kept is not None:
        state[key] = kept
    elif default is not NOTHING:
        state[key] = default
    elif isinstance(options, links.Between) or not list(options):
        del state[key]
    else:
        state[key] = list(options)[0]  # a select box's or radio's own default
    rest = "the rest stay chosen" if kept else "the default is shown instead"
    note(
        f"The {what} chosen before, “{_words(gone, label)}”, is not offered for the data, "
        f"place and period now shown: {rest}."
    )


def _same(value, other) -> bool:
    try:
        return bool(value == other)
    except (TypeError, ValueError):
        return False


def _words(value, label) -> str:
    """A value (or values) as the widget names it, escaped for markdown; the raw value where
    the widget cannot name it (an id from other data)."""

    def one(v) -> str:
        try:
            named = label(v)
        except (KeyError, TypeError, ValueError, AttributeError):
            named = None
        return str(named) if named not in (None, "") else str(v)

    values = value if isinstance(value, list | tuple) else [value]
    return markdown_text(", ".join(one(v) for v in values))


def offer(key: str) -> None:
    """The widget `key` is drawn on this run: its value goes into the address (`linked` says
    so for every widget it checks)."""
    st.session_state.setdefault(OFFERED_KEY, set()).add(key)


def write_link() -> None:
    """After every run: the page address holds the choices drawn on this run, other than
    their defaults (and any a link asked for that could not be applied yet, such as choices
    waiting for uploaded files or for their page); "Share this view" shows it."""
    state = st.session_state
    defaults = state.get(DEFAULTS_KEY, {})
    shown = {
        key: state[key]
        for key in state.get(OFFERED_KEY, ())
        if key in state and not (key in defaults and _same(state[key], defaults[key]))
    }
    wanted = {**links.encode(state.get(LINK_KEY, {})), **links.encode(shown)}
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)
    box = state.pop(SHARE_KEY, None)
    if box is not None:
        base = urlsplit(st.context.url)
        address = f"{base.scheme}://{base.netloc}{base.path}"
        query = urlencode(wanted)
        box.code(f"{address}?{query}" if query else address, language=None, wrap_lines=True)


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
