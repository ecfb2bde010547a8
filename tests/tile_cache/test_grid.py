"""The grid's own tile arithmetic agrees with morecantile's WebMercatorQuad, edges and clamping included."""

from __future__ import annotations

import random

import morecantile
import pytest

from tile_cache.grid import ORIGIN_M, tile_size_m, tiles_over

TMS = morecantile.tms.get("WebMercatorQuad")
# Tân Bình and around, in Web-Mercator metres.
DISTRICT = (11870000.0, 1195000.0, 11880000.0, 1205000.0)


@pytest.mark.parametrize("z", range(0, 23))
def test_tile_size_is_the_matrix_cell_size(z: int) -> None:
    bounds = TMS.xy_bounds(morecantile.Tile(0, 0, z))
    assert tile_size_m(z) == pytest.approx(bounds.right - bounds.left, rel=1e-9)


def test_tiles_over_a_box_are_morecantiles_tiles() -> None:
    pick = random.Random(1536)
    for _ in range(1000):
        z = pick.randint(8, 22)
        x0, y0 = pick.uniform(DISTRICT[0], DISTRICT[2]), pick.uniform(DISTRICT[1], DISTRICT[3])
        x1, y1 = x0 + pick.uniform(0, 30) * tile_size_m(z), y0 + pick.uniform(0, 30) * tile_size_m(z)
        found = tiles_over((x0, y0, x1, y1), z)
        expected = list(TMS.tiles(*TMS.lnglat(x0, y0), *TMS.lnglat(x1, y1), [z]))
        assert sorted(found) == sorted((t.x, t.y) for t in expected), (x0, y0, x1, y1, z)


def test_a_box_beyond_the_world_is_clamped_to_the_matrix() -> None:
    world = tiles_over((-2 * ORIGIN_M, -2 * ORIGIN_M, 2 * ORIGIN_M, 2 * ORIGIN_M), 3)
    assert (world.xs, world.ys) == (range(8), range(8))
