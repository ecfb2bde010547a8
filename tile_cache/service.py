"""Serve a vector tile: from the cache, or rendered by one SQL statement and cached.

A tile rendered from a snapshot older than a load that committed meanwhile is
served but never kept: the newest load id of the tileset's layers is read in
the render's own snapshot and again after the write, and the write is undone
if they differ. A load committing after that second read purges after its
commit, so the race between a slow render and a purge is closed either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection
from psycopg import sql

from tile_cache import mvt, store
from tile_cache.grid import TileAddress, address


@dataclass(frozen=True)
class Tile:
    data: bytes
    cached: bool


def _latest_load(tile: TileAddress) -> tuple[sql.SQL, list[Any]]:
    return sql.SQL("SELECT COALESCE(max(id), 0) FROM gis_load WHERE layer = ANY(%s)"), [
        [layer.id for layer in tile.tileset.layers]
    ]


def _render(tile: TileAddress) -> tuple[bytes, int]:
    statement, params = mvt.tile_sql(tile)
    latest, latest_params = _latest_load(tile)
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("SELECT ({}), ({})").format(latest, statement), [*latest_params, *params])
        marker, data = cursor.fetchone()
    return bytes(data), int(marker)


def _marker(tile: TileAddress) -> int:
    statement, params = _latest_load(tile)
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return int(cursor.fetchone()[0])


def get_tile(tileset: str, z: int, x: int, y: int) -> Tile:
    """The tile's bytes (empty for an empty tile); raises NotFound for a bad address."""
    tile = address(tileset, z, x, y)
    cached = store.get(tile)
    if cached is not None:
        return Tile(cached, True)
    data, rendered_at = _render(tile)
    store.put(tile, data)
    if _marker(tile) != rendered_at:  # a load committed since our snapshot: its purge may have run already
        store.delete(tile)
    return Tile(data, False)
