"""The byte budget (``GIS_TILE_MAX_BYTES``): a layer denser than its zoom keeps its largest features, within budget.

The sample is far too sparse to reach 500 KB, so each test lowers the budget
below the size of a real tile and checks the thinned tile against PostGIS.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mapbox_vector_tile
import morecantile
import pytest
from django.db import connection
from django.test import Client

from tile_cache.grid import ORIGIN_M, tile_size_m


def densest_tile(z: int) -> morecantile.Tile:
    """The tile at zoom z holding the most parcels (by their points on surface)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT floor((ST_X(p) + %(o)s) / %(s)s), floor((%(o)s - ST_Y(p)) / %(s)s) FROM "
            "(SELECT ST_PointOnSurface(geom_3857) p FROM layer_parcels) c GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1",
            {"o": ORIGIN_M, "s": tile_size_m(z)},
        )
        x, y = cursor.fetchone()
    return morecantile.Tile(int(x), int(y), z)


def _get(client: Client, tileset: str, tile: morecantile.Tile) -> bytes:
    response = client.get(f"/tiles/{tileset}/{tile.z}/{tile.x}/{tile.y}.mvt")
    assert response.status_code == 200
    return bytes(response.content)


def _ids(data: bytes, layer: str = "parcels") -> set[int]:
    return {int(f["id"]) for f in mapbox_vector_tile.decode(data)[layer]["features"]}


def _sizes(ids: set[int]) -> dict[int, float]:
    """What the thinning ranks by, computed by PostGIS on its own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, ST_Area(geom_3857) + ST_Length(geom_3857) FROM layer_parcels WHERE id = ANY(%s)", [list(ids)]
        )
        return {int(i): float(size) for i, size in cursor.fetchall()}


@pytest.mark.django_db
def test_a_tile_over_budget_keeps_the_largest_features_and_fits(client: Client, settings: Any) -> None:
    tile = densest_tile(16)
    full = _get(client, "parcels", tile)
    everything = _ids(full)
    settings.GIS_TILE_MAX_BYTES = len(full) // 3
    thinned = _get(client, "parcels", tile)
    kept = _ids(thinned)
    assert len(thinned) <= settings.GIS_TILE_MAX_BYTES
    assert kept and kept < everything and len(kept) < len(everything) / 2
    sizes = _sizes(everything)
    assert min(sizes[i] for i in kept) >= max(sizes[i] for i in everything - kept)


@pytest.mark.django_db
def test_thinning_is_the_same_on_every_render_and_the_next_zoom_has_the_rest(
    client: Client, settings: Any, tile_dir: Path
) -> None:
    tile = densest_tile(16)
    full = _get(client, "parcels", tile)
    settings.GIS_TILE_MAX_BYTES = len(full) // 3
    first = _get(client, "parcels", tile)
    for cached in tile_dir.rglob("*.mvt"):
        cached.unlink()
    assert _get(client, "parcels", tile) == first
    settings.GIS_TILE_MAX_BYTES = len(full) * 2  # children are a quarter of the parent: none is thinned
    children = set().union(*(_ids(_get(client, "parcels", child)) for child in morecantile.tms.get(
        "WebMercatorQuad").children(tile)))  # fmt: skip
    assert _ids(full) <= children
    assert _ids(full) - _ids(first)  # what the thinned tile left out is at z17


@pytest.mark.django_db
def test_a_tile_of_several_layers_fits_the_budget_as_a_whole(client: Client, settings: Any) -> None:
    tile = densest_tile(16)
    full = _get(client, "ioc", tile)
    layers = mapbox_vector_tile.decode(full)
    settings.GIS_TILE_MAX_BYTES = len(full) // 3
    thinned = _get(client, "ioc", tile)
    assert len(thinned) <= settings.GIS_TILE_MAX_BYTES
    decoded = mapbox_vector_tile.decode(thinned)
    assert set(decoded) == set(layers)  # thinned, never emptied
    assert all(decoded[name]["features"] for name in decoded)


@pytest.mark.django_db
def test_a_tile_under_budget_is_not_thinned(client: Client, settings: Any) -> None:
    tile = densest_tile(16)
    settings.GIS_TILE_MAX_BYTES = 10**9
    full = _get(client, "parcels", tile)
    settings.GIS_TILE_MAX_BYTES = len(full)
    assert _get(client, "parcels", tile) == full


def test_the_budget_is_part_of_the_cache_version(settings: Any) -> None:
    from tile_cache import mvt

    settings.GIS_TILE_MAX_BYTES = 500_000
    before = mvt.schema_version()
    settings.GIS_TILE_MAX_BYTES = 400_000
    assert mvt.schema_version() != before


def _executed_plan(tileset: str, tile: morecantile.Tile, budget: int) -> str:
    from tile_cache.grid import address
    from tile_cache.mvt import tile_sql

    statement, params = tile_sql(address(tileset, tile.z, tile.x, tile.y), budget)
    with connection.cursor() as cursor:
        cursor.execute(b"EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF) " + statement, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.django_db
@pytest.mark.parametrize("budget", [500_000, 1_000])
def test_each_feature_is_clipped_once_and_a_thinned_layer_clips_only_what_it_keeps(budget: int) -> None:
    """ST_AsMVTGeom is most of a tile's cost: never in a filter (where PostgreSQL would run it a second time for
    the output), and when thinning, after the ranking, not before it."""
    plan = _executed_plan("parcels", densest_tile(18), budget).lower()
    assert ("windowagg (actual" in plan) == (budget < 500_000)  # the thinned encoding ran only when over budget
    clipping = [line.strip() for line in plan.splitlines() if "st_asmvtgeom" in line]
    assert clipping and all(line.startswith("output: st_asmvt(row(") for line in clipping), clipping
