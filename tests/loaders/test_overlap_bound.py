"""The hull bound drops only pairs whose shared area is provably within the tolerance, checked against GEOS."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import shapely

from layers import registry
from loaders import overlap_bound, quality

TOLERANCE = quality.OVERLAP_TOLERANCE_M2


def _candidate_pairs(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    left, right = shapely.STRtree(geoms).query(geoms)
    keep = left < right
    return left[keep], right[keep]


def _shared_areas(geoms: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    return shapely.area(shapely.intersection(geoms[left], geoms[right]))


def _check(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair proven by the bound shares at most the tolerance; returns (proven, exact areas)."""
    left, right = _candidate_pairs(geoms)
    proven = overlap_bound.below_tolerance(overlap_bound.hulls(geoms), left, right, TOLERANCE)
    areas = _shared_areas(geoms, left, right)
    assert not np.any(proven & (areas > TOLERANCE)), areas[proven].max()
    return proven, areas


def test_on_the_sample_parcels_touching_neighbours_are_proven_and_nothing_else(sample_district: Any) -> None:
    """Real cadastral shapes with T-junctions: the bound settles nearly every pair GEOS would have to test."""
    geoms = np.asarray(sample_district["parcels"].geoms[:5000], dtype=object)
    proven, areas = _check(geoms)
    touching = areas <= TOLERANCE
    assert proven.sum() >= 0.95 * touching.sum()


def test_parcels_moved_into_their_neighbours_are_never_proven(sample_district: Any) -> None:
    geoms = np.asarray(sample_district["parcels"].geoms[:3000], dtype=object).copy()
    pick = np.random.default_rng(1536)
    moved = pick.choice(len(geoms), 300, replace=False)
    geoms[moved] = [shapely.affinity.translate(g, *pick.uniform(-3, 3, 2)) for g in geoms[moved]]
    proven, areas = _check(geoms)
    assert (areas > TOLERANCE).sum() > 100  # the test does plant real overlaps
    assert np.all(~proven[areas > TOLERANCE])


@pytest.mark.parametrize("angle", [0.0, 17.0, 45.0, 89.0])
def test_slivers_under_and_over_the_tolerance(angle: float) -> None:
    """Two 20 m squares overlapping by a 1 cm strip (0.2 m²) or a 5 cm strip (1 m²), at any rotation."""
    base = shapely.box(0, 0, 20, 20)
    pairs = [(base, shapely.affinity.translate(base, 20 - strip, 0)) for strip in (0.01, 0.05)]
    geoms = np.array([shapely.affinity.rotate(g, angle, origin=(0, 0)) for pair in pairs for g in pair], dtype=object)
    left, right = np.array([0, 2]), np.array([1, 3])
    proven = overlap_bound.below_tolerance(overlap_bound.hulls(geoms), left, right, TOLERANCE)
    assert proven.tolist() == [True, False]


def test_shapes_the_bound_cannot_judge_go_to_the_exact_test() -> None:
    """An L around a square (hulls overlap, shapes do not), a 64-gon, a line: never proven, never dropped."""
    ell = shapely.Polygon([(0, 0), (30, 0), (30, 10), (10, 10), (10, 30), (0, 30)])
    notch = shapely.box(12, 12, 28, 28)
    circle = shapely.Point(5, 5).buffer(10, quad_segs=16)
    line = shapely.LineString([(0, 0), (30, 30)]).buffer(0)  # empty polygon: no hull ring
    geoms = np.array([ell, notch, circle, shapely.box(0, 0, 10, 10), line], dtype=object)
    found = overlap_bound.hulls(geoms)
    assert found.count.tolist() == [5, 4, 0, 4, 0]
    proven = overlap_bound.below_tolerance(found, np.array([0, 2, 0]), np.array([1, 3, 4]), TOLERANCE)
    assert proven.tolist() == [False, False, False]


def test_the_overlap_check_reports_the_same_pairs_with_and_without_the_bound(
    sample_district: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    geoms = np.asarray(sample_district["parcels"].geoms[:3000], dtype=object).copy()
    pick = np.random.default_rng(7)
    moved = pick.choice(len(geoms), 200, replace=False)
    geoms[moved] = [shapely.affinity.translate(g, *pick.uniform(-2, 2, 2)) for g in geoms[moved]]
    fids = np.arange(len(geoms))
    with_bound = quality.overlaps(registry.PARCELS, fids, geoms)
    monkeypatch.setattr(overlap_bound, "below_tolerance", lambda hulls, left, right, tolerance: left < 0)
    without = quality.overlaps(registry.PARCELS, fids, geoms)
    assert with_bound and sorted((p.fid, p.message) for p in with_bound) == sorted((p.fid, p.message) for p in without)
