"""A fresh server's warm-up: once its first page is drawn, what the other pages need is made
ready in the background, so the first visitor to them, a second or more later, does not wait
for it. Once a process, the libraries they draw and model with (folium for the asset map,
statsmodels with scipy.stats for forecasts: about 0.6 s each); once a dataset, the
person-level tables most pages read and what the metrics keep (`dataset.KEPT`), where a saved
copy has not read them yet (the first page reads none: at the region's size about 1 s for two
million rows). Imports, `Tables` and `Dataset.derived` are thread-safe: a page that needs one
before the warm-up has it waits for the same import or read, never repeats it."""

from __future__ import annotations

import importlib
import logging
import threading
import time
import weakref

from socialrx.data.dataset import Dataset, Tables

log = logging.getLogger(__name__)

LIBRARIES = ("socialrx.views.figures", "statsmodels.tsa.exponential_smoothing.ets")
# not the outcomes: pages read what the metrics keep of them (`selection.measured`), and the
# region's 3.8 million rows would hold about 200 MB for nothing
TABLES = ("referrals", "connections")
_STARTED = threading.Lock()
_THREADS: list[threading.Thread] = []
_libraries_begun = False
# each dataset's tables, by id, while they live: read once however many sessions open them
_TABLES_BEGUN: dict[int, weakref.ref] = {}


def warm_up(dataset: Dataset) -> None:
    """Start importing `LIBRARIES` (once per process), and reading `dataset`'s `TABLES` and
    what the metrics keep (once per dataset, from its saved copy), in the background."""
    global _libraries_begun
    tables = dataset.tables if isinstance(dataset.tables, Tables) else None
    with _STARTED:
        libraries, _libraries_begun = not _libraries_begun, True
        if tables is not None:
            seen = _TABLES_BEGUN.get(id(tables))
            if seen is not None and seen() is tables:
                tables = None
            else:
                for gone in [key for key, ref in _TABLES_BEGUN.items() if ref() is None]:
                    del _TABLES_BEGUN[gone]
                _TABLES_BEGUN[id(tables)] = weakref.ref(tables)
        if not libraries and tables is None:
            return
        ready = dataset if tables is not None else None
        thread = threading.Thread(target=_warm, args=(libraries, ready),
                                  name="socialrx-warm-up", daemon=True)  # fmt: skip
        _THREADS[:] = [t for t in _THREADS if t.is_alive()] + [thread]
    thread.start()


def _warm(libraries: bool, dataset: Dataset | None) -> None:
    if libraries:
        for name in LIBRARIES:
            try:
                importlib.import_module(name)
            except ImportError:  # the page that needs it says so
                log.info("could not import %s ahead of its page", name, exc_info=True)
    if dataset is None:
        return
    tables = dataset.tables
    for name in TABLES:
        if name not in tables:
            continue
        try:
            tables[name]
        except Exception:  # noqa: BLE001 - the page that reads it reports the problem
            log.info("could not read the %s table ahead of its page", name, exc_info=True)
    dataset.work_out_kept()  # from the copy, as the pages asking for them would


def warmed(timeout: float | None = None) -> bool:
    """Whether every warm-up begun has finished (waiting up to `timeout` seconds for them)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    for thread in list(_THREADS):
        thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
    return not any(thread.is_alive() for thread in _THREADS)
