"""Answers worked out from their inputs alone, kept for the most recent of them: shared by every
session of the process, as a page run (a new thread) cannot keep anything itself."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class Recent:
    """The answers for the `size` most recently asked keys. A key must stand for everything
    the answer depends on; the answer is shared, so it is only read."""

    def __init__(self, size: int):
        self.size = size
        self._kept: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The answer kept for `key`, or `make()`'s, then kept."""
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key]
        made = make()  # outside the lock: two threads may both make it, with the same answer
        with self._lock:
            self._kept[key] = made
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return made
