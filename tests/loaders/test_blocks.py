"""Geometry work split in blocks over the cores gives exactly what the whole array gives, in order."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import CRS

from loaders import blocks
from loaders.reproject import to_vn2000


def _squares(n: int) -> np.ndarray:
    """Small squares in WGS84 across Tân Bình, one per index so that order errors show."""
    lon = 106.64 + (np.arange(n) % 100) * 0.0002
    lat = 10.79 + (np.arange(n) // 100) * 0.0002
    return shapely.box(lon, lat, lon + 0.0001, lat + 0.0001)


@pytest.mark.parametrize("block", [7, 1000, 10**6])
def test_reprojection_by_blocks_equals_the_whole(monkeypatch: pytest.MonkeyPatch, block: int) -> None:
    geoms = _squares(2500)
    monkeypatch.setattr(blocks, "BLOCK", 10**9)
    whole = shapely.get_coordinates(to_vn2000(geoms, CRS.from_epsg(4326)))
    monkeypatch.setattr(blocks, "BLOCK", block)
    split = shapely.get_coordinates(to_vn2000(geoms, CRS.from_epsg(4326)))
    assert np.array_equal(whole, split)


def test_blocks_keep_the_order_of_their_input(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blocks, "BLOCK", 3)
    values = np.arange(100)
    assert np.array_equal(blocks.map_blocks(lambda a: a * 2, values), values * 2)


@pytest.mark.parametrize("block", [7, 1000, 10**6])
def test_hull_vertices_by_blocks_equal_the_whole(monkeypatch: pytest.MonkeyPatch, block: int) -> None:
    from loaders import overlap_bound

    geoms = np.array([shapely.affinity.rotate(g, 13) for g in _squares(2500)], dtype=object)
    monkeypatch.setattr(blocks, "BLOCK", 10**9)
    whole = overlap_bound.hulls(geoms)
    monkeypatch.setattr(blocks, "BLOCK", block)
    split = overlap_bound.hulls(geoms)
    for name in ("coords", "start", "count"):
        assert np.array_equal(getattr(whole, name), getattr(split, name)), name
    assert np.array_equal(split.vertices(np.arange(2500), 4)[:, :, 0].min(axis=1), shapely.bounds(geoms)[:, 0])
