"""The shared sidebar: data source, disclosure level, place (with the team's neighbourhoods),
period, presentation mode, "share this view" and the team's named views, and who is looking;
it returns the `Context` every page draws from. What it offers depends on the person's role
(`socialrx.team.access`)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import pandas as pd
import streamlit as st

from socialrx import disclosure, provenance
from socialrx.data.dataset import Dataset
from socialrx.data.problems import Report
from socialrx.disclosure import Level
from socialrx.escape import markdown_text
from socialrx.metrics import selection
from socialrx.metrics.selection import Selection
from socialrx.provenance import Provenance
from socialrx.team import access
from socialrx.team.access import Person
from socialrx.ui import caches, corrections, identity
from socialrx.ui.drawing import download
from socialrx.ui.links import ASKED_KEY, LINK_KEY, SHARE_KEY, choices, linked, note, offer
from socialrx.ui.loading import load
from socialrx.views import pages


@dataclass(frozen=True)
class Context:
    """What every page needs: the data, its problems, the place and period, the disclosure level."""

    dataset: Dataset
    report: Report
    selection: Selection
    level: Level
    place: str = "the whole dataset"  # the chosen place in words, for page captions
    dated: bool = True  # whether any person-level record has a date (else no period to show)
    person: Person = Person(access.LOCAL, access.Role.ANALYST)  # who is looking

    def made(self) -> Provenance:
        """Where an output made now from this view comes from (CSV downloads, reports)."""
        return provenance.record(self.dataset, self.selection, self.level, self.place,
                                 dated=self.dated, made_by=self.person.described)  # fmt: skip


PLURAL = {selection.LA: "local authorities", selection.CATCHMENT: "PCN catchments"}
PERIOD_START_KEY = "_socialrx_period_start"
# this run's neighbourhoods (`neighbourhoods`): the dataset's content hash and the table
NEIGHBOURHOODS_KEY = "_socialrx_neighbourhoods"


def place_key(kind: str) -> str:
    """The session key (and link parameter) of the codes chosen for a kind of place."""
    return f"place_{kind.replace(' ', '_')}"


def neighbourhoods(dataset: Dataset) -> pd.DataFrame:
    """The neighbourhoods to choose from (neighbourhood, area_code): the dataset's own
    (`neighbourhoods.csv`) and the team's, saved in the store (which win over a dataset's of
    the same name), as the sidebar read them at the start of this run (`read_neighbourhoods`):
    the page asks for them three more times, each a query of the store."""
    kept = st.session_state.get(NEIGHBOURHOODS_KEY)
    if kept is None or kept[0] != dataset.content_hash:
        return read_neighbourhoods(dataset)
    return kept[1]


def read_neighbourhoods(dataset: Dataset) -> pd.DataFrame:
    """`neighbourhoods`, read afresh (on every run, so one saved in a workshop is there for
    everyone) and kept for the rest of the run. A save or removal is a button's callback,
    which runs before the script: nothing changes them during a run."""
    own = selection.neighbourhood_table(dataset.table("neighbourhoods"))
    team = identity.store().neighbourhoods()
    own = own[~own["neighbourhood"].isin(set(team["neighbourhood"]))]
    both = pd.concat([own, team], ignore_index=True)
    st.session_state[NEIGHBOURHOODS_KEY] = dataset.content_hash, both
    return both


def _linked_neighbourhoods(options: dict) -> None:
    """A link naming a neighbourhood this session does not have: it was drawn in another
    session, so say how to bring it here rather than the generic "not in this data"."""
    asked = st.session_state.get(LINK_KEY, {})
    kind, key = selection.NEIGHBOURHOOD, place_key(selection.NEIGHBOURHOOD)
    wanted = asked.get(key) if asked.get("place_kind") == kind else None
    if not wanted:
        return
    missing = [n for n in wanted if n not in options.get(kind, {})]
    if not missing:
        return
    if len(missing) == len(wanted):
        asked.pop("place_kind", None)
        asked.pop(key, None)
    else:
        asked[key] = [n for n in wanted if n not in missing]
    names = ", ".join(f"“{markdown_text(n)}”" for n in missing)
    note(
        f"The link asked for the neighbourhood {names}, which is neither one of the team's "
        "saved neighbourhoods nor in this dataset's neighbourhoods.csv (it may have been "
        "removed). Load its neighbourhoods.csv with the dataset (or draw it again under "
        "Neighbourhoods) to see it."
    )


def _place(dataset: Dataset, level: Level) -> tuple[str, tuple[str, ...], str]:
    options = dict(caches.place_options(dataset, dataset.content_hash))
    options.pop(selection.NEIGHBOURHOOD, None)  # this session's own, not the cached ones
    options |= selection.neighbourhood_options(neighbourhoods(dataset))
    _linked_neighbourhoods(options)
    linked("place_kind", list(options), "kind of place")  # e.g. no PCNs in other data
    kind = st.sidebar.selectbox(
        "Place",
        list(options),
        key="place_kind",
        help="Referrals are placed by registered practice (PCN, practice) or by where people "
        "live (area, ward, MSOA, local authority, neighbourhood, PCN catchment: the small "
        "areas of a PCN's registered patients).",
    )
    if kind == selection.WHOLE:
        return kind, (), "the whole dataset"
    key = place_key(kind)
    linked(key, list(options[kind]), kind, options[kind].get)  # e.g. a removed neighbourhood
    one = selection.place_rule(kind, ("", ""), level) is not None
    if key in st.session_state:
        kept = st.session_state[key]
        if one and len(kept) > 1:  # chosen at "off", or asked for by a link
            note(
                f"Only the first of the {len(kept):,} {PLURAL.get(kind, kind + 's')} chosen is "
                f"shown. {selection.ONE_PLACE}"
            )
            kept = kept[:1]
        st.session_state[key] = kept
    chosen = st.sidebar.multiselect(
        f"Which {kind}",
        list(options[kind]),
        key=key,
        format_func=options[kind].get,
        max_selections=1 if one else None,
        help=selection.ONE_PLACE if one else "Any number, with disclosure control off.",
    )
    if not chosen:
        return selection.WHOLE, (), "the whole dataset"
    words = (
        ", ".join(options[kind][code] for code in chosen)
        if len(chosen) <= 3
        else f"{len(chosen):,} {PLURAL.get(kind, kind + 's')}"
    )
    return kind, tuple(chosen), words


def neighbourhood_editor(dataset: Dataset, level: Level, someone: Person) -> None:
    """Under the place picker: name a neighbourhood, pick its areas (or whole wards), save it
    for the team (audited), and download the neighbourhoods as neighbourhoods.csv."""
    options = caches.place_options(dataset, dataset.content_hash)
    areas, wards = options.get(selection.AREA, {}), options.get(selection.WARD, {})
    if not areas or not access.may(someone, "neighbourhoods"):
        return
    current = neighbourhoods(dataset)
    limit = selection.SESSION_NEIGHBOURHOODS
    team = identity.store()

    def save() -> None:
        name = " ".join(str(st.session_state.get("nb_name", "")).split())
        picked = selection.areas_of(dataset, selection.WARD, st.session_state.get("nb_wards", []))
        picked = sorted(set(picked) | set(st.session_state.get("nb_areas", [])))
        if not name or not picked or "," in name:
            st.session_state["nb_message"] = (
                "Give the neighbourhood a name (without commas: a shared link lists places "
                "with commas) and at least one area or ward."
            )
            return
        if level != Level.OFF and team.saves_by(someone.who) >= limit:
            st.session_state["nb_message"] = (
                f"You have saved your {limit} neighbourhoods: while disclosure control is on, "
                "each person may save only a few sets of areas, because many overlapping sets "
                "could be subtracted from one another to undo the rounding. Load more as "
                "neighbourhoods.csv with the dataset."
            )
            return
        team.save_neighbourhood(name, picked, by=someone.who)
        identity.record("neighbourhood saved", detail=f"{name}: {', '.join(picked)}")
        st.session_state["nb_message"] = f"Saved “{name}” for the team: {len(picked):,} areas."
        # the form cleared for the next one (a popped key kept the browser's old value)
        st.session_state["nb_name"] = ""
        st.session_state["nb_wards"], st.session_state["nb_areas"] = [], []

    def remove() -> None:
        name = st.session_state.get("nb_remove")
        if team.remove_neighbourhood(name, by=someone.who):
            identity.record("neighbourhood removed", detail=name)
            st.session_state["nb_message"] = f"Removed “{name}”."
        else:
            st.session_state["nb_message"] = f"“{name}” came with the dataset: it stays."
        st.session_state.pop("nb_remove", None)

    with st.sidebar.expander("Neighbourhoods"):
        st.caption(
            "A neighbourhood is a named group of small areas. Saved, it joins the place "
            "picker at once, for everyone on this deployment, and stays; neighbourhoods.csv "
            "downloads them all to keep with your dataset files."
            + (
                f" While disclosure control is on, each person may save {limit} (and no more, "
                "even after removing one). Saving is recorded in the audit trail."
                if level != Level.OFF
                else ""
            )
        )
        st.text_input("Neighbourhood name", key="nb_name", max_chars=80)
        if wards:
            linked("nb_wards", list(wards), "wards for a new neighbourhood", wards.get)
            st.multiselect("Whole wards", list(wards), key="nb_wards", format_func=wards.get)
        linked("nb_areas", list(areas), "areas for a new neighbourhood", areas.get)
        st.multiselect("Areas", list(areas), key="nb_areas", format_func=areas.get)
        st.button("Save neighbourhood", key="nb_save", on_click=save)
        if message := st.session_state.pop("nb_message", None):
            st.caption(markdown_text(message))
        names = list(dict.fromkeys(current["neighbourhood"]))
        if names:
            linked("nb_remove", names, "neighbourhood to remove", default=names[0])
            st.selectbox("Neighbourhood to remove", names, key="nb_remove")
            st.button("Remove neighbourhood", key="nb_remove_button", on_click=remove)
            download(current, "neighbourhoods", "Download neighbourhoods.csv")


def _period(dataset: Dataset) -> tuple[pd.Timestamp, pd.Timestamp, bool]:
    """The chosen period in whole calendar months, and whether the data has dates to choose
    it from: person-level figures never move by a day (see `selection.Selection`)."""
    period, default = caches.spans(dataset, dataset.content_hash)
    if period is None:
        st.sidebar.caption("Period: the data has no dated records.")
        return default.start, default.end, False
    months = list(pd.period_range(period[0], period[1], freq="M"))
    if len(months) == 1:  # everything happened in one month: nothing to choose
        st.sidebar.caption(f"Period: {months[0]:%b %Y} (all the data)")
        return *selection.month_period(months[0], months[0], period[1]), True
    # The slider's starting value is fixed once per session and dataset (a link's period, or
    # the last 12 months), so the widget keeps its identity and the user's later choices.
    initial = st.session_state.setdefault(PERIOD_START_KEY, {})
    if dataset.content_hash not in initial:
        kept = st.session_state.pop("period", None)  # chosen on another dataset (checked below)
        linked("period", months, "period")  # a link's
        asked = st.session_state.pop("period", None) or kept
        default_range = (default.start.to_period("M"), months[-1])
        if asked and not set(asked) <= set(months):  # chosen on data with other months
            words = " to ".join(f"{m:%b %Y}" for m in dict.fromkeys(asked))
            note(
                f"The period chosen before, {words}, is not in this data: its last 12 months "
                "are shown instead."
            )
            asked = None
        initial[dataset.content_hash] = tuple(asked) if asked else default_range
    chosen = st.sidebar.select_slider(
        "Period",
        options=months,
        key="period",
        value=initial[dataset.content_hash],
        format_func=lambda month: f"{month:%b %Y}",
        help="Whole calendar months, to the end of the data. Figures compare this period "
        "with the same months just before it.",
    )
    offer("period")  # into the address (its link is applied above, once per dataset)
    first, last = chosen if isinstance(chosen, tuple | list) else (chosen, chosen)
    return *selection.month_period(first, last, period[1]), True


def _level(someone: Person) -> Level:
    floor = disclosure.deployment_floor()
    levels = access.levels(someone, floor)
    if "disclosure" in st.session_state and st.session_state["disclosure"] not in levels:
        # chosen before this person's role changed on the access list
        identity.record("refused", detail=f"level {st.session_state.pop('disclosure')}")
        note("Your role no longer allows the disclosure level chosen before: the default is "
             "shown.")  # fmt: skip
    linked("disclosure", levels, "disclosure level")
    level = st.sidebar.radio(
        "Disclosure control",
        levels,
        key="disclosure",
        format_func=lambda lvl: disclosure.LABELS[lvl],
        help="Counts of people: 1-7 hidden as *, others rounded to 5 by "
        "default. This deployment allows: " + ", ".join(levels),
    )
    if level == Level.SUPPRESS:
        st.sidebar.warning("Hiding 1-7 without rounding: totals may reveal hidden cells.")
    if level == Level.OFF:
        st.sidebar.warning("Exact person-level figures: for analysts entitled to see them only.")
    identity.allowed(access.check_level, Level(level), floor)  # whatever set the widget's state
    return Level(level)


def share_view(someone: Person) -> None:
    """The sidebar's "share this view" control: the address of this view to copy, filled in
    at the end of the run (`links.write_link`), once the page has drawn its choices; and the
    team's named views (saved in the store, listed as links).

    A popover, not an expander: the browser draws a popover's contents only when it is
    opened, and the copyable box (`st.code`) fetches and runs Streamlit's 1.5 MB syntax
    highlighter wherever it is drawn, about 0.3 s of the browser's time on every page opened
    (an expander draws its contents while closed)."""
    if not access.may(someone, "share"):
        return
    with st.sidebar.popover("Share this view", width="stretch"):
        st.session_state[SHARE_KEY] = st.empty()
        st.caption(
            "Copy this address (the button at the right of the box): it opens this page with "
            "the same place, period, disclosure level and choices on the same data folder. A "
            "link cannot loosen this deployment's disclosure control."
        )
        if access.may(someone, "named views"):
            _named_views(someone)


def _named_views(someone: Person) -> None:
    team = identity.store()
    base = urlsplit(st.context.url or "")
    root = f"{base.scheme}://{base.netloc}" if base.netloc else ""

    def save() -> None:
        name = " ".join(str(st.session_state.get("view_name", "")).split())
        if not name:
            st.session_state["view_message"] = "Give the view a name."
            return
        # the address as the last run wrote it: this view's choices (links.write_link)
        path, query = base.path or "/", urlencode(st.query_params.to_dict())
        team.save_view(name, path, query, by=someone.who)
        identity.record("view saved", detail=f"{name}: {path}?{query}")
        st.session_state["view_message"] = f"Saved “{name}” for the team."
        st.session_state["view_name"] = ""

    st.text_input("Save this view for the team as", key="view_name", max_chars=80)
    st.button("Save view", key="view_save", on_click=save)
    if message := st.session_state.pop("view_message", None):
        st.caption(markdown_text(message))
    views = team.named_views()
    if not views.empty:
        st.markdown("**The team's views**\n\n" + "\n".join(
            f"- [{markdown_text(row.name)}]({root}{row.page}?{row.query})"
            for row in views.itertuples()))  # fmt: skip


PRESENTATION_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stToolbarActions"], [data-testid="stMainMenu"] {display: none;}
[data-testid="stMain"] {font-size: 1.3rem;}
[data-testid="stMain"] h1 {font-size: 3.2rem;}
[data-testid="stMain"] [data-testid="stCaptionContainer"] {font-size: 1.05rem; color: #222;}
[data-testid="stMetricValue"] {font-size: 3rem;}
.block-container {max-width: 100%; padding-left: 2rem; padding-right: 2rem;}
</style>"""


def presenting() -> bool:
    """Whether presentation mode is on (its toggle, or `present=1` in the address before the
    toggle is drawn): asked before the navigation is built, to put the pages along the top."""
    if "present" in st.session_state:
        return bool(st.session_state["present"])
    asked = {**st.session_state.get(ASKED_KEY, {}), **st.query_params.to_dict()}
    return str(asked.get("present", "")).lower() in ("1", "true")


def presentation_mode() -> bool:
    """For a projector: no sidebar (the pages listed along the top instead: app.py), larger
    text and chart text, darker captions. Set from the sidebar or the address (`present=1`);
    left with the button at the top of the page."""
    linked("present", (True, False))
    on = st.sidebar.toggle("Presentation mode", key="present",
                           help="Hide the sidebar and enlarge text for a projector.")  # fmt: skip
    if on:
        st.html(PRESENTATION_CSS)
        st.button("Leave presentation mode", key="leave_present",
                  on_click=lambda: st.session_state.update(present=False))  # fmt: skip
    return on


def sidebar() -> Context | None:
    """Draw the shared sidebar and return what the pages need (None if there is no data yet)."""
    loaded = load()
    if loaded is None:
        return None
    dataset, report = loaded
    if corrections.on_data_folder():  # the deployment's directory: corrections apply to it
        dataset = corrections.corrected(dataset)
    else:  # uploaded files are shown as uploaded
        st.session_state[corrections.APPLIED_KEY] = {}
    someone = identity.person()
    if someone.how == access.GUEST_LINK:
        offer(identity.GUEST_KEY)  # the address keeps the token: a reload keeps the guest in
    st.sidebar.caption(f"Data: **{markdown_text(dataset.label)}**")
    level = _level(someone)  # first: it decides how many places may be chosen together
    read_neighbourhoods(dataset)
    kind, codes, place = _place(dataset, level)
    neighbourhood_editor(dataset, level, someone)
    start, end, dated = _period(dataset)
    presentation_mode()
    share_view(someone)
    identity.sidebar_note(someone, disclosure.deployment_floor())
    chosen = selection.resolve(dataset, start, end, kind, codes, neighbourhoods(dataset))
    return Context(dataset, report, chosen, level, place, dated, someone)


def page_choices(dataset: Dataset) -> dict:
    """Every page's latest choices (`links.choices`) with the session's neighbourhoods, named
    in the asset map's area details: what a page's view (`views.pages`) is built from, on
    screen and in the pack."""
    named = tuple(neighbourhoods(dataset).itertuples(index=False, name=None))
    return {**choices(), pages.NEIGHBOURHOODS: named}
