"""The data folder a server serves and what says its files changed: their fingerprint (names,
sizes, times, inodes: cheap on every rerun) and their content hash (what the saved copy is
keyed on, `store.folder_key`).

Light on purpose (the standard library only): app.py imports it first and starts hashing
the folder (`hash_ahead`) before it imports the rest of the package, so a fresh server's
first page hashes 400 MB of files (about 0.3 s, hashlib lets go of the GIL) while Python
imports pandas and the pages, not after."""

from __future__ import annotations

import hashlib
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

DATA_VARIABLE = "SOCIALRX_DATA"
DEMO_FOLDER = Path(__file__).resolve().parents[2] / "data" / "demo"
CACHE_VARIABLE = "SOCIALRX_CACHE_DIR"  # the saved copy's folder, or `off` (`store`)
# Streamlit's default upload limit; the same limit applies to files read from a folder.
MAX_FILE_BYTES = 200 * 1024 * 1024
GEO_SUFFIXES = (".geojson", ".json", ".gpkg", ".zip")
READABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", *GEO_SUFFIXES)
_CHUNK = 1 << 20

_AHEAD = threading.Lock()
_ahead: dict = {"begun": False, "folder": None, "fingerprint": None, "future": None}


def data_setting() -> str:
    """SOCIALRX_DATA as set: a folder, a database's address, or "" for the bundled demo."""
    return os.environ.get(DATA_VARIABLE, "").strip()


def copies_setting() -> str:
    """SOCIALRX_CACHE_DIR as set: a folder, "" (the default places) or "off"."""
    value = os.environ.get(CACHE_VARIABLE, "").strip()
    return "off" if value.lower() in ("off", "0", "none", "false", "no") else value


def fingerprint(folder: Path) -> str:
    """Each file's name, size, modification and change times and inode: cheap to read on
    every rerun, and it changes when a file does, even a same-size correction copied in with
    its modification time kept (`cp -p`, an unzip): the system sets the change time and a new
    file's inode, which no copy keeps. Every file the loader reads and `content` hashes, hidden
    ones too; folders (the saved copy's .socialrx-cache among them) are not data."""
    if not folder.is_dir():
        return "missing"
    stats = [(p.name, p.stat()) for p in sorted(folder.iterdir()) if p.is_file()]
    return ";".join(
        f"{name}:{s.st_size}:{s.st_mtime_ns}:{s.st_ctime_ns}:{s.st_ino}" for name, s in stats
    )


def content(folder: Path) -> tuple[str, list[str]]:
    """The folder's content hash (as `loader.content_hash` computes it over the files the
    loader reads) and the names and sizes of the files it only reports on (too big, other
    formats). The hash `hash_ahead` began is taken when the files have not changed since."""
    with _AHEAD:
        ahead, wanted = None, _ahead["fingerprint"]
        if _ahead["folder"] == Path(folder).absolute():
            ahead, _ahead["future"] = _ahead["future"], None  # once: later loads hash afresh
    if ahead is not None:
        try:
            hashed = ahead.result()
        except Exception:  # noqa: BLE001 - hashed again below, where a failure is raised
            hashed = None
        if hashed is not None and fingerprint(folder) == wanted:
            return hashed
    return _content(folder)


def _content(folder: Path) -> tuple[str, list[str]]:
    readable, listing = [], []
    for path in sorted(folder.iterdir()):
        if not path.is_file():
            continue
        size = path.stat().st_size
        if path.suffix.lower() in READABLE_SUFFIXES and size <= MAX_FILE_BYTES:
            readable.append(path)
        else:
            listing.append(f"{path.name}:{size}")
    # files hashed side by side (hashlib lets go of the GIL): half the time on two cores
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        files = list(pool.map(_file_digest, readable))
    digest = hashlib.sha256()  # the content hash, file by file as the loader makes it
    for path, file_digest in zip(readable, files, strict=True):
        digest.update(path.name.encode() + b"\0" + file_digest)
    return digest.hexdigest(), listing


def _file_digest(path: Path) -> bytes:
    file_digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            file_digest.update(chunk)
    return file_digest.digest()


def hash_ahead() -> None:
    """Once a process: start hashing the served data folder's files in the background, for
    the saved copy's key (`content`), when there is a folder to hash and copies are on."""
    with _AHEAD:
        if _ahead["begun"]:
            return
        _ahead["begun"] = True
        folder = Path(data_setting() or DEMO_FOLDER).absolute()
        if copies_setting() == "off" or not folder.is_dir():
            return  # a database, or nothing to hash
        try:
            wanted = fingerprint(folder)
        except OSError:
            return
        future: Future = Future()

        def run() -> None:
            try:
                future.set_result(_content(folder))
            except Exception as failed:  # noqa: BLE001 - `content` hashes again and raises
                future.set_exception(failed)

        try:
            threading.Thread(target=run, name="socialrx-hash-ahead", daemon=True).start()
        except RuntimeError:  # no thread to be had: the load hashes the files itself
            return
        _ahead.update(folder=folder, fingerprint=wanted, future=future)
