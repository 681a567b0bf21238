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
from socialrx.metrics import selection
from socialrx.team.store import Store, open_store
from socialrx.views import directory as directory_view
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


def cached(part, dataset: Dataset, *args, **inputs):
    """A part of a page (`views.pages`: the page's view asks for its parts through this), once
    per dataset, part and `args`: a rerun that changes none of them only draws. `inputs` are
    worked out from the dataset and `args` (a part's own tables), so they are not hashed."""
    name = f"{part.__module__}.{part.__qualname__}"
    return _part(name, part, dataset, dataset.content_hash, args, inputs)


@st.cache_resource(show_spinner="Working out the figures", max_entries=256, ttl=HOUR)
def _part(name: str, _part, _dataset: Dataset, content_hash: str, args: tuple, _inputs: dict):
    """A resource, not data: panels hold their chart builders (not picklable) and keep their
    disclosed tables and figures once worked out (here, before they are shared). Read-only."""
    made = _part(_dataset, *args, **_inputs)
    if isinstance(made, list):
        for panel in made:
            if isinstance(panel, Panel):
                _ = panel.figure, panel.disclosed
    elif isinstance(made, Panel):
        _ = made.figure, made.disclosed
    return made


@st.cache_data(show_spinner=False, max_entries=8, ttl=HOUR)
def directory_choices(_dataset: Dataset, content_hash: str) -> dict[str, str]:
    """The organisations a VCS group can pick itself from, once per dataset."""
    return directory_view.organisation_choices(_dataset)


@st.cache_resource(show_spinner=False, max_entries=8, ttl=HOUR)
def directory_organisations(_dataset: Dataset, content_hash: str, level: Level) -> Panel:
    """Every organisation's record-keeping, once per dataset and level (a resource: a panel)."""
    return directory_view.organisations_panel(_dataset, level)


# The team's store ---------------------------------------------------------------------------
@st.cache_resource(show_spinner=False, max_entries=4)
def team_store(url: str) -> Store:
    """One connection pool per store for the server's life; its schema brought up to date once."""
    return open_store(url)
