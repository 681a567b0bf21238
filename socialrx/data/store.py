"""A checked, columnar copy of a data folder's loaded `Dataset`, so a fresh server opens fast.

Loading a folder of 1,000,000 referrals from CSV reads, types and checks every row (about 20
s); once that has been done, the typed tables, the boundaries, the metadata and the `Report` of
problems are saved as Parquet (boundaries as GeoParquet) and read back equal to the fresh
load: the same dtypes, values, problems and content hash, each table when a page first asks
for it. What the metrics work out once per dataset (`dataset.keep`) is kept beside the tables
once worked out (`SavedCopy`), so the next fresh server reads it instead.

Where: `$SOCIALRX_CACHE_DIR/<folder>/` when that variable is set (`off` turns the copy off),
otherwise a `.socialrx-cache` folder inside the data folder, or, if the data folder cannot be
written, the user's cache folder (`~/.cache/socialrx` on Linux). Deleting the folder clears
it; nothing else refers to it.

The copy is keyed on the *content* of the folder's files (the SHA-256 that becomes
`Dataset.content_hash`), not on names, sizes and modification times: copying with `cp -p`,
`rsync -a`, unzipping or a git checkout keeps or resets times, and a corrected figure can
leave a file the same size, while hashing 400 MB takes a fraction of a second. The key also
holds a digest of the loader's own code and the pandas/pyarrow/geopandas versions, so a
changed check or dtype never serves an old copy. A database as the source
(`socialrx.data.database`) is keyed the same way on its tables as read (in the user's cache
folder, never beside it); its tables are read each time, only the checks skipped. Only data
folders and databases are copied, never uploads: person-level files a user uploads are not
written to disk. Anything that goes wrong with the copy (an unwritable folder, a half-written
or corrupt copy) falls back silently to loading the files.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import json
import logging
import os
import re
import shutil
import sys
import threading
import time
import weakref
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from socialrx.data import database
from socialrx.data.dataset import KEPT, Dataset, Tables
from socialrx.data.loader import (
    Progress,
    content_hash,
    load_files,
    load_folder,
    release_unused,
)
from socialrx.data.problems import Problem, Report
from socialrx.data.source import content as folder_content
from socialrx.data.source import copies_setting
from socialrx.escape import file_slug

log = logging.getLogger(__name__)

CACHE_FOLDER = ".socialrx-cache"  # inside the data folder, when it can be written
# bump when the layout of a saved copy changes (2: compact categorical columns; 3: what the
# metrics keep, coded text, tables read when first asked for)
FORMAT = 4  # 4: referral ids coded against one list shared by the tables naming them
_MANIFEST = "manifest.json"


def load_folder_cached(
    folder: str | Path, progress: Progress | None = None
) -> tuple[Dataset, Report]:
    """`loader.load_folder`, through the saved copy when the folder's files have not changed
    since it was made; otherwise load the files and save a copy for next time. A database
    address (`database.database_url`) in place of the folder is loaded the same way."""
    dataset, report, _ = load_source(folder, progress)
    return dataset, report


def load_source(
    source: str | Path, progress: Progress | None = None
) -> tuple[Dataset, Report, str | None]:
    """A folder's or a database's dataset and report, through the saved copy, and the copy's
    key (None when copies are off or the source could not be read)."""
    url = database.database_url(source)
    if url is not None:
        return _load_database(url, progress)
    folder = Path(source)
    step = progress or (lambda fraction, text: None)
    if not folder.is_dir() or copies_setting() == "off":
        return (*load_folder(folder, progress), None)
    step(0.01, "Checking the data files")
    try:
        key, content = folder_key(folder)
    except OSError:  # a file vanished or cannot be read: let the loader report it
        return (*load_folder(folder, progress), None)
    loaded = _saved(key, _entries(folder, key), step, lambda: load_folder(folder)[0])
    if loaded is not None:
        return (*loaded, key)
    dataset, report = load_folder(folder, progress)
    if dataset.content_hash == content and "dataset" not in report.unreadable:
        _save(_entries(folder, key), dataset, report, step)
    return (*_hold(key, (dataset, report)), key)


def _load_database(url: str, progress: Progress | None) -> tuple[Dataset, Report, str | None]:
    """A database's tables are read in full every time (there is no cheaper sign of their
    content); the checks, the slow part, are skipped when a copy of the same content is saved."""
    step = progress or (lambda fraction, text: None)
    report = Report()
    read = database.read(url, report, progress)
    if read.unreadable_in(report):
        return Dataset(), report, None
    if copies_setting() == "off":
        dataset, report = load_files(read.files, progress, report)
        return dataset, database.name_tables(report, read), None
    key = _key(content_hash(read.files), ["database"])  # its problems name tables, not files
    entries = _entries(url, key)
    # the reload reads the tables again: `read` is not held for it (all of a database's rows)
    loaded = _saved(key, entries, step, lambda: load_files(database.read(url, Report()).files)[0])
    if loaded is not None:
        return (*loaded, key)
    dataset, report = load_files(read.files, progress, report)
    report = database.name_tables(report, read)
    if "dataset" not in report.unreadable:
        _save(entries, dataset, report, step)
    return (*_hold(key, (dataset, report)), key)


def _saved(key: str, entries: list[Path], step, reload) -> tuple[Dataset, Report] | None:
    """What this process holds under `key`, else the first readable saved copy (`reload`: the
    source's dataset loaded afresh, should a table of it fail to read after all)."""
    held = _held(key)
    if held is not None:  # this process already holds it (the cache folder changed the listing)
        return held
    for entry in entries:
        if (entry / _MANIFEST).is_file():
            step(0.1, "Reading the saved copy of the checked data")
            try:
                loaded = read_copy(entry, reload)
            except Exception:  # noqa: BLE001 - a broken copy is ignored, the data is there
                log.warning("ignoring an unreadable saved copy at %s", entry, exc_info=True)
                continue
            step(1.0, "Loaded")
            return _hold(key, loaded)
    return None


# Below this many referrals, whatever a page asks for is worked out in milliseconds when it
# first asks (and kept then): building everything ahead would only lengthen the first load
KEEP_AHEAD_REFERRALS = 50_000


def _save(entries: list[Path], dataset: Dataset, report: Report, step) -> None:
    step(1.0, "Saving a copy of the checked data for a faster start next time")
    for entry in entries:
        if write_copy(entry, dataset, report):
            dataset._copy = SavedCopy(entry, dataset, {})  # to keep what the pages work out
            if dataset.rows("referrals") >= KEEP_AHEAD_REFERRALS:
                _keep_all(dataset, step)
            break


def _keep_all(dataset: Dataset, step) -> None:
    """Work out now, once for this data, everything the metrics keep, each put in the new
    copy as it is built: a page's first view then reads it instead of passing over every row
    (the region's Referral flows: about 2 s)."""
    step(1.0, "Working out the summaries every page reads, once for this data")
    dataset.work_out_kept()


def folder_key(folder: Path) -> tuple[str, str]:
    """The copy's key and the folder's content hash (`source.content`). The key also covers
    the names and sizes of files the loader only reports on (too big, other formats), the
    loader's code and the library versions."""
    content, listing = folder_content(folder)
    return _key(content, listing), content


def _key(content: str, listing: list[str]) -> str:
    """The copy's key: the data's content hash, the loader's code and the library versions."""
    text = "\n".join([str(FORMAT), content, _code_digest(), *_versions(), *listing])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def write_copy(entry: Path, dataset: Dataset, report: Report) -> bool:
    """Save the dataset and report at `entry` (written whole beside it, then renamed, so a
    reader never sees half a copy); False, and nothing left behind, if it cannot be written."""
    parent = entry.parent
    temporary = parent / f".writing-{entry.name}-{os.getpid()}"
    try:
        prepare_cache_folder(parent)
        shutil.rmtree(temporary, ignore_errors=True)
        temporary.mkdir()
        tables, shared = {}, _shared_ids(temporary, dataset)
        for name, frame in dataset.tables.items():
            # table names come from the contract; be safe
            tables[name] = _write_frame(temporary, f"{len(tables):02d}.parquet", frame, shared)
        areas = None
        if dataset.areas is not None:
            dataset.areas.to_parquet(temporary / "areas.parquet")
            areas = {"file": "areas.parquet", "dtypes": _dtypes(dataset.areas.drop(
                columns=dataset.areas.geometry.name))}  # fmt: skip
        manifest = {
            "format": FORMAT,
            "key": entry.name,
            "tables": tables,
            "areas": areas,
            "fields": {
                f.name: _encode(getattr(dataset, f.name))
                for f in dataclasses.fields(Dataset)
                if f.name not in ("tables", "areas") and not f.name.startswith("_")  # derived
            },
            "report": _encode_report(report),
            "kept": {},  # what the metrics work out once per dataset: added as they do
        }
        (temporary / _MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
        for old in parent.iterdir():  # one copy per folder: the files it was made from changed
            if old.is_dir() and old.name != temporary.name and _unused(old):
                shutil.rmtree(old, ignore_errors=True)
        temporary.rename(entry)
        return True
    except Exception:  # noqa: BLE001 - the copy is a convenience: never fail a load for it
        shutil.rmtree(temporary, ignore_errors=True)
        if (entry / _MANIFEST).is_file():  # another server saved the same copy first
            return True
        log.info("could not save a copy of the checked data at %s", entry, exc_info=True)
        return False


def _unused(path: Path) -> bool:
    """An older copy, or a copy another process abandoned half-written an hour ago."""
    if not path.name.startswith(".writing-"):
        return True
    try:
        return time.time() - path.stat().st_mtime > 3600
    except OSError:
        return False


def read_copy(entry: Path, reload=None) -> tuple[Dataset, Report]:
    """The dataset and report saved at `entry`, with every column's dtype as it was saved.
    Each table is read when a page first asks for it (`Tables`); every file is checked whole
    here (its row count, from the Parquet footer), so a damaged copy is set aside now, not
    midway through a page. Should a table still fail to read, it comes from `reload` (the
    source loaded afresh), or, without one, the error is raised."""
    manifest = json.loads((entry / _MANIFEST).read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT or manifest.get("key") != entry.name:
        raise ValueError("not a copy of this version")
    for saved in manifest["tables"].values():
        _check_frame(entry, saved)
    content = manifest["fields"].get("content_hash", "")
    words: dict = {}  # each file of distinct values as read, for every table coded into it
    tables = Tables(
        {name: _reader(entry, name, saved, content, reload, words)
         for name, saved in manifest["tables"].items()},
        rows={name: saved["rows"] for name, saved in manifest["tables"].items()},
    )  # fmt: skip
    areas = None
    if manifest["areas"] is not None:
        import geopandas as gpd  # only where there are boundaries

        areas = gpd.read_parquet(entry / manifest["areas"]["file"])
        areas = _restore(areas, manifest["areas"]["dtypes"])
    fields = {name: _decode(value) for name, value in manifest["fields"].items()}
    dataset = Dataset(tables=tables, areas=areas, **fields)
    dataset._copy = SavedCopy(entry, dataset, manifest["kept"])
    return dataset, _decode_report(manifest["report"])


def _check_frame(entry: Path, saved: dict) -> None:
    """That a saved table's files are whole: a footer each, the rows the manifest says."""
    import pyarrow.parquet as pq

    if pq.read_metadata(entry / saved["file"]).num_rows != saved["rows"]:
        raise ValueError(f"{saved['file']}: not {saved['rows']} rows")
    for values in saved["coded"].values():
        pq.read_metadata(entry / values)


def _reader(entry: Path, name: str, saved: dict, content: str, reload, words: dict):
    def read() -> pd.DataFrame:
        try:
            frame = _read_frame(entry, saved, words)
        except Exception:
            if reload is None:
                raise
            log.warning("reading %s from the source: its saved copy at %s is damaged", name,
                        entry, exc_info=True)  # fmt: skip
            again = reload()
            if again.content_hash != content:
                raise RuntimeError(f"the data changed as {name} was read: reload") from None
            return again.table(name)
        release_unused()  # the Arrow table read, now converted
        return frame

    return read


# Id columns whose values one table lists and others name: saved as codes into that table's
# list, so that read back, every table holds the same string objects (a region's connections
# and outcomes name 1.4 million referral ids: 80 MB as strings of their own)
SHARED_IDS = {"referral_id": "referrals"}


def _shared_ids(folder: Path, dataset: Dataset) -> dict[str, tuple[str, pd.Index]]:
    """For each shared id column (`SHARED_IDS`) whose listing table is in the dataset: the
    file of its values, written in `folder`, and those values as an index to code against."""
    shared = {}
    for column, table in SHARED_IDS.items():
        if table in dataset.tables and _python_text(dataset.tables[table].get(column)):
            values = pd.Index(dataset.tables[table][column].dropna().unique())
            file = f"ids-{column}.parquet"
            pd.DataFrame({"value": values.to_numpy(dtype=object)}).to_parquet(folder / file)
            shared[column] = file, values
    return shared


def _write_frame(folder: Path, file: str, frame: pd.DataFrame, shared: dict | None = None) -> dict:
    """One table saved as `folder/file`; what the manifest says of it (`_read_frame`).
    Python-string columns whose values repeat are saved as whole-number codes, their distinct
    values in a file of their own each, so that reading them back is a lookup, not a hash; a
    shared id column (`_shared_ids`) into the shared list, where it holds every value."""
    coded, saved = {}, frame
    shared = shared or {}
    ids = [c for c in shared if _python_text(frame.get(c))]  # ids as typed, not other columns
    for column in dict.fromkeys([*_repeated_text(frame), *ids]):
        codes, distinct = pd.factorize(frame[column])
        if saved is frame:
            saved = frame.copy(deep=False)
        values = f"{Path(file).stem}.{len(coded)}.parquet"
        if column in shared:
            listed, listing = shared[column]
            at = listing.get_indexer(distinct)
            if (at >= 0).all():  # else (an id the listing table lacks) coded on its own
                codes, values = np.where(codes < 0, -1, at[codes]), listed
        if values != shared.get(column, ("",))[0]:
            pd.DataFrame({"value": distinct.to_numpy(dtype=object)}).to_parquet(folder / values)
        saved[column] = codes.astype(np.int32)  # -1: missing
        coded[column] = values
    saved.to_parquet(folder / file, index=not isinstance(frame.index, pd.RangeIndex))
    return {"file": file, "dtypes": _dtypes(frame), "rows": len(frame), "coded": coded}


def _read_frame(entry: Path, saved: dict, words: dict | None = None) -> pd.DataFrame:
    """A table `_write_frame` saved, every column's dtype as it was: coded text comes back
    with one string object per distinct value however many rows hold it, as the loader types
    it (equal values, a fraction of the memory: about 650 MB less at 1,000,000 referrals).
    `words`: the values of each file of them already read for the dataset, by file, kept for
    the next table coded into the same file (`SHARED_IDS`), so both hold the same strings."""
    frame = _parquet_table(entry / saved["file"]).to_pandas()
    words = {} if words is None else words
    for column, values in saved["coded"].items():
        dtype = _dtype(saved["dtypes"][column])
        if (values, dtype) not in words:
            words[values, dtype] = _words(_parquet_table(entry / values).column(0), dtype)
        frame[column] = _from_codes(frame[column].to_numpy(), words[values, dtype], dtype)
    frame = _restore(frame, saved["dtypes"])
    if len(frame) != saved["rows"]:
        raise ValueError(f"{saved['file']}: {len(frame)} rows, not {saved['rows']}")
    return frame


def _parquet_table(path: Path):
    """A Parquet file read whole (the module imported only where a copy is read)."""
    import pyarrow.parquet as pq

    return pq.read_table(path)


def _words(distinct, dtype: pd.StringDtype) -> np.ndarray:
    """A file's distinct values as Python strings, and missing last (for code -1)."""
    words = np.empty(len(distinct) + 1, dtype=object)
    words[:-1] = distinct.to_numpy(zero_copy_only=False)
    words[-1] = dtype.na_value
    return words


def _from_codes(codes: np.ndarray, words: np.ndarray, dtype: pd.StringDtype):
    if len(codes) and not -1 <= codes.min() <= codes.max() < len(words) - 1:
        raise ValueError("a code outside its values")
    return pd.arrays.StringArray(words.take(codes), dtype=dtype)


_ADDING = threading.Lock()  # sessions of one server add to a manifest one at a time


class SavedCopy:
    """A saved copy as its dataset sees it: what the metrics keep per dataset (`KEPT`) is read
    from it, and written to it once worked out, so the next fresh server reads it too.

    Kept tables sit beside the dataset's and are named in the manifest with a digest of the
    code that made them (`code_digest` of the modules each names): made by other code, they
    are built afresh. Anything wrong (unreadable, missing, unwritable) means building it, as
    without a copy. Two servers adding to one copy at once may each keep only their own: the
    other is built again by the next server, and added then."""

    def __init__(self, entry: Path, dataset: Dataset, kept: dict) -> None:
        self.entry, self._kept = entry, dict(kept)
        self._tables, self._hash = dataset.tables, dataset.content_hash

    def holds(self, dataset: Dataset) -> bool:
        """Whether `dataset` still has the tables of this copy (not a corrected or edited
        dataset made from them, which shares this copy's link)."""
        return dataset.tables is self._tables and dataset.content_hash == self._hash

    def read(self, name: str):
        """What the copy keeps under `name`, or None when it keeps none (or another version)."""
        saved, kept = self._kept.get(name), KEPT.get(name)
        if saved is None or kept is None or saved.get("code") != code_digest(kept.modules):
            return None
        try:
            frames = {part: _read_frame(self.entry, spec) for part, spec in saved["tables"].items()}
            return kept.decode(frames)
        except Exception:  # noqa: BLE001 - a damaged kept table is built again
            log.warning("ignoring the kept %s in %s", name, self.entry, exc_info=True)
            return None

    def write(self, name: str, value) -> None:
        """Keep `value` (worked out for `name`) in the copy, its manifest replaced whole."""
        kept = KEPT[name]
        stem = f"kept-{hashlib.sha256(name.encode()).hexdigest()[:12]}"
        temporary = self.entry / f".writing-{stem}-{os.getpid()}"
        try:
            temporary.mkdir()
            parts = {}
            for part, frame in kept.encode(value).items():
                parts[part] = _write_frame(temporary, f"{stem}-{len(parts):02d}.parquet", frame)
            for spec in parts.values():  # each table, and the distinct values of its codes
                for file in (spec["file"], *spec["coded"].values()):
                    os.replace(temporary / file, self.entry / file)
            saved = {"code": code_digest(kept.modules), "tables": parts}
            manifest_path = self.entry / _MANIFEST
            with _ADDING:
                manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
                manifest["kept"][name] = saved
                (temporary / _MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
                os.replace(temporary / _MANIFEST, manifest_path)
            self._kept[name] = saved
        except Exception:  # noqa: BLE001 - keeping it is a convenience: it is built already
            log.info("could not keep %s in %s", name, self.entry, exc_info=True)
        finally:
            shutil.rmtree(temporary, ignore_errors=True)


def _repeated_text(frame: pd.DataFrame) -> list[str]:
    """Columns of Python strings with repeated values (codes: practice, area, asset; the
    referral ids of outcomes and connections), which are saved as codes (`_write_frame`)."""
    return [
        str(column)
        for column in frame.columns
        if _python_text(frame[column]) and len(frame) and frame[column].nunique() < len(frame)
    ]  # fmt: skip


def _python_text(column: pd.Series | None) -> bool:
    """Whether `column` holds text as Python strings (as ids and codes are typed)."""
    dtype = getattr(column, "dtype", None)
    return isinstance(dtype, pd.StringDtype) and dtype.storage == "python"


def cache_locations(source: str | Path) -> list[Path]:
    """Where copies of this folder's (or database's) data are kept, in the order they are
    tried. A database's are in the user's cache folder, never beside it: a folder's copies
    are kept one a folder, and a database file may sit in a data folder."""
    setting = copies_setting()
    if setting == "off":
        return []
    url = database.database_url(source)
    if url is not None:
        name, identity = database.identity(url)
        digest = hashlib.sha256(identity.encode()).hexdigest()[:12]
        named = f"{file_slug(name, 'database')}-{digest}"
        return [Path(setting).expanduser() / named] if setting else [user_cache_dir() / named]
    resolved = Path(source).resolve()
    digest = hashlib.sha256(str(resolved).encode()).hexdigest()[:12]
    named = f"{file_slug(resolved.name, 'data')}-{digest}"
    if setting:
        return [Path(setting).expanduser() / named]
    return [resolved / CACHE_FOLDER, user_cache_dir() / named]


def _entries(source: str | Path, key: str) -> list[Path]:
    return [root / key for root in cache_locations(source)]


def user_cache_dir() -> Path:
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local"
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "socialrx"


def prepare_cache_folder(parent: Path) -> None:
    """Create the cache folder, marked so git and backup tools leave it alone."""
    parent.mkdir(parents=True, exist_ok=True)
    ignore = parent / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# socialrx's saved copy of the checked data: safe to delete\n*\n")
    tag = parent / "CACHEDIR.TAG"
    if not tag.exists():
        tag.write_text("Signature: 8a477f597d28d172789f06886806bc55\n# socialrx data cache\n")


LOADER = ("socialrx.data.loader", "socialrx.data.store", "socialrx.data.dataset")
_CODE_DIGESTS: dict[tuple[str, ...], str] = {}


def _code_digest() -> str:
    """A digest of the code that decides what a load produces (`loader_modules`)."""
    return code_digest(LOADER)


def code_digest(roots: tuple[str, ...]) -> str:
    """A digest of the code of the modules `roots` and of every socialrx module they import
    (`loader_modules`), worked out once a process."""
    if roots not in _CODE_DIGESTS:
        digest = hashlib.sha256()
        for name, path in loader_modules(roots).items():
            digest.update(name.encode() + b"\0" + Path(path).read_bytes())
        _CODE_DIGESTS[roots] = digest.hexdigest()
    return _CODE_DIGESTS[roots]


# `import socialrx.a, socialrx.b as c` and `from socialrx.a import b, (c as d)` anywhere in a
# module (a function's own imports too), read with a pattern: parsing every module the loader
# imports took a fifth of a second of a fresh server's start
_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+(socialrx[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)"
                     r"|import[ \t]+(socialrx[^\n]*))", re.MULTILINE)  # fmt: skip


def loader_modules(roots: tuple[str, ...] = LOADER) -> dict[str, str]:
    """socialrx's modules that `roots` (the loader and this module) import, directly or not,
    with their files: found by reading their import statements, so a new import is covered at
    once. A line of a docstring that reads as an import only adds a module."""
    found: dict[str, str] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in found:
            continue
        try:
            spec = importlib.util.find_spec(name)
        except ImportError:  # `from socialrx.data.loader import load_files`: not a module
            spec = None
        if spec is None or not spec.origin or not spec.origin.endswith(".py"):
            continue  # a name imported from a package, not a module
        found[name] = spec.origin
        for module, names, plain in _IMPORT.findall(Path(spec.origin).read_text("utf-8")):
            listed = re.sub(r"#[^\n]*", "", plain or names).strip("() \t").split(",")
            imported = [n.split(" as ")[0].strip() for n in listed]
            if plain:
                todo += [n for n in imported if n.startswith("socialrx")]
            else:
                todo += [module, *(f"{module}.{n}" for n in imported if n)]
    return dict(sorted(found.items()))


def _versions() -> list[str]:
    names = ("pandas", "pyarrow", "geopandas", "shapely", "numpy")
    return [f"{name}={_version(name)}" for name in names]


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"


# Each column's dtype, so what comes back is what went in: Parquet keeps the values, but not
# whether text was held as Python or Arrow strings, nor every nullable or datetime unit.
def _dtypes(frame: pd.DataFrame) -> dict[str, dict]:
    return {str(column): _dtype_spec(dtype) for column, dtype in frame.dtypes.items()}


def _dtype_spec(dtype) -> dict:
    if isinstance(dtype, pd.StringDtype):
        return {"string": dtype.storage, "nan": dtype.na_value is not pd.NA}
    if isinstance(dtype, pd.CategoricalDtype):
        return {"categories": _dtype_spec(dtype.categories.dtype), "ordered": dtype.ordered,
                "values": dtype.categories.tolist()}  # fmt: skip
    return {"name": str(dtype)}


def _restore(frame: pd.DataFrame, specs: dict[str, dict]) -> pd.DataFrame:
    geometry = getattr(frame, "_geometry_column_name", None)
    if [str(c) for c in frame.columns if c != geometry] != list(specs):
        raise ValueError("columns differ from the saved list")
    for column, spec in specs.items():
        have = frame[column].dtype
        if "categories" in spec:
            if not isinstance(have, pd.CategoricalDtype):
                raise ValueError(f"column {column} is not categorical")
            if "values" in spec and have.categories.tolist() != spec["values"]:  # all, in order
                frame[column] = frame[column].cat.set_categories(spec["values"])
                have = frame[column].dtype
            want = _dtype(spec["categories"])
            if have.categories.dtype != want:
                categories = have.categories.astype(want)
                frame[column] = frame[column].cat.rename_categories(categories)
            if have.ordered != spec["ordered"]:
                frame[column] = frame[column].cat.set_ordered(spec["ordered"])
            continue
        want = _dtype(spec)
        if have != want or repr(have) != repr(want):  # string storage shows only in repr
            frame[column] = frame[column].astype(want)
    return frame


def _dtype(spec: dict):
    if "string" in spec:
        return pd.StringDtype(spec["string"], na_value=float("nan") if spec["nan"] else pd.NA)
    return pd.api.types.pandas_dtype(spec["name"])


def _encode(value):
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, pd.Timestamp):
        return {"timestamp": value.isoformat(), "unit": value.unit}
    raise TypeError(f"cannot save a {type(value).__name__} in the manifest")


def _decode(value):
    if isinstance(value, dict) and "timestamp" in value:
        return pd.Timestamp(value["timestamp"]).as_unit(value["unit"])
    return value


def _encode_report(report: Report) -> dict:
    encoded = dataclasses.asdict(report)
    json.dumps(encoded)  # a field JSON cannot hold is a reason not to save
    return encoded


def _decode_report(saved: dict) -> Report:
    problems = [Problem(**p) for p in saved.pop("problems")]
    return Report(problems=problems, **saved)


# Within one process, the same content is one object: when the cache folder appears in a data
# folder after the first load, a caller keyed on the folder listing asks again, and gets the
# tables it already holds instead of a second copy in memory. Held weakly: this keeps nothing
# alive that its callers have let go.
_HELD: dict[str, tuple[weakref.ref, weakref.ref]] = {}


def _held(key: str) -> tuple[Dataset, Report] | None:
    refs = _HELD.get(key)
    if refs is None:
        return None
    dataset, report = refs[0](), refs[1]()
    return None if dataset is None or report is None else (dataset, report)


def _hold(key: str, loaded: tuple[Dataset, Report]) -> tuple[Dataset, Report]:
    for stale in [k for k, refs in _HELD.items() if refs[0]() is None]:
        del _HELD[stale]
    _HELD[key] = (weakref.ref(loaded[0]), weakref.ref(loaded[1]))
    return loaded
