"""A fresh server's warm-up: once its first page is drawn, the libraries the other pages draw
and model with are imported in the background (folium for the asset map, statsmodels with
scipy.stats for forecasts: about 0.6 s each), so the first visitor to those pages, a second
or more later, does not wait for them. Imports are thread-safe: a page that needs a library
before the warm-up has it waits for the same import, never repeats it."""

from __future__ import annotations

import importlib
import logging
import threading

log = logging.getLogger(__name__)

LIBRARIES = ("socialrx.views.figures", "statsmodels.tsa.exponential_smoothing.ets")
_STARTED = threading.Lock()
_DONE = threading.Event()
_begun = False


def warm_up() -> None:
    """Start importing `LIBRARIES` in the background, once per process."""
    global _begun
    with _STARTED:
        if _begun:
            return
        _begun = True
    threading.Thread(target=_import_libraries, name="socialrx-warm-up", daemon=True).start()


def _import_libraries() -> None:
    try:
        for name in LIBRARIES:
            try:
                importlib.import_module(name)
            except ImportError:  # the page that needs it says so
                log.info("could not import %s ahead of its page", name, exc_info=True)
    finally:
        _DONE.set()


def warmed(timeout: float | None = None) -> bool:
    """Whether the warm-up has finished (waiting up to `timeout` seconds for it)."""
    return _DONE.wait(timeout)
