"""Freed memory handed back to the system, so a server's resident memory is what it holds.

glibc's allocator (Linux) serves an array from its heap unless the array is larger than a
threshold, and after each large array is freed it raises that threshold to the array's size (up
to 32 MB). A page's figures over a region's million referrals make and free arrays of 8-30 MB
by the hundred; once the threshold has risen they all come from the heap, which keeps their
memory when they are freed. Measured on the region (the overview, Referral flows and Capacity
opened in one process, before the compact columns): 1,640-1,680 MB resident without, 1,330-1,390
MB with the threshold fixed, peak 1,820 against 1,630-1,640 MB, for about 2-3 CPU s more of
system time (pages mapped and unmapped) in a run of 24. Fixed at 1 MiB, every larger array
has pages of its own, returned as soon as it is freed. Elsewhere (macOS, Windows, musl)
nothing is changed.
"""

from __future__ import annotations

import ctypes
import sys

_M_MMAP_THRESHOLD = -3  # mallopt's parameter, from glibc's malloc.h
LARGE = 1 << 20


def map_large_arrays() -> bool:
    """Fix glibc's threshold for arrays given pages of their own at `LARGE`; False where the
    allocator is not glibc's."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, LARGE))
