"""Pairs of features whose shared area provably cannot exceed the overlap tolerance, found without GEOS.

Neighbouring parcels share edges, so their bounding boxes overlap, and where
one has a vertex on the other's edge (a T-junction, everywhere in a
cadastre) floating point leaves interiors that meet by 1e-9 m²: at 100,000
sample parcels 60,000 of 230,000 candidate pairs. Proving each harmless
with GEOS costs a DE-9IM relate and an intersection (most of a million-parcel
load's CPU on two cores, measured).

The bound, by the separating-axis argument: for the convex hulls Ha ⊇ a and
Hb ⊇ b and any edge normal n of either hull, Ha ∩ Hb lies in a slab as wide
as the overlap d of the two projections on n, and across n within the
narrower extent w of the two. So area(a ∩ b) ≤ area(Ha ∩ Hb) ≤ max(d, 0)·w.
A pair with an axis where d·w stays under the tolerance is dropped; every
other pair goes to the exact test, so the findings are the same as without
this filter. It is vectorised over pairs and tries one axis at a time,
stopping for each pair at its first proof (the shared edge's normal).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from loaders import blocks

# Hulls with more vertices than this go to the exact test directly (rare for parcels).
MAX_VERTICES = 32
SIZES = (4, 8, 16, MAX_VERTICES)  # pairs are tested in groups padded to these vertex counts
CHUNK = 50_000  # pairs per vectorised step
# Floating-point allowance (m²) on the bound, far below any tolerance worth setting.
SLACK_M2 = 1e-3


@dataclass(frozen=True)
class Hulls:
    """Every feature's convex hull as a vertex list (without the closing vertex); ``count`` 0: not usable."""

    coords: np.ndarray
    start: np.ndarray
    count: np.ndarray

    def vertices(self, ids: np.ndarray, size: int) -> np.ndarray:
        """(len(ids), size, 2) vertices, each hull padded by repeating its last vertex."""
        count = self.count[ids][:, None]
        return self.coords[self.start[ids][:, None] + np.minimum(np.arange(size)[None, :], count - 1)]


def hulls(geoms: np.ndarray) -> Hulls:
    """Block by block: only the vertices are kept, never a million hull geometries at once (≈ 500 MB)."""
    found = blocks.each_block(_hull_vertices, geoms)
    coords = np.concatenate([c for c, _ in found]) if found else np.empty((0, 2))
    stored = np.concatenate([s for _, s in found]) if found else np.empty(0, dtype=np.int64)
    start = np.cumsum(stored) - stored
    count = stored - 1
    count[(count < 3) | (count > MAX_VERTICES)] = 0
    return Hulls(coords, start, count)


def _hull_vertices(part: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The hulls' ring vertices (closing vertex included) and how many each has; no ring for a line or a point."""
    rings = shapely.get_exterior_ring(shapely.convex_hull(part))
    coords, index = shapely.get_coordinates(rings, return_index=True)
    return coords, np.bincount(index, minlength=len(part))


def below_tolerance(found: Hulls, left: np.ndarray, right: np.ndarray, tolerance: float) -> np.ndarray:
    """For each pair (left[i], right[i]): True when their shared area is proven to be at most ``tolerance``."""
    proven = np.zeros(len(left), dtype=bool)
    size_left, size_right = found.count[left], found.count[right]
    usable = (size_left > 0) & (size_right > 0)
    size = np.maximum(size_left, size_right)
    smaller = 0
    for padded in SIZES:
        group = np.flatnonzero(usable & (size > smaller) & (size <= padded))
        for begin in range(0, len(group), CHUNK):
            part = group[begin : begin + CHUNK]
            proven[part] = _separated(found, left[part], right[part], padded, tolerance - SLACK_M2)
        smaller = padded
    return proven


def _separated(found: Hulls, a: np.ndarray, b: np.ndarray, size: int, limit: float) -> np.ndarray:
    first, second = found.vertices(a, size), found.vertices(b, size)
    origin = first[:, :1, :].copy()  # project relative to one vertex: metres, not millions of metres
    first -= origin
    second -= origin
    proven = np.zeros(len(a), dtype=bool)
    for hull, count in ((first, found.count[a]), (second, found.count[b])):
        for corner in range(size):
            todo = np.flatnonzero(~proven & (corner < count))
            if todo.size == 0:
                continue
            nxt = np.where(corner + 1 < count[todo], corner + 1, 0)
            edge = hull[todo, nxt] - hull[todo, corner]
            proven[todo] = _slab_bound(first[todo], second[todo], edge) <= limit
    return proven


def _slab_bound(first: np.ndarray, second: np.ndarray, edge: np.ndarray) -> np.ndarray:
    """max(d, 0)·w along the normal of ``edge`` (inf for a zero-length edge, which proves nothing)."""
    length = np.hypot(edge[:, 0], edge[:, 1])
    with np.errstate(invalid="ignore", divide="ignore"):
        along = np.stack([-edge[:, 1], edge[:, 0]], axis=1) / length[:, None]
    across = np.stack([-along[:, 1], along[:, 0]], axis=1)
    depth = _overlap(_project(first, along), _project(second, along))
    width = np.minimum(np.ptp(_project(first, across), axis=1), np.ptp(_project(second, across), axis=1))
    bound = np.maximum(depth, 0.0) * width
    return np.where(length > 0, bound, np.inf)


def _project(vertices: np.ndarray, axis: np.ndarray) -> np.ndarray:
    return vertices[:, :, 0] * axis[:, 0, None] + vertices[:, :, 1] * axis[:, 1, None]


def _overlap(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    return np.minimum(first.max(axis=1), second.max(axis=1)) - np.maximum(first.min(axis=1), second.min(axis=1))
