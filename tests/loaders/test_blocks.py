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


@pytest.mark.parametrize("block", [1, 3, 10**6])
def test_reprojection_equals_shapely_transform_for_every_kind_of_geometry(
    monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    """The datum shift reads out all coordinates, shifts them in threads and writes them back block by block:
    the same 2D result as ``shapely.transform`` with the same transformer, missing and empty features kept,
    and the caller's array untouched."""
    from layers import crs as vn

    ring = [(106.64, 10.79), (106.65, 10.79), (106.65, 10.80), (106.64, 10.80)]
    hole = [(106.642, 10.792), (106.643, 10.792), (106.643, 10.793)]
    geoms = np.array(
        [
            shapely.Polygon(ring, [hole]),
            None,
            shapely.MultiPolygon([shapely.Polygon(ring), shapely.box(106.66, 10.81, 106.67, 10.82)]),
            shapely.Polygon(),
            shapely.LineString(ring),
            shapely.Point(106.645, 10.795, 7.0),
            *_squares(20),
        ],
        dtype=object,
    )
    before = shapely.to_wkb(geoms)
    shift = vn.transformer_from(CRS.from_epsg(4326))
    expected = shapely.transform(geoms, lambda xy: np.column_stack(shift.transform(xy[:, 0], xy[:, 1])))
    monkeypatch.setattr(blocks, "BLOCK", block)
    got = to_vn2000(geoms, CRS.from_epsg(4326))
    assert list(shapely.to_wkb(got)) == list(shapely.to_wkb(expected))
    assert list(shapely.to_wkb(geoms)) == list(before)
