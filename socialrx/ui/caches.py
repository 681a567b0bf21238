"""Every cached call of the app, in one place: `st.cache_resource` and `st.cache_data` wrappers
around plain `socialrx` functions, so a filter change does not reload, re-validate or recount.

The loaded `Dataset` is a resource (one shared read-only copy); panels are resources too (they
hold their chart builders, which do not pickle, and keep what they have worked out once drawn).
Every cache is keyed on the dataset's content hash, which no other session can guess without
holding the same files; those holding uploaded person-level data have `max_entries` and `ttl`.
An argument whose name begins with `_` is not part of the key (the dataset: its hash is)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pandas as pd
import streamlit as st

from socialrx.data import corrections, database, mapping
from socialrx.data.dataset import Dataset
from socialrx.data.files import SourceFile, files_in_folder
from socialrx.data.loader import load_files
from socialrx.data.problems import Report
from socialrx.data.store import load_folder_cached
from socialrx.disclosure import Level
from socialrx.metrics import benchmarks as benchmark_metrics
from socialrx.metrics import commissioning, selection
from socialrx.metrics.selection import Selection
from socialrx.team.store import Store, open_store
from socialrx.views import asset_map as asset_map_view
from socialrx.views import benchmarks as benchmarks_view
from socialrx.views import capacity as capacity_view
from socialrx.views import directory as directory_view
from socialrx.views import equity as equity_view
from socialrx.views import ethnicity as ethnicity_view
from socialrx.views import forecast as forecast_view
from socialrx.views import outcomes as outcomes_view
from socialrx.views import overview as overview_view
from socialrx.views import referral_flows as referral_flows_view
from socialrx.views import what_if as what_if_view
from socialrx.views.panels import Panel

HOUR = timedelta(hours=1)

# Loading ----------------------------------------------------------------------------------


@st.cache_resource(show_spinner=False, max_entries=4)
def cached_folder(folder: str, fingerprint: str) -> tuple[Dataset, Report]:
    """A data folder's (or database's) dataset, through its saved columnar copy when the data
    is unchanged (`socialrx.data.store`: a fresh server opens 1,000,000 referrals in seconds,
    not a minute). Folders and databases only: uploads are never written to disk."""
    bar = st.progress(0.0, text="Loading data")
    try:
        return load_folder_cached(folder, lambda f, text: bar.progress(f, text=text))
    finally:
        bar.empty()


@st.cache_resource(show_spinner=False, max_entries=8, ttl=HOUR)
def cached_upload(digest: str, _files: tuple[SourceFile, ...]) -> tuple[Dataset, Report]:
    """Uploaded files' dataset, keyed on their content hash; kept in memory only."""
    bar = st.progress(0.0, text="Loading your files")
    try:
        return load_files(list(_files), lambda f, text: bar.progress(f, text=text))
    finally:
        bar.empty()


@st.cache_resource(show_spinner=False, max_entries=4, ttl=HOUR)
def cached_folder_mapped(folder: str, fingerprint: str, digest: str,
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


@st.cache_resource(show_spinner="Applying the directory's approved corrections", max_entries=4)
def corrected_directory(_dataset: Dataset, content_hash: str, approved_ids: tuple,
                        _approved: pd.DataFrame) -> tuple[Dataset, pd.Series]:  # fmt: skip
    """The loaded data with the approved corrections applied, once per dataset and set of
    approved changes (ids never change once approved): a new content hash, so every page's
    cache keys follow the corrected directory."""
    return corrections.apply_approved(_dataset, _approved)


@st.cache_resource(show_spinner=False, max_entries=4, ttl=HOUR)
def cached_database_mapped(url: str, fingerprint: str, digest: str,
                           _edited: bytes) -> tuple[Dataset, Report]:  # fmt: skip
    """A database's tables loaded through an edited mapping (which may name other tables)."""
    bar = st.progress(0.0, text="Loading data with your mapping")
    try:
        return database.load(url, lambda f, text: bar.progress(f, text=text), _edited)
    finally:
        bar.empty()


# The sidebar ------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=8, ttl=HOUR)
def place_options(_dataset: Dataset, content_hash: str) -> dict[str, dict[str, str]]:
    """The sidebar's places, worked out once per dataset, not on every rerun."""
    return selection.place_options(_dataset)


@st.cache_data(show_spinner=False, max_entries=8, ttl=HOUR)
def spans(_dataset: Dataset, content_hash: str) -> tuple:
    """The data's first and last day and the default period, once per dataset."""
    return selection.data_period(_dataset), selection.default_selection(_dataset)


# The pages' panels ------------------------------------------------------------------------


@st.cache_resource(show_spinner="Computing headline figures", max_entries=64, ttl=HOUR)
def headline_panel(_dataset: Dataset, content_hash: str, chosen: Selection, level: Level):
    """The overview's cards, cached per dataset, place, period and disclosure level (one
    shared panel, as the other pages' are: its cards are worked out from its basis)."""
    return overview_view.headline_panel(_dataset, chosen, level)


@st.cache_resource(show_spinner="Counting referrals", max_entries=16, ttl=HOUR)
def _equity_counted(_dataset: Dataset, content_hash: str, chosen: Selection):
    """The equity page's exact tables, counted once per dataset, place and period."""
    return equity_view.counted(_dataset, chosen)


@st.cache_resource(show_spinner="Computing equity figures", max_entries=32, ttl=HOUR)
def equity_panels(_dataset: Dataset, content_hash: str, chosen: Selection, level: Level,
                  method: str) -> list[Panel]:  # fmt: skip
    """The equity page's panels, built once per dataset, place, period, level and funnel
    method (a level or method change reuses the counts): a resource, not data, since panels
    hold their chart builders (not picklable) and keep their disclosed tables and figures
    once drawn. Read-only once built."""
    counted = _equity_counted(_dataset, content_hash, chosen)
    return equity_view.panels(_dataset, chosen, level, method, counted)


@st.cache_resource(show_spinner="Counting referrals by ethnic group", max_entries=32, ttl=HOUR)
def ethnicity_panels(_dataset: Dataset, content_hash: str, chosen: Selection,
                     level: Level) -> list[Panel]:  # fmt: skip
    """Referral rates by ethnic group once per dataset, place, period and level."""
    return ethnicity_view.panels(_dataset, chosen, level)


@st.cache_data(show_spinner=False, max_entries=8, ttl=HOUR)
def indicator_choices(_dataset: Dataset, content_hash: str) -> dict[str, str]:
    """The Fingertips indicators with a value for the place's own codes, once per dataset."""
    return benchmark_metrics.indicator_choices(_dataset)


@st.cache_resource(show_spinner="Comparing with England", max_entries=32, ttl=HOUR)
def benchmark_panels(_dataset: Dataset, content_hash: str, chosen: Selection,
                     level: Level) -> list[Panel]:  # fmt: skip
    """The place's appointments against England and similar places, once per dataset, place
    and period."""
    return benchmarks_view.appointment_panels(_dataset, chosen, level)


@st.cache_resource(show_spinner=False, max_entries=32, ttl=HOUR)
def indicator_panels(_dataset: Dataset, content_hash: str, chosen: Selection, level: Level,
                     indicator: str | None) -> list[Panel]:  # fmt: skip
    """A Fingertips indicator for the place against England, once per choice."""
    return benchmarks_view.indicator_panels(_dataset, chosen, level, indicator)


@st.cache_resource(show_spinner="Computing outcome figures", max_entries=32, ttl=HOUR)
def outcome_panels(_dataset: Dataset, content_hash: str, chosen: Selection, level: Level,
                   standard: str) -> list[Panel]:  # fmt: skip
    """The outcomes page's panels once per dataset, place, period, level and standard (a
    resource, as `equity_panels`): reruns that change none of these only draw."""
    return outcomes_view.panels(_dataset, chosen, level, standard)


@st.cache_resource(show_spinner=False, max_entries=64, ttl=HOUR)
def outcome_for_whom(_dataset: Dataset, content_hash: str, chosen: Selection, level: Level,
                     measure: str, group: str) -> Panel:  # fmt: skip
    """The outcomes page's "for whom" panel once per choice."""
    return outcomes_view.for_whom(_dataset, chosen, level, measure, group)


@st.cache_resource(show_spinner="Measuring access", max_entries=32, ttl=HOUR)
def asset_map_panels_for(_dataset: Dataset, content_hash: str, chosen: Selection, level: Level,
                         shade: str, filters, reach, named: tuple) -> list[Panel]:  # fmt: skip
    """The asset map's panels (access scores, the map) once per choice and set of `named`
    neighbourhoods, (neighbourhood, area_code) pairs: the session's own, read by
    `sidebar.asset_map_panels`, so no session sees another's."""
    frame = pd.DataFrame(list(named), columns=["neighbourhood", "area_code"])
    return asset_map_view.panels(_dataset, chosen, level, shade=shade, filters=filters,
                                 reach=reach, neighbourhoods=frame)  # fmt: skip


@st.cache_data(show_spinner=False, max_entries=8, ttl=HOUR)
def directory_choices(_dataset: Dataset, content_hash: str) -> dict[str, str]:
    """The organisations a VCS group can pick itself from, once per dataset."""
    return directory_view.organisation_choices(_dataset)


@st.cache_resource(show_spinner=False, max_entries=8, ttl=HOUR)
def directory_organisations(_dataset: Dataset, content_hash: str, level: Level) -> Panel:
    """Every organisation's record-keeping, once per dataset and level (a resource: a panel)."""
    return directory_view.organisations_panel(_dataset, level)


@st.cache_resource(show_spinner=False, max_entries=32, ttl=HOUR)
def capacity_panels(_dataset: Dataset, content_hash: str, chosen: Selection, level: Level,
                    system: bool = False) -> list[Panel]:  # fmt: skip
    """The capacity page's headline and strain panels (or, `system`, the system view's) once
    per dataset, place, period and level: a tab change or slider elsewhere only draws them."""
    build = capacity_view.system_panels if system else capacity_view.panels
    return build(_dataset, chosen, level)


@st.cache_data(show_spinner="Forecasting demand", max_entries=16, ttl=HOUR)
def capacity_forecasts(_dataset: Dataset, content_hash: str, chosen: Selection, level: Level):
    """The capacity page's demand forecasts (a model per category and the whole place), fitted
    on the monthly counts as shown: once per dataset, place, period end and level."""
    return forecast_view.forecast_data(_dataset, chosen, level)


@st.cache_data(show_spinner=False, max_entries=16, ttl=HOUR)
def capacity_scenario_base(_dataset: Dataset, content_hash: str, chosen: Selection):
    """The what-if's starting point (each asset's last 12 months), once per dataset, place
    and period end: a slider moved in a workshop recomputes only what it changes."""
    return what_if_view.scenario_base(_dataset, chosen)


@st.cache_data(show_spinner="Forecasting demand by category", max_entries=16, ttl=HOUR)
def commissioning_forecasts(_dataset: Dataset, content_hash: str, end: pd.Timestamp,
                            level: Level, areas: tuple[str, ...]):  # fmt: skip
    """Each category's forecast for the people living in `areas` (a model a category), once
    per dataset, period end, level and set of areas: the horizon, reach and costs only cut it."""
    chosen = Selection(end, end)
    return commissioning.category_forecasts(_dataset, chosen, areas, level)


@st.cache_data(show_spinner="Bringing need, access, demand and strain together", max_entries=32,
               ttl=HOUR)  # fmt: skip
def commissioning_table(_dataset: Dataset, content_hash: str, chosen: Selection, level: Level,
                        kind: str, assumptions: commissioning.Assumptions,
                        named: tuple) -> tuple[pd.DataFrame, pd.DataFrame]:  # fmt: skip
    """The commissioning page's rows and assets once per choice and set of `named`
    neighbourhoods (the session's own, as for the asset map)."""
    frame = pd.DataFrame(list(named), columns=["neighbourhood", "area_code"])
    places = commissioning.subdivisions(_dataset, chosen, kind, frame)
    known = _dataset.areas["area_code"] if _dataset.areas is not None else []
    areas = tuple(commissioning.place_areas(places, known))
    forecasts = commissioning_forecasts(_dataset, content_hash, chosen.end, level, areas)
    return commissioning.commissioning_table(_dataset, chosen, kind, level, assumptions, frame,
                                             forecasts)  # fmt: skip


# Referral flows: the place's pathway is summed small once per dataset and place, so a new
# period needs no pass over the referrals; the panels (figures built) are kept per place,
# period, disclosure level and SPC baseline, so a rerun that changes none of them only draws.


@st.cache_data(show_spinner="Working out the referral pathway", max_entries=16, ttl=HOUR)
def referral_place_summary(_dataset: Dataset, content_hash: str, place_kind: str, codes: tuple,
                           area_codes: tuple = ()):  # fmt: skip
    """A place's referral pathway summed small, whatever the period (the dates here are
    placeholders: the summary keeps every month)."""
    chosen = Selection(pd.Timestamp("2000-01-01"), pd.Timestamp("2000-01-31"), place_kind, codes,
                       area_codes)  # fmt: skip
    return referral_flows_view.place_summary(_dataset, chosen)


def _built(panels: list) -> list:
    for panel in panels:
        _ = panel.figure, panel.disclosed  # worked out once, before the panels are shared
    return panels


@st.cache_resource(show_spinner=False, max_entries=32, ttl=HOUR)
def referral_flow_panels(_dataset: Dataset, content_hash: str, chosen: Selection, level: Level):
    """Referrals per month, the Sankey, practices and deprivation (the Sankey's flows take
    seconds at a million referrals: a rerun that changes nothing should not redo them)."""
    return _built(referral_flows_view.panels(_dataset, chosen, level))


@st.cache_resource(show_spinner=False, max_entries=32, ttl=HOUR)
def referral_pathway_view(_dataset: Dataset, content_hash: str, chosen: Selection,
                          level: Level):  # fmt: skip
    """The pathway's tables and panels (where people drop out, how long they wait)."""
    summary = referral_place_summary(_dataset, content_hash, chosen.place_kind,
                                     chosen.place_codes, chosen.area_codes)  # fmt: skip
    tables = referral_flows_view.pathway_tables(_dataset, chosen, summary)
    return tables, _built(referral_flows_view.pathway_panels(tables, level))


@st.cache_resource(show_spinner=False, max_entries=32, ttl=HOUR)
def referral_spc_view(_dataset: Dataset, content_hash: str, chosen: Selection, level: Level,
                      baseline, unit: str | None):  # fmt: skip
    """The SPC charts once per place, period, level, baseline months and unit."""
    tables, _ = referral_pathway_view(_dataset, content_hash, chosen, level)
    return _built(referral_flows_view.spc_panels(tables, level, baseline, unit))


# The team's store ---------------------------------------------------------------------------
@st.cache_resource(show_spinner=False, max_entries=4)
def team_store(url: str) -> Store:
    """One connection pool per store for the server's life; its schema brought up to date once."""
    return open_store(url)
