"""The Streamlit edge: cached loading, the shared sidebar, and the small widgets every page uses.

The only module of `socialrx` that imports streamlit. The loaded `Dataset` lives in
`st.cache_resource` (one shared read-only copy); uploads are keyed on their content hash,
which no other session can guess without holding the same files.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path, PurePosixPath
from urllib.parse import urlencode, urlsplit

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from streamlit_folium import st_folium

from socialrx import disclosure
from socialrx.data import mapping
from socialrx.data.dataset import Dataset
from socialrx.data.files import MAX_FILE_BYTES, READABLE_SUFFIXES, SourceFile, files_in_folder
from socialrx.data.loader import content_hash, load_files
from socialrx.data.problems import Report
from socialrx.data.store import load_folder_cached
from socialrx.disclosure import Level
from socialrx.escape import csv_bytes, markdown_text
from socialrx.metrics import selection
from socialrx.metrics.selection import Selection
from socialrx.views import asset_map as asset_map_view
from socialrx.views import capacity as capacity_view
from socialrx.views import directory as directory_view
from socialrx.views import equity as equity_view
from socialrx.views import forecast as forecast_view
from socialrx.views import links
from socialrx.views import outcomes as outcomes_view
from socialrx.views import overview as overview_view
from socialrx.views.panels import Panel

DATA_VARIABLE = "SOCIALRX_DATA"
DEMO_FOLDER = Path(__file__).resolve().parent.parent / "data" / "demo"
FOLDER, UPLOAD = "Data folder", "Upload files"


@dataclass(frozen=True)
class Context:
    """What every page needs: the data, its problems, the place and period, the disclosure level."""

    dataset: Dataset
    report: Report
    selection: Selection
    level: Level
    place: str = "the whole dataset"  # the chosen place in words, for page captions
    dated: bool = True  # whether any person-level record has a date (else no period to show)


def data_folder() -> Path:
    """The folder named by SOCIALRX_DATA, default the bundled demo data."""
    return Path(os.environ.get(DATA_VARIABLE) or DEMO_FOLDER)


def _folder_fingerprint(folder: Path) -> str:
    """Names, sizes and modification times: cheap to compute, changes when a file does.
    Hidden entries (the saved copy in .socialrx-cache) are not data and are left out."""
    if not folder.is_dir():
        return "missing"
    return ";".join(
        f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}"
        for p in sorted(folder.iterdir())
        if not p.name.startswith(".")
    )


@st.cache_resource(show_spinner=False, max_entries=4)
def _cached_folder(folder: str, fingerprint: str) -> tuple[Dataset, Report]:
    """A data folder's dataset, through its saved columnar copy when the files are unchanged
    (`socialrx.data.store`: a fresh server opens 1,000,000 referrals in seconds, not a minute).
    Folders only: uploads are never written to disk."""
    bar = st.progress(0.0, text="Loading data")
    try:
        return load_folder_cached(folder, lambda f, text: bar.progress(f, text=text))
    finally:
        bar.empty()


@st.cache_resource(show_spinner=False, max_entries=8, ttl=timedelta(hours=1))
def _cached_upload(digest: str, _files: tuple[SourceFile, ...]) -> tuple[Dataset, Report]:
    bar = st.progress(0.0, text="Loading your files")
    try:
        return load_files(list(_files), lambda f, text: bar.progress(f, text=text))
    finally:
        bar.empty()


def _load() -> tuple[Dataset, Report] | None:
    folder = data_folder()
    linked("data_source", (FOLDER, UPLOAD), "data source")
    source = st.sidebar.radio(
        "Data source",
        (FOLDER, UPLOAD),
        key="data_source",
        help=f"{FOLDER}: {folder}. {UPLOAD}: your own CSV/Excel/GeoJSON files, "
        "named as in the data contract.",
    )
    if source == FOLDER:
        return _folder_with_session_mapping(folder) or _cached_folder(
            str(folder), _folder_fingerprint(folder)
        )
    uploads = st.sidebar.file_uploader(
        "Dataset files",
        accept_multiple_files=True,
        key="uploads",
        type=[s.lstrip(".") for s in READABLE_SUFFIXES],
        help="assets.csv is required; every other table is optional. Files are known by their "
        "names or, for official downloads (IoD, ONS, NHS Digital, epraccur), by their headers. "
        "One Excel workbook with a sheet per table, or a zip of the files, also works. Up to "
        f"{MAX_FILE_BYTES // 2**20} MB a file; a zip may unpack to twice that.",
    )
    if not uploads:
        if st.session_state.get(LINK_KEY):
            st.sidebar.info(
                "This link was made on uploaded data, which stays in the browser session that "
                "uploaded it. Upload the same files and the rest of the view applies."
            )
        st.sidebar.info("Add at least assets.csv to see your data.")
        return None
    files = _with_session_mapping(tuple(SourceFile(u.name, u.getvalue()) for u in uploads))
    return _cached_upload(content_hash(list(files)), files)


MAPPING_KEY = "_socialrx_mapping"  # this browser session's edited mapping.csv, as bytes


def _with_session_mapping(files: tuple[SourceFile, ...]) -> tuple[SourceFile, ...]:
    """The uploaded files with this session's edited mapping (Data page, "Apply") in place of
    theirs: it joins the files before hashing, so the cache key follows it."""
    edited = st.session_state.get(MAPPING_KEY)
    return files if edited is None else mapping.with_mapping(files, edited)


def _folder_with_session_mapping(folder: Path) -> tuple[Dataset, Report] | None:
    """The data folder loaded with this session's edited mapping in place of its own; None
    when there is none. The folder is never written to."""
    edited = st.session_state.get(MAPPING_KEY)
    if edited is None:
        return None
    digest = hashlib.sha256(edited).hexdigest()
    return _cached_folder_mapped(str(folder), _folder_fingerprint(folder), digest, edited)


@st.cache_resource(show_spinner=False, max_entries=4, ttl=timedelta(hours=1))
def _cached_folder_mapped(folder: str, fingerprint: str, digest: str,
                          _edited: bytes) -> tuple[Dataset, Report]:  # fmt: skip
    """A data folder's files plus an edited mapping, keyed on the folder's fingerprint and the
    mapping's digest, so the folder is read only when either changes."""
    bar = st.progress(0.0, text="Loading data with your mapping")
    try:
        report = Report()
        files = mapping.with_mapping(files_in_folder(Path(folder), report), _edited)
        return load_files(list(files), lambda f, text: bar.progress(f, text=text), report)
    finally:
        bar.empty()


def mapping_in_use() -> pd.DataFrame:
    """The mapping the loaded data went through: this session's edited one, else the mapping
    files of the data folder or among the uploaded files."""
    edited = st.session_state.get(MAPPING_KEY)
    if edited is not None:
        return mapping.frame_of(edited)
    if st.session_state.get("data_source", FOLDER) == FOLDER:
        return mapping.in_folder(data_folder())
    uploads = st.session_state.get("uploads") or []
    return mapping.in_files([SourceFile(u.name, u.getvalue()) for u in uploads])


def session_mapping_applied() -> bool:
    """True when this session's data is loaded with a mapping edited on the Data page."""
    return MAPPING_KEY in st.session_state


def apply_mapping(frame: pd.DataFrame | None) -> None:
    """Load this session's data with `frame` as its mapping (None: the data's own again)."""
    if frame is None:
        st.session_state.pop(MAPPING_KEY, None)
    else:
        st.session_state[MAPPING_KEY] = mapping.to_csv(frame)


@st.cache_data(show_spinner=False, max_entries=8, ttl=timedelta(hours=1))
def _place_options(_dataset: Dataset, content_hash: str) -> dict[str, dict[str, str]]:
    """The sidebar's places, worked out once per dataset, not on every rerun."""
    return selection.place_options(_dataset)


NEIGHBOURHOODS_KEY = "_socialrx_neighbourhoods"
NEIGHBOURHOODS_SAVED = "_socialrx_neighbourhoods_saved"  # saves this session (never handed back)
PLURAL = {selection.LA: "local authorities", selection.CATCHMENT: "PCN catchments"}


def place_key(kind: str) -> str:
    """The session key (and link parameter) of the codes chosen for a kind of place."""
    return f"place_{kind.replace(' ', '_')}"


def neighbourhoods(dataset: Dataset) -> pd.DataFrame:
    """This browser session's neighbourhoods (neighbourhood, area_code): the dataset's own
    (`neighbourhoods.csv`) until edited here. Kept in session state, never in a shared cache,
    so no other session sees them."""
    edited = st.session_state.get(NEIGHBOURHOODS_KEY, {}).get(dataset.content_hash)
    if edited is not None:
        return edited
    return selection.neighbourhood_table(dataset.table("neighbourhoods"))


def _set_neighbourhoods(dataset: Dataset, frame: pd.DataFrame) -> None:
    st.session_state.setdefault(NEIGHBOURHOODS_KEY, {})[dataset.content_hash] = frame


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
    st.session_state.setdefault(LINK_NOTES, []).append(
        f"The link asked for the neighbourhood {names}, which is not defined in this browser "
        "session: neighbourhoods drawn in the app stay in the session that drew them. Load "
        "its neighbourhoods.csv with the dataset (or draw it again under Neighbourhoods) to "
        "see it."
    )


def _place(dataset: Dataset, level: Level) -> tuple[str, tuple[str, ...], str]:
    options = dict(_place_options(dataset, dataset.content_hash))
    options.pop(selection.NEIGHBOURHOOD, None)  # this session's own, not the cached ones
    options |= selection.neighbourhood_options(neighbourhoods(dataset))
    _linked_neighbourhoods(options)
    if st.session_state.get("place_kind", selection.WHOLE) not in options:
        del st.session_state["place_kind"]  # its last neighbourhood was removed
    linked("place_kind", list(options), "place")
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
    linked(key, list(options[kind]), kind)
    one = selection.place_rule(kind, ("", ""), level) is not None
    if key in st.session_state:  # a neighbourhood removed since it was chosen
        kept = [c for c in st.session_state[key] if c in options[kind]]
        if one and len(kept) > 1:  # chosen at "off", or asked for by a link
            st.session_state.setdefault(LINK_NOTES, []).append(
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


def neighbourhood_editor(dataset: Dataset, level: Level) -> None:
    """Under the place picker: name a neighbourhood, pick its areas (or whole wards), and
    download the session's neighbourhoods as neighbourhoods.csv to keep with the dataset."""
    options = _place_options(dataset, dataset.content_hash)
    areas, wards = options.get(selection.AREA, {}), options.get(selection.WARD, {})
    if not areas:
        return
    current = neighbourhoods(dataset)
    limit = selection.SESSION_NEIGHBOURHOODS

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
        kept = current[current["neighbourhood"] != name]
        saved = st.session_state.get(NEIGHBOURHOODS_SAVED, 0)
        if level != Level.OFF and saved >= limit:
            st.session_state["nb_message"] = (
                f"This session has named its {limit} neighbourhoods: while disclosure control "
                "is on, a session may save only a few sets of areas, because many overlapping "
                "sets could be subtracted from one another to undo the rounding. Load more as "
                "neighbourhoods.csv with the dataset."
            )
            return
        st.session_state[NEIGHBOURHOODS_SAVED] = saved + 1
        added = pd.DataFrame({"neighbourhood": name, "area_code": picked})
        _set_neighbourhoods(dataset, pd.concat([kept, added], ignore_index=True))
        st.session_state["nb_message"] = f"Saved “{name}”: {len(picked):,} areas."
        # the form cleared for the next one (a popped key kept the browser's old value)
        st.session_state["nb_name"] = ""
        st.session_state["nb_wards"], st.session_state["nb_areas"] = [], []

    def remove() -> None:
        name = st.session_state.get("nb_remove")
        _set_neighbourhoods(
            dataset, current[current["neighbourhood"] != name].reset_index(drop=True)
        )
        st.session_state["nb_message"] = f"Removed “{name}”."
        st.session_state.pop("nb_remove", None)

    with st.sidebar.expander("Neighbourhoods"):
        st.caption(
            "A neighbourhood is a named group of small areas. It joins the place picker at "
            "once, for this browser session only: download neighbourhoods.csv and keep it "
            "with your dataset files to use it again."
            + (
                f" While disclosure control is on, a session may save {limit} (and no more, "
                "even after removing one)."
                if level != Level.OFF
                else ""
            )
        )
        st.text_input("Neighbourhood name", key="nb_name", max_chars=80)
        if wards:
            st.multiselect("Whole wards", list(wards), key="nb_wards", format_func=wards.get)
        st.multiselect("Areas", list(areas), key="nb_areas", format_func=areas.get)
        st.button("Save neighbourhood", key="nb_save", on_click=save)
        if message := st.session_state.pop("nb_message", None):
            st.caption(markdown_text(message))
        names = list(dict.fromkeys(current["neighbourhood"]))
        if names:
            st.selectbox("Neighbourhood to remove", names, key="nb_remove")
            st.button("Remove neighbourhood", key="nb_remove_button", on_click=remove)
            download(current, "neighbourhoods", "Download neighbourhoods.csv")


@st.cache_data(show_spinner=False, max_entries=8, ttl=timedelta(hours=1))
def _spans(_dataset: Dataset, content_hash: str) -> tuple:
    """The data's first and last day and the default period, once per dataset."""
    return selection.data_period(_dataset), selection.default_selection(_dataset)


def _period(dataset: Dataset) -> tuple[pd.Timestamp, pd.Timestamp, bool]:
    """The chosen period in whole calendar months, and whether the data has dates to choose
    it from: person-level figures never move by a day (see `selection.Selection`)."""
    period, default = _spans(dataset, dataset.content_hash)
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
        linked("period", months, "period")
        asked = st.session_state.pop("period", None)  # a link's, or another dataset's
        default_range = (default.start.to_period("M"), months[-1])
        if asked and not set(asked) <= set(months):  # chosen on data with other months
            words = " to ".join(f"{m:%b %Y}" for m in dict.fromkeys(asked))
            st.session_state.setdefault(LINK_NOTES, []).append(
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
    first, last = chosen if isinstance(chosen, tuple | list) else (chosen, chosen)
    return *selection.month_period(first, last, period[1]), True


def _level() -> Level:
    floor = disclosure.deployment_floor()
    levels = disclosure.allowed_levels(floor)
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
    return Level(level)


LINK_KEY, LINK_NOTES = "_socialrx_link", "_socialrx_link_notes"
PERIOD_START_KEY = "_socialrx_period_start"


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
    st.session_state.setdefault(LINK_NOTES, []).append(
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


def share_view() -> None:
    """The sidebar's "share this view" control: the address of this view to copy."""
    with st.sidebar.expander("Share this view"):
        base = urlsplit(st.context.url)
        address = f"{base.scheme}://{base.netloc}{base.path}"
        query = urlencode(links.encode(st.session_state))
        st.code(f"{address}?{query}" if query else address, language=None, wrap_lines=True)
        st.caption(
            "Copy this address (the button at the right of the box): it opens this page with "
            "the same place, period, disclosure level and choices on the same data folder. A "
            "link cannot loosen this deployment's disclosure control."
        )


PRESENTATION_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stToolbar"] {display: none;}
[data-testid="stMain"] {font-size: 1.3rem;}
[data-testid="stMain"] h1 {font-size: 3.2rem;}
[data-testid="stMain"] [data-testid="stCaptionContainer"] {font-size: 1.05rem; color: #222;}
[data-testid="stMetricValue"] {font-size: 3rem;}
.block-container {max-width: 100%; padding-left: 2rem; padding-right: 2rem;}
</style>"""


def presentation_mode() -> bool:
    """For a projector: no sidebar, larger text and figures, darker captions. Set from the
    sidebar or the address (`present=1`); left with the button at the top of the page."""
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
    loaded = _load()
    if loaded is None:
        return None
    dataset, report = loaded
    st.sidebar.caption(f"Data: **{markdown_text(dataset.label)}**")
    level = _level()  # first: it decides how many places may be chosen together
    kind, codes, place = _place(dataset, level)
    neighbourhood_editor(dataset, level)
    start, end, dated = _period(dataset)
    presentation_mode()
    share_view()
    chosen = selection.resolve(dataset, start, end, kind, codes, neighbourhoods(dataset))
    return Context(dataset, report, chosen, level, place, dated)


@st.cache_resource(show_spinner="Computing headline figures", max_entries=64,
                   ttl=timedelta(hours=1))  # fmt: skip
def headline_panel(_dataset: Dataset, content_hash: str, chosen: Selection, level: Level):
    """The overview's cards, cached per dataset, place, period and disclosure level (one
    shared panel, as the other pages' are: its cards are worked out from its basis)."""
    return overview_view.headline_panel(_dataset, chosen, level)


@st.cache_resource(show_spinner="Counting referrals", max_entries=16, ttl=timedelta(hours=1))
def _equity_counted(_dataset: Dataset, content_hash: str, chosen: Selection):
    """The equity page's exact tables, counted once per dataset, place and period."""
    return equity_view.counted(_dataset, chosen)


@st.cache_resource(show_spinner="Computing equity figures", max_entries=32, ttl=timedelta(hours=1))
def equity_panels(_dataset: Dataset, content_hash: str, chosen: Selection, level: Level,
                  method: str) -> list[Panel]:  # fmt: skip
    """The equity page's panels, built once per dataset, place, period, level and funnel
    method (a level or method change reuses the counts): a resource, not data, since panels
    hold their chart builders (not picklable) and keep their disclosed tables and figures
    once drawn. Read-only once built."""
    counted = _equity_counted(_dataset, content_hash, chosen)
    return equity_view.panels(_dataset, chosen, level, method, counted)


@st.cache_resource(show_spinner="Computing outcome figures", max_entries=32,
                   ttl=timedelta(hours=1))  # fmt: skip
def outcome_panels(_dataset: Dataset, content_hash: str, chosen: Selection, level: Level,
                   standard: str) -> list[Panel]:  # fmt: skip
    """The outcomes page's panels once per dataset, place, period, level and standard (a
    resource, as `equity_panels`): reruns that change none of these only draw."""
    return outcomes_view.panels(_dataset, chosen, level, standard)


@st.cache_resource(show_spinner=False, max_entries=64, ttl=timedelta(hours=1))
def outcome_for_whom(_dataset: Dataset, content_hash: str, chosen: Selection, level: Level,
                     measure: str, group: str) -> Panel:  # fmt: skip
    """The outcomes page's "for whom" panel once per choice."""
    return outcomes_view.for_whom(_dataset, chosen, level, measure, group)


def asset_map_panels(_dataset: Dataset, content_hash: str, chosen: Selection, level: Level,
                     shade: str, filters, reach) -> list[Panel]:  # fmt: skip
    """The asset map's panels (access scores, the map) once per choice: panning or another
    page's rerun does not measure access again. The session's neighbourhoods (named in an
    area's details) are part of the key, so no session sees another's."""
    named = tuple(neighbourhoods(_dataset).itertuples(index=False, name=None))
    return _asset_map_panels(_dataset, content_hash, chosen, level, shade, filters, reach, named)


@st.cache_resource(show_spinner="Measuring access", max_entries=32, ttl=timedelta(hours=1))
def _asset_map_panels(_dataset: Dataset, content_hash: str, chosen: Selection, level: Level,
                      shade: str, filters, reach, named: tuple) -> list[Panel]:  # fmt: skip
    frame = pd.DataFrame(list(named), columns=["neighbourhood", "area_code"])
    return asset_map_view.panels(_dataset, chosen, level, shade=shade, filters=filters,
                                 reach=reach, neighbourhoods=frame)  # fmt: skip


@st.cache_data(show_spinner=False, max_entries=8, ttl=timedelta(hours=1))
def directory_choices(_dataset: Dataset, content_hash: str) -> dict[str, str]:
    """The organisations a VCS group can pick itself from, once per dataset."""
    return directory_view.organisation_choices(_dataset)


@st.cache_resource(show_spinner=False, max_entries=8, ttl=timedelta(hours=1))
def directory_organisations(_dataset: Dataset, content_hash: str, level: Level) -> Panel:
    """Every organisation's record-keeping, once per dataset and level (a resource: a panel)."""
    return directory_view.organisations_panel(_dataset, level)


@st.cache_resource(show_spinner=False, max_entries=32, ttl=timedelta(hours=1))
def capacity_panels(_dataset: Dataset, content_hash: str, chosen: Selection, level: Level,
                    system: bool = False) -> list[Panel]:  # fmt: skip
    """The capacity page's headline and strain panels (or, `system`, the system view's) once
    per dataset, place, period and level: a tab change or slider elsewhere only draws them."""
    build = capacity_view.system_panels if system else capacity_view.panels
    return build(_dataset, chosen, level)


@st.cache_data(show_spinner="Forecasting demand", max_entries=16, ttl=timedelta(hours=1))
def capacity_forecasts(_dataset: Dataset, content_hash: str, chosen: Selection, level: Level):
    """The capacity page's demand forecasts (a model per category and the whole place), fitted
    on the monthly counts as shown: once per dataset, place, period end and level."""
    return forecast_view.forecast_data(_dataset, chosen, level)


@st.cache_data(show_spinner=False, max_entries=16, ttl=timedelta(hours=1))
def capacity_scenario_base(_dataset: Dataset, content_hash: str, chosen: Selection):
    """The what-if's starting point (each asset's last 12 months), once per dataset, place
    and period end: a slider moved in a workshop recomputes only what it changes."""
    from socialrx.views import what_if as what_if_view

    return what_if_view.scenario_base(_dataset, chosen)


CONTEXT_KEY, WANTED_KEY = "_socialrx_context", "_socialrx_wanted_page"
ASKED_KEY = "_socialrx_asked"  # a deep link's query, kept across the detour through app.py
MAIN_SCRIPT = "app.py"


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


def page_header(title: str, context: Context, intro: str) -> None:
    """Title, what the page is for, and which data, place and period it shows."""
    st.title(title)
    st.write(intro)
    sel = context.selection
    label = markdown_text(f"{context.dataset.label} · {context.place}")
    period = f"{sel.start:%d %b %Y} to {sel.end:%d %b %Y}" if context.dated else "no dated records"
    st.caption(f"{label} · {period}")
    for note in st.session_state.pop(LINK_NOTES, []):
        st.info(note, icon=":material/link:")
    if context.dataset.is_demo:
        st.info(
            "Demo data: synthetic referrals, assets and statistics on real Rotherham "
            "boundaries. Not real people or services.",
            icon=":material/science:",
        )
    unread = context.report.unreadable
    if unread:
        rest = (
            "the pages show what the other files hold"
            if context.dataset.tables
            else "nothing else was loaded, so the pages are empty"
        )
        st.error(
            f"Could not read {markdown_text(', '.join(unread))}: {rest}. The Data page says why.",
            icon=":material/error:",
        )
    elif context.report.errors:
        st.error(
            f"{counted(len(context.report.errors), 'problem')} in the data files: the rows or "
            "values affected are left out. The Data page lists them.",
            icon=":material/error:",
        )
    ignored = context.report.ignored
    if ignored:
        st.warning(
            "Not used: "
            + "; ".join(
                f"**{markdown_text(name)}**: {markdown_text(why)}" for name, why in ignored.items()
            ),
            icon=":material/help:",
        )


def assets_by_area_note(context: Context) -> None:
    """Say, when areas are chosen, that assets without a place are not among them."""
    if context.selection.chosen_by_residence:
        st.caption(
            "Assets are chosen by where they are: online and telephone assets, which have no "
            "area, are left out when a place where people live (areas, a ward, MSOA, local "
            "authority, neighbourhood or PCN catchment) is chosen."
        )


def counted(n: int, thing: str) -> str:
    """`1 problem`, `3 problems`."""
    return f"{n:,} {thing}{'' if n == 1 else 's'}"


def needs(context: Context, *tables: str) -> bool:
    """True if the tables are there; otherwise say what is missing and how to add it."""
    missing = [t for t in tables if not context.dataset.has(t)]
    if missing:
        st.warning(
            "This page needs " + ", ".join(f"`{t}`" for t in missing) + ". Add the file(s) "
            "to your dataset folder or upload; the Data page describes each table."
        )
    return not missing


def show_table(frame: pd.DataFrame, column_config: dict | None = None) -> None:
    """A table on the page, missing text shown blank rather than as "None"."""
    shown = frame.copy()
    text = shown.select_dtypes(include=["string", "object"]).columns
    # all text, so the grid's Arrow table never meets a number beside a blank ("" and 32,807
    # in one column made pyarrow refuse it: a practice without a list size)
    shown[text] = shown[text].apply(lambda column: column.map(_cell, na_action="ignore"))
    shown[text] = shown[text].astype(object).where(shown[text].notna(), "")
    # numbers with thousands separators, as everywhere else (the grid's default is 7966)
    config = {c: st.column_config.NumberColumn(c, format="localized")
              for c in shown.select_dtypes(include="number").columns}  # fmt: skip
    config |= column_config or {}
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config)


def _cell(value) -> str:
    """A cell of a text column as text: whole numbers with thousands separators."""
    if isinstance(value, bool | str):
        return str(value)
    if isinstance(value, int | np.integer) or (isinstance(value, float) and value.is_integer()):
        return f"{int(value):,}"
    return str(value)


def download(table, name: str, label: str = "Download table (CSV)") -> None:
    """A CSV download of a table (or of what a function returns), formula-safe, built when
    the button is clicked, not on every rerun."""

    def data() -> bytes:
        return csv_bytes(table() if callable(table) else table)

    st.download_button(label, data, file_name=f"{name}.csv",
                       mime="text/csv", key=f"dl_{name}", on_click="ignore")  # fmt: skip


def _cards(cards) -> None:
    # a wrapping row, not fixed columns: on a narrow screen the cards move to a second line
    row = st.container(horizontal=True, gap="small")
    for card in cards:
        row.metric(
            markdown_text(card.name),
            markdown_text(card.value),
            delta=markdown_text(card.change) if card.change else None,
            # green where better: Streamlit colours a rise green ("normal") or red ("inverse")
            delta_color="off"
            if card.better is None
            else ("normal" if (card.difference > 0) == card.better else "inverse"),
            delta_arrow="off" if card.better is None else "auto",
            help=markdown_text(card.help),
            border=True,
            width=215,
            height="stretch",
        )


def _map(panel: Panel, figure) -> None:
    """A folium map, with what was clicked described beside it where the panel can say (only
    a click reruns the page: panning and zooming return nothing). The map object is built
    afresh for each run: rendering one folium map twice adds its scripts twice, and the
    changed page then blanks the map."""
    if panel.details is None:
        st_folium(figure, height=620, use_container_width=True, returned_objects=[],
                  key=panel.name)  # fmt: skip
        return
    left, right = st.columns([5, 2])
    with left:
        clicked = st_folium(
            figure, height=620, use_container_width=True, key=panel.name,
            returned_objects=["last_object_clicked", "last_clicked"],
        ) or {}  # fmt: skip
    point = clicked.get("last_object_clicked") or clicked.get("last_clicked") or {}
    details = panel.details(point.get("lat"), point.get("lng")) if point else None
    with right:
        if details is None:
            st.caption("Click a point or an area on the map to see its details here.")
        else:
            title, rows = details
            lines = [f"**{markdown_text(title)}**"] + [
                f"- {markdown_text(field)}: {markdown_text(value)}" for field, value in rows
            ]
            st.markdown("\n".join(lines))


def draw(panels: list[Panel]) -> None:
    """Draw a page's panels: title, figure (or why there is none), how to read it, the
    table, and a download of what is shown."""
    for panel in panels:
        # a panel's words are plain text (names from files among them): escaped here, once
        if panel.title:
            st.header(markdown_text(panel.title))
        if panel.answer_text:
            st.markdown(f"**{markdown_text(panel.answer_text)}**")
        if panel.shown_cards:
            _cards(panel.shown_cards)
        figure = panel.figure
        if isinstance(figure, go.Figure):
            st.plotly_chart(figure, width="stretch", key=f"chart_{panel.name}")
        elif figure is not None:  # a folium map: a fresh one each run (see below)
            figure = panel.chart(panel.disclosed.values)
            _map(panel, figure)
            st.download_button("Download this map (HTML, opens in any browser)",
                               figure.get_root().render, file_name=f"{panel.name}.html",
                               mime="text/html", key=f"dl_{panel.name}_html",
                               on_click="ignore")  # fmt: skip
        elif panel.chart is not None and panel.empty:
            st.info(markdown_text(panel.empty))
        if panel.caption:
            st.caption(markdown_text(panel.caption))
        for note in panel.shown_notes:
            st.caption(markdown_text(note))
        if panel.show_table and panel.labels:
            config = {name: st.column_config.TextColumn(name, alignment="right")
                      for name in panel.counted}  # fmt: skip
            show_table(panel.shown(), config)
        if panel.labels:
            label = panel.download or ("Download data behind this chart (CSV)"
                                       if panel.chart else None)  # fmt: skip
            download(panel.export, panel.name, label or "Download table (CSV)")
