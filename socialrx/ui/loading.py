"""Which data this session sees: the data folder (SOCIALRX_DATA, default the demo; or a
database, `socialrx.data.database`) or uploaded files, chosen at the top of the sidebar, and
the mapping edited on the Data page that this session's files are loaded through. The loads
themselves are cached (`caches`)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import streamlit as st

from socialrx.data import database, freshness, mapping
from socialrx.data.dataset import Dataset
from socialrx.data.files import SourceFile
from socialrx.data.loader import content_hash
from socialrx.data.problems import Report
from socialrx.data.source import (
    DEMO_FOLDER,
    MAX_FILE_BYTES,
    READABLE_SUFFIXES,
    data_setting,
)
from socialrx.data.source import fingerprint as folder_fingerprint
from socialrx.ui import caches
from socialrx.ui.links import LINK_KEY, linked

FOLDER, UPLOAD = "Data folder", "Upload files"
MAPPING_KEY = "_socialrx_mapping"  # this browser session's edited mapping.csv, as bytes


def data_source() -> Path | str:
    """The folder named by SOCIALRX_DATA, default the bundled demo data; or the address of
    the database it names (a SQLite or DuckDB file as its address)."""
    setting = data_setting()
    return database.database_url(setting) or Path(setting or DEMO_FOLDER)


def _database_fingerprint(url: str) -> str:
    """The database's own sign of change, and its last refresh: a refresh is seen at once."""
    record, _ = freshness.last_record(url)
    return f"{database.fingerprint(url)};{(record or {}).get('refreshed_at')}"


def load() -> tuple[Dataset, Report] | None:
    """The sidebar's data source and the data it loads (None: no files uploaded yet)."""
    folder = data_source()
    linked("data_source", (FOLDER, UPLOAD), "data source")
    source = st.sidebar.radio(
        "Data source",
        (FOLDER, UPLOAD),
        key="data_source",
        help=f"{FOLDER}: {database.masked(str(folder))}. {UPLOAD}: your own CSV/Excel/GeoJSON "
        "files, named as in the data contract.",
    )
    if source == FOLDER and isinstance(folder, str):  # a database
        fingerprint = _database_fingerprint(folder)
        edited = st.session_state.get(MAPPING_KEY)
        if edited is not None:
            digest = hashlib.sha256(edited).hexdigest()
            return caches.cached_database_mapped(folder, fingerprint, digest, edited)
        return caches.cached_folder(folder, fingerprint)
    if source == FOLDER:
        return _folder_with_session_mapping(folder) or caches.cached_folder(
            str(folder), folder_fingerprint(folder)
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
    return caches.cached_upload(content_hash(list(files)), files)


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
    return caches.cached_folder_mapped(str(folder), folder_fingerprint(folder), digest, edited)


def mapping_in_use() -> pd.DataFrame:
    """The mapping the loaded data went through: this session's edited one, else the mapping
    files of the data folder or among the uploaded files."""
    edited = st.session_state.get(MAPPING_KEY)
    if edited is not None:
        return mapping.frame_of(edited)
    if st.session_state.get("data_source", FOLDER) == FOLDER:
        source = data_source()
        if isinstance(source, str):
            return mapping.in_files(database.mapping_files(source))
        return mapping.in_folder(source)
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
