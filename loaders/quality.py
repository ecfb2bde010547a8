"""Stage 5b — data-quality checks that need the whole layer: district extent, overlaps, area gaps.

Features outside the district are rejected; overlaps and official-vs-computed
area gaps are warnings (``--strict`` makes them fatal). Thresholds are here,
in one place, in square metres and ratios of VN-2000 areas.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import shapely

from layers.registry import Layer
from loaders import blocks, memory, overlap_bound
from loaders.mapping import Problem

DISTRICT_MARGIN_M = 200.0
OVERLAP_TOLERANCE_M2 = 0.5
AREA_GAP_RATIO = 0.05
AREA_GAP_MIN_M2 = 1.0
OVERLAP_BLOCK = 100_000  # features whose candidate pairs are tested together
OUTSIDE = "outside the district"  # how every such finding starts (the CLI recognises a file wholly outside)


def outside(fids: np.ndarray, geoms: np.ndarray, district: shapely.Geometry) -> list[Problem]:
    """Features that do not touch the district (plus a margin): wrong CRS or wrong file, most often."""
    zone = shapely.buffer(district, DISTRICT_MARGIN_M)
    shapely.prepare(zone)
    present = ~shapely.is_missing(geoms)
    bad = present & ~shapely.intersects(zone, geoms)
    return [
        Problem(int(fids[i]), "geometry", f"{OUTSIDE} (more than {DISTRICT_MARGIN_M:.0f} m from its wards)")
        for i in np.flatnonzero(bad)
    ]


def _overlapping_pairs(geoms: np.ndarray, left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs whose interiors meet (DE-9IM 2********), with the shared area; GEOS runs without the GIL."""
    hits = shapely.relate_pattern(geoms[left], geoms[right], "2********")
    left, right = left[hits], right[hits]
    return np.column_stack([left, right]), shapely.area(shapely.intersection(geoms[left], geoms[right]))


@dataclass(frozen=True)
class _OverlapSearch:
    fids: np.ndarray
    geoms: np.ndarray
    tree: shapely.STRtree
    bounds: np.ndarray
    hulls: overlap_bound.Hulls
    pool: ThreadPoolExecutor

    def candidates(self, start: int) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (i < j, i in the block) that may share more than the tolerance: their boxes do, and their hulls
        leave room for it (``overlap_bound``); no other pair could."""
        left, right = self.tree.query(self.geoms[start : start + OVERLAP_BLOCK])
        left += start
        keep = left < right
        left, right = left[keep], right[keep]
        a, b = self.bounds[left], self.bounds[right]
        width = np.minimum(a[:, 2], b[:, 2]) - np.maximum(a[:, 0], b[:, 0])
        height = np.minimum(a[:, 3], b[:, 3]) - np.maximum(a[:, 1], b[:, 1])
        keep = (width > 0) & (height > 0) & (width * height > OVERLAP_TOLERANCE_M2)
        left, right = left[keep], right[keep]
        keep = ~overlap_bound.below_tolerance(self.hulls, left, right, OVERLAP_TOLERANCE_M2)
        return left[keep], right[keep]

    def block(self, start: int) -> list[Problem]:
        """Overlaps between the features ``start`` … ``start + OVERLAP_BLOCK`` and any later feature."""
        left, right = self.candidates(start)
        shares = np.array_split(np.arange(len(left)), blocks.workers())
        parts = list(self.pool.map(lambda part: _overlapping_pairs(self.geoms, left[part], right[part]), shares))
        pairs = np.concatenate([p for p, _ in parts])
        areas = np.concatenate([a for _, a in parts])
        fids = self.fids
        return [
            Problem(
                int(fids[pairs[k, a]]), "geometry", f"overlaps feature {int(fids[pairs[k, b]])} by {areas[k]:.1f} m²"
            )
            for k in np.flatnonzero(areas > OVERLAP_TOLERANCE_M2)
            for a, b in ((0, 1), (1, 0))
        ]


def overlaps(layer: Layer, fids: np.ndarray, geoms: np.ndarray) -> list[Problem]:
    """Pairs of features of an exclusive layer sharing more than the tolerance.

    Candidate pairs come from the STRtree by bounding box, less those whose
    convex hulls prove them under the tolerance (``overlap_bound``), a block of
    features at a time so that the pairs and their intersections never all
    sit in memory at once (at a million parcels, all at once cost 600 MB);
    the exact test runs on every core (``blocks.workers``: GEOS releases the
    GIL).
    """
    if not layer.exclusive or len(geoms) < 2:
        return []
    found: list[Problem] = []
    with ThreadPoolExecutor(max_workers=blocks.workers()) as pool:
        hulls = overlap_bound.hulls(geoms)
        search = _OverlapSearch(fids, geoms, shapely.STRtree(geoms), shapely.bounds(geoms), hulls, pool)
        for start in range(0, len(geoms), OVERLAP_BLOCK):
            found += search.block(start)
    memory.give_back()
    return found


def area_gaps(layer: Layer, fids: np.ndarray, geoms: np.ndarray, official: list[object] | None) -> list[Problem]:
    """Official area (diện tích) against the area computed in VN-2000, beyond 5 % and 1 m²."""
    if official is None or "area" not in layer.field_names:
        return []
    stated = np.array([np.nan if v is None else float(v) for v in official], dtype=np.float64)  # type: ignore[arg-type]
    computed = shapely.area(geoms)
    gap = np.abs(stated - computed)
    bad = (gap > AREA_GAP_MIN_M2) & (gap > AREA_GAP_RATIO * stated)
    return [
        Problem(int(fids[i]), "area", f"official {stated[i]:.1f} m² but the geometry measures {computed[i]:.1f} m²")
        for i in np.flatnonzero(bad)
    ]
