"""Whole-array geometry work split in blocks over the machine's cores.

GEOS (through shapely) and PROJ (through pyproj) release the GIL, so one
array cut in blocks runs on every core at once. Measured at 400,000 parcels
on the two-core machines: the VN-2000 reprojection 2.7 s instead of 7.1 s,
the validity test 0.7 s instead of 1.1 s. Blocks also keep the temporary
coordinate arrays of a reprojection small.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

BLOCK = 50_000


def workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def map_blocks(func: Callable[[np.ndarray], np.ndarray], values: np.ndarray) -> np.ndarray:
    """``func`` applied to ``values`` block by block, in as many threads as there are cores; same result."""
    if len(values) <= BLOCK or workers() == 1:
        return func(values)
    parts = [values[start : start + BLOCK] for start in range(0, len(values), BLOCK)]
    with ThreadPoolExecutor(max_workers=workers(), thread_name_prefix="gis-blocks") as pool:
        return np.concatenate(list(pool.map(func, parts)))
