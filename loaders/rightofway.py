"""Right-of-way polygons from centrelines (DOMAIN.md §6).

When a road or alley source gives centrelines with a lộ giới width instead of
red-line polygons, the right of way is the centreline buffered by half the
width with flat caps and mitred joins; the centreline is kept beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from layers.registry import Layer
from loaders.mapping import MappedTable, Problem

_LINE_TYPES = (1, 5)  # LineString, MultiLineString


@dataclass
class Derived:
    geoms: np.ndarray
    centrelines: np.ndarray | None
    derived: int
    problems: list[Problem]


def derive_right_of_way(layer: Layer, fids: np.ndarray, geoms: np.ndarray, mapped: MappedTable) -> Derived:
    """Buffer lineal features of a centreline layer by half their `row_width`; other features pass through."""
    if not layer.centreline:
        return Derived(geoms, None, 0, [])
    lineal = np.isin(shapely.get_type_id(geoms), _LINE_TYPES)
    if not lineal.any():
        return Derived(geoms, None, 0, [])
    widths = np.array([np.nan if w is None else float(w) for w in mapped.columns["row_width"]], dtype=np.float64)
    usable = lineal & (widths > 0)
    problems = [
        Problem(int(fids[i]), "row_width", "a centreline needs a positive lộ giới width to derive its right of way")
        for i in np.flatnonzero(lineal & ~usable)
    ]
    out = geoms.copy()
    out[usable] = shapely.buffer(geoms[usable], widths[usable] / 2.0, cap_style="flat", join_style="mitre")
    centrelines = np.full(len(geoms), None, dtype=object)
    lines = geoms[lineal]
    single = shapely.get_type_id(lines) == 1
    if single.any():
        lines[single] = shapely.multilinestrings(lines[single], indices=np.arange(int(single.sum())))
    centrelines[lineal] = lines
    return Derived(out, centrelines, int(usable.sum()), problems)
