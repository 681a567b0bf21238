"""Who is looking: the one place the app asks, on every run, before the navigation (`identify`),
and the audit trail's writer (`record`, `viewed`, `audited`).

Identity comes from, in this order: a workshop guest link (`?guest=TOKEN`, checked against the
store on every run, so expiry and revocation take effect at the next click); Streamlit's own
sign-in (`st.login`, when `.streamlit/secrets.toml` has an `[auth]` section); a header the
deployment names (`SOCIALRX_USER_HEADER`), trusted only while Streamlit listens on this machine
alone, behind a proxy that signs people in and strips any copy a browser sends; otherwise
nobody is configured and the app runs for one person on their own machine, as an analyst at
the deployment's disclosure floor. A signed-in person's role comes from the access list,
looked up on every run. Tests set `AppTest.user` and `AppTest.secrets` (AppTest cannot run
`st.login` itself, but reads `st.user` from them).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from socialrx import disclosure
from socialrx.escape import markdown_text
from socialrx.team import access
from socialrx.team import store as team_store
from socialrx.team.access import GUEST_LINK, LOCAL, PROXY, SIGN_IN, Person, Refused, Role
from socialrx.team.store import Event, Store
from socialrx.ui import caches, links
from socialrx.ui.links import ASKED_KEY
from socialrx.ui.loading import data_source

if TYPE_CHECKING:
    from socialrx.ui.sidebar import Context

PERSON_KEY = "_socialrx_person"  # who is looking on this run
SEEN_KEY = "_socialrx_seen"  # the person whose sign-in this session has recorded
GUEST_KEY = "guest"  # this session's guest token, kept in the address (views.links.SHARED)
VIEW_KEY = "_socialrx_view"  # the page, place, period and level last recorded
OWN_KEY = "_socialrx_own_records"  # the provider's exact own records last recorded
USER_HEADER_VARIABLE = "SOCIALRX_USER_HEADER"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def store() -> Store:
    """The team's store (`socialrx.team.store`), opened once per server. Without it nobody's
    looking could be recorded, so a store that cannot be reached stops the page, and says so."""
    url = None
    try:
        url = team_store.default_url(data_source())
        return caches.team_store(url)
    except (OSError, SQLAlchemyError) as failed:
        where = team_store.describe(url) if url else "no folder to keep it in"
        st.error(
            f"The team's store cannot be opened ({markdown_text(where)}): socialrx records who "
            f"looks at what there, so it does not show anything without it. Check "
            f"{team_store.DB_VARIABLE} (docs/deployment.md, “The team's store”). "
            f"{type(failed).__name__}",
            icon=":material/error:",
        )
        st.stop()


def sign_in_configured() -> bool:
    """Whether the deployment set up Streamlit's sign-in (`[auth]` in secrets.toml)."""
    return st.secrets.load_if_toml_exists() and "auth" in st.secrets


def identify() -> Person:
    """Who is looking. When nobody may look (not signed in, not on the access list, an
    expired guest link) this draws the sign-in page, or says why not, and ends the run."""
    team = store()
    token = (
        st.query_params.get("guest")
        or st.session_state.get(ASKED_KEY, {}).get("guest")  # a deep link's, kept by ui.current
        or st.session_state.get(GUEST_KEY)
    )
    if token:
        someone = _guest(team, token)
    elif sign_in_configured():
        someone = _signed_in(team)
    elif header := os.environ.get(USER_HEADER_VARIABLE, "").strip():
        someone = _from_proxy(team, header)
    else:
        someone = Person(LOCAL, Role.ANALYST)
    st.session_state[PERSON_KEY] = someone
    if st.session_state.get(SEEN_KEY) != someone:  # once a session, and again on a change
        st.session_state[SEEN_KEY] = someone
        record("sign-in", detail=someone.how)
    return someone


def person() -> Person:
    """Who is looking on this run (`identify` has run: app.py asks it before anything else)."""
    return st.session_state[PERSON_KEY]


def current() -> Context:
    """The context the sidebar built on this run (`links.current`), for a page this person's
    role offers: the navigation lists only those, and a page run any other way stops here."""
    context = links.current()
    caller = Path(sys._getframe(1).f_globals.get("__file__", "")).stem  # the page's own file
    page = "" if caller == "app" else caller
    someone = person()
    if not access.page_allowed(someone, page):
        record("refused", detail=f"page {page}")
        st.error(f"This page is not open to a {someone.role}.", icon=":material/block:")
        st.stop()
    return context


def _guest(team: Store, token: str) -> Person:
    link = team.guest(str(token))
    if link is None:
        st.session_state.pop(GUEST_KEY, None)
        team.record(Event("guest link", Role.GUEST, "refused", detail="expired or withdrawn"))
        _gate(
            "This workshop link has expired or been withdrawn. Ask whoever sent it for a new one."
        )
    st.session_state[GUEST_KEY] = token
    st.session_state["_socialrx_guest_until"] = link.expires_at
    return Person(f"guest: {link.label}", Role.GUEST, None, GUEST_LINK)


def _signed_in(team: Store) -> Person:
    if not st.user.is_logged_in:
        _gate(None)
    email = str(st.user.get("email") or "").strip().lower()
    if not email:
        _gate(
            "Your sign-in did not say your e-mail address, which the access list is kept by. "
            "The deployment's administrator can add the optional `email` claim to the ID "
            "token (Microsoft Entra ID: Token configuration).",
            sign_out=True,
        )
    return _listed(team, email, SIGN_IN, sign_out=True)


def _from_proxy(team: Store, header: str) -> Person:
    address = str(st.get_option("server.address") or "")
    if address not in LOOPBACK:
        _gate(
            f"{USER_HEADER_VARIABLE} names a header to trust, but Streamlit listens on "
            f"“{address or 'every interface'}”: a browser could send that header itself. Start "
            "it with --server.address 127.0.0.1 behind the proxy that signs people in."
        )
    email = str(request_headers().get(header) or "").strip().lower()
    if not email:
        _gate(f"The proxy did not say who is signed in (no {header} header).")
    return _listed(team, email, PROXY)


def request_headers():
    """The headers of the request that opened this session (the proxy's among them)."""
    return st.context.headers


def _listed(team: Store, email: str, how: str, sign_out: bool = False) -> Person:
    path = access.access_path()
    if path is None:
        _gate(
            f"Sign-in is set up, but no access list: set {access.ACCESS_VARIABLE} to the "
            "access.csv that says who may see what (see docs/deployment.md).",
            sign_out,
        )
    someone = access.person(email, how, access.read_access(path))
    if someone is None:
        team.record(Event(email, "none", "refused", detail="not on the access list"))
        _gate(
            f"You are signed in as {email}, who is not on this deployment's access list. Ask "
            "the person who runs socialrx for your organisation to add you.",
            sign_out,
        )
    return someone


def _gate(message: str | None, sign_out: bool = False) -> None:
    """The only page for someone who may not look (yet): sign in, or why not. Ends the run."""

    def page() -> None:
        st.title("socialrx")
        if message is None:
            st.write(
                "Sign in to see social prescribing in your area. What you can see depends on "
                "your role on this deployment's access list."
            )
            st.button("Sign in", key="sign_in", on_click=st.login, type="primary")
            st.caption("At a workshop without an account? Open the link you were sent.")
        else:
            st.error(markdown_text(message), icon=":material/block:")
            if sign_out:
                st.button("Sign out", key="sign_out", on_click=st.logout)

    st.navigation([st.Page(page, title="Sign in", default=True)], position="hidden").run()
    st.stop()


def sidebar_note(someone: Person, floor: disclosure.Level) -> None:
    """Say in the sidebar who the app thinks is looking, and offer to sign out."""
    if someone.how == LOCAL:
        st.sidebar.caption(
            "No sign-in is set up: socialrx runs for one person on this machine, at this "
            f"deployment's disclosure floor ({disclosure.LABELS[floor]})."
        )
        return
    if someone.how == GUEST_LINK:
        until: datetime | None = st.session_state.get("_socialrx_guest_until")
        ends = f" until {until:%H:%M on %d %b %Y} (UTC)" if until else ""
        st.sidebar.caption(
            f"Workshop guest ({markdown_text(someone.who[7:])}): this link works{ends}."
        )
        return
    organisation = f", {markdown_text(someone.organisation_id)}" if someone.organisation_id else ""
    st.sidebar.caption(
        f"Signed in as **{markdown_text(someone.who)}** ({someone.role}{organisation})"
    )
    if someone.how == SIGN_IN:
        st.sidebar.button("Sign out", key="sign_out", on_click=_sign_out)


def _sign_out() -> None:
    record("sign-out")
    st.logout()


def _event(someone: Person, action: str, detail: str) -> Event:
    page, place, period, level = st.session_state.get(VIEW_KEY) or ("", "", "", "")
    return Event(someone.who, someone.role, action, page, place, period, level, detail,
                 someone.organisation_id)  # fmt: skip


def record(action: str, detail: str = "") -> None:
    """Write one line of the audit trail: who (on this run), the page, place, period and level
    last viewed, what was done."""
    someone = st.session_state.get(PERSON_KEY)
    if someone is not None:
        store().record(_event(someone, action, detail))


def viewed(page: str, context: Context) -> None:
    """Record a page view when the page, place, period or level differ from the last one this
    session recorded (a click that changes none of them is not a new view)."""
    sel = context.selection
    place = f"{sel.place_kind} {', '.join(sel.place_codes)}: {context.place}" if (
        sel.place_codes) else context.place  # fmt: skip
    period = f"{sel.start:%Y-%m} to {sel.end:%Y-%m}" if context.dated else ""
    seen = (page, place, period, str(context.level))
    if st.session_state.get(VIEW_KEY) == seen:
        return
    st.session_state[VIEW_KEY] = seen
    exact = context.level == disclosure.Level.OFF
    record("exact view" if exact else "page view", detail=f"data: {context.dataset.label}")


def exact_own_records(organisation_id: str) -> None:
    """Record that a provider saw its own counts exact (`access.own_records_level`): once for
    each page, place, period and organisation, as page views are."""
    seen = (*(st.session_state.get(VIEW_KEY) or ()), str(organisation_id))
    if st.session_state.get(OWN_KEY) != seen:
        st.session_state[OWN_KEY] = seen
        record("exact view", detail=f"own records of {organisation_id}")


def audited(build: Callable[[], object], action: str, detail: str) -> Callable[[], object]:
    """A download's builder that writes the audit line when it runs. Streamlit runs a deferred
    download's builder outside the page's run, where session state cannot be read, so who and
    where are taken now."""
    someone = st.session_state.get(PERSON_KEY)
    event = _event(someone, action, detail) if someone is not None else None
    team = store()

    def built():
        if event is not None:
            team.record(event)
        return build()

    return built


def allowed(check: Callable[..., None], *args) -> None:
    """Run an access check (`socialrx.team.access.check_*`) where a figure or file is about to
    be produced; refused, say why, record it and end the run."""
    try:
        check(person(), *args)
    except Refused as refused:
        record("refused", detail=str(refused))
        st.error(markdown_text(str(refused)), icon=":material/block:")
        st.stop()
