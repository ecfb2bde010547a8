"""Give freed memory back to the system between the stages of a large load.

A load builds and drops millions of small GEOS and Python objects (raw WKB,
then geometries in the source CRS, then in VN-2000, then promoted to multi
types). glibc keeps the freed pages in its heaps, so the process's resident
size only grows and every stage's garbage adds to the next stage's peak —
measured at a million parcels: about 400 MB of freed-but-kept memory by the
time the swap starts, and the peak over the 2 GB the loader is allowed.
``malloc_trim`` returns those pages; it costs milliseconds.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _libc() -> Any:
    """glibc, or None where there is no ``malloc_trim`` (musl, macOS): there the call is a no-op."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    libc = ctypes.CDLL(name)
    return libc if hasattr(libc, "malloc_trim") else None


def give_back() -> None:
    """Return freed heap memory to the operating system."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
