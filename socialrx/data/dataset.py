"""The loaded dataset: one typed table per contract table, plus the boundaries and metadata."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from socialrx.data.schema import TABLES
from socialrx.data.tables import absent

log = logging.getLogger(__name__)

DEMO_SOURCE = "socialrx demo data (synthetic)"


# Columns the loader adds to a table after checking it, so an absent table has them too.
DERIVED = {"assets": {"stale": "boolean", "area_code": "string"}}


def empty_table(name: str) -> pd.DataFrame:
    """A table with the contract's columns (and those the loader derives), and no rows."""
    columns = {c.name: absent(c, pd.RangeIndex(0)) for c in TABLES[name].columns}
    columns |= {c: pd.Series([], dtype=t) for c, t in DERIVED.get(name, {}).items()}
    return pd.DataFrame(columns)


@dataclass(frozen=True)
class Kept:
    """How something worked out once per dataset (`Dataset.derived`) is kept in the dataset's
    saved copy (`socialrx.data.store`), so that a fresh server reads it instead of working it
    out again: as named tables (`encode`), turned back into the thing by `decode`. `modules`
    name the code that builds it: a copy kept by other code is not read, but built afresh.
    `ask`: how a page asks for it (given the dataset), so a new copy can hold it from the
    start (`store`)."""

    encode: Callable[[Any], dict[str, pd.DataFrame]]
    decode: Callable[[dict[str, pd.DataFrame]], Any]
    modules: tuple[str, ...]
    ask: Callable[[Dataset], Any]


# What the metrics keep per dataset, by the name they ask `Dataset.derived` for: filled by
# the modules that work it out (the data layer knows only tables, not what they mean).
KEPT: dict[str, Kept] = {}


def keep(name: str, encode, decode, *modules: str, ask: Callable[[Dataset], Any]) -> None:
    """Keep `name` (a `Dataset.derived` name) in saved copies; see `Kept`."""
    KEPT[name] = Kept(encode, decode, modules, ask)


class Tables(Mapping):
    """A dataset's tables, each read when first asked for (`store.read_copy`): a fresh
    server's first page waits only for the tables it uses. Read-only, as a dict of them is;
    every name is known from the start (`in`, `len` and iterating read nothing), and so is
    each table's number of rows where `rows` gives it (`count`)."""

    def __init__(
        self, readers: dict[str, Callable[[], pd.DataFrame]], rows: dict[str, int] | None = None
    ) -> None:
        self._readers = dict(readers)
        self._rows = dict(rows or {})
        self._read: dict[str, pd.DataFrame] = {}
        self._lock = threading.Lock()  # two sessions asking at once read a table once

    def __getitem__(self, name: str) -> pd.DataFrame:
        frame = self._read.get(name)
        if frame is None:
            reader = self._readers[name]  # KeyError for a table not supplied, as a dict
            with self._lock:
                frame = self._read.get(name)
                if frame is None:
                    frame = self._read[name] = reader()
        return frame

    def count(self, name: str) -> int:
        """The table's number of rows, read only when it was not given."""
        if name in self._rows and name not in self._read:
            return self._rows[name]
        return len(self[name])

    def __iter__(self) -> Iterator[str]:
        return iter(self._readers)

    def __len__(self) -> int:
        return len(self._readers)

    def __contains__(self, name: object) -> bool:
        return name in self._readers


_LOCKING = threading.Lock()  # hands out `Dataset._locks`


@dataclass
class Dataset:
    """Read-only once loaded: pages filter it, domain functions summarise it."""

    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)  # a dict, or `Tables`
    areas: object | None = None  # geopandas.GeoDataFrame in WGS84, or None
    extract_date: pd.Timestamp | None = None
    lsoa_vintage: str | None = None
    place_name: str = ""
    source: str = ""
    content_hash: str = ""
    _derived: dict = field(default_factory=dict, repr=False, compare=False)
    # the saved copy these tables were read from or saved to (`store.SavedCopy`), which keeps
    # what is derived from them (`KEPT`); it checks the tables are still these before it serves
    _copy: Any = field(default=None, repr=False, compare=False)
    # one lock a derived name: a page and the server's warm-up asking at once build it once
    _locks: dict = field(default_factory=dict, repr=False, compare=False)

    def has(self, name: str) -> bool:
        """True if the table was supplied (it may still have no rows)."""
        if name == "areas":
            return self.areas is not None
        return name in self.tables

    def table(self, name: str) -> pd.DataFrame:
        """The table, or an empty one of the right shape when it was not supplied."""
        frame = self.tables.get(name)
        return empty_table(name) if frame is None else frame

    def rows(self, name: str) -> int:
        """How many rows the table has (0 when not supplied), without reading a table the
        saved copy has not read yet: its manifest says."""
        if isinstance(self.tables, Tables) and name in self.tables:
            return self.tables.count(name)
        return len(self.table(name))

    def derived(self, name: str, build):
        """Something worked out from the read-only tables once per dataset (an index joining
        two tables, say) and shared by every rerun and page that asks for it by `name`. What
        the metrics keep (`KEPT`) is read from the saved copy when it holds it, and put there
        once built when it does not."""
        if name in self._derived:
            return self._derived[name]
        with _LOCKING:
            lock = self._locks.setdefault(name, threading.Lock())
        with lock:  # per name: what it is built from (other names) has locks of its own
            if name not in self._derived:
                copy = self._copy if name in KEPT and self._copy is not None else None
                if copy is not None and not copy.holds(self):
                    copy = None
                value = None if copy is None else copy.read(name)
                if value is None:
                    value = build()
                    if copy is not None:
                        copy.write(name, value)
                self._derived[name] = value
        return self._derived[name]

    def work_out_kept(self) -> None:
        """Ask for everything the metrics keep (`KEPT`), as the pages would: read from the
        saved copy where it holds them, built (and put there) where it does not. What fails
        is left to the page that asks for it, which says what is wrong."""
        for name, kept in KEPT.items():
            try:
                kept.ask(self)
            except Exception:  # noqa: BLE001 - the page asking for it reports the problem
                log.info("could not work out %s ahead of its page", name, exc_info=True)

    @property
    def is_demo(self) -> bool:
        return self.source == DEMO_SOURCE

    @property
    def label(self) -> str:
        """How the data is named wherever it is shown."""
        place = self.place_name or "your data"
        return f"{place} (demo data)" if self.is_demo else place
