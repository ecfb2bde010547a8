"""Serve a vector tile: from the store, or rendered by one SQL statement and kept for next time.

Keeping is a separate step (``keep``), run after the response has gone out,
so a miss costs the client the render and nothing more. A render that raced
a load must not be kept: the store's generation is read before the render's
snapshot and again after the write, and every purge changes the generation
*before* it deletes. So a load committing after our snapshot either changed
the generation before our second read (we delete our own write) or purges
after our write (its delete removes it) — no stale tile survives, and no
database round trip is spent on it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import psycopg
from django.conf import settings
from django.db import DatabaseError, connection

from gis_server.errors import DatabaseUnavailable
from tile_cache import compression, mvt, store
from tile_cache.grid import TileAddress, address

log = logging.getLogger(__name__)
# Renders after the first for a multi-layer tile still over the byte budget.
MAX_RETHINS = 2


@dataclass
class Tile:
    """One tile as rendered (``data``, the MVT bytes) or as stored (``gzipped``); each form is made from the other
    once, when first asked for: a cached tile goes to a browser as stored, never decompressed and compressed
    again, and a rendered one is compressed for the store only once."""

    raw: bytes | None
    cached: bool
    address: TileAddress | None = None
    generation: object = None
    packed: bytes | None = None

    @property
    def data(self) -> bytes:
        if self.raw is None:
            self.raw = compression.unpack(self.packed or b"")
        return self.raw

    @property
    def gzipped(self) -> bytes:
        if self.packed is None:
            self.packed = compression.pack(self.raw or b"")
        return self.packed

    @property
    def empty(self) -> bool:
        return self.raw == b"" if self.raw is not None else self.packed == compression.EMPTY


def _render(tile: TileAddress, budget: int) -> bytes:
    """Run the tile's statement; once more on a new connection if the kept one was lost while idle.

    Django's per-request health check would cost every tile a ``SELECT 1``
    round trip (measured: half a millisecond of a z18 tile's 8 on the
    reference machine) to catch a connection that a database restart or an
    idle timeout closed. The statement is a read, so it is simply retried
    when that happened; a database that stays unreachable is a 503.
    """
    statement, params = mvt.tile_sql(tile, budget)
    try:
        return _fetch(statement, params)
    except DatabaseError as error:
        if not _connection_lost():
            raise
        log.info("database connection lost before rendering %s (%s); reconnecting", tile, error)
    connection.close()
    try:
        return _fetch(statement, params)
    except DatabaseError as error:
        if not _connection_lost():
            raise
        raise DatabaseUnavailable(log_message=f"rendering {tile}: {error}") from error


def _connection_lost() -> bool:
    raw = connection.connection
    return raw is None or raw.closed or raw.broken


def _fetch(statement: bytes, params: list[Any]) -> bytes:
    """The statement as a prepared statement on Django's own connection, its bytea in binary.

    The statement's text depends only on the tileset and zoom, so each
    connection plans it once; Django's client-side binding would send literals
    and plan every tile again (measured: a fifth of a small tile's time, a
    quarter of a dense one's). The result comes in binary: a tile crosses the
    socket once as bytes instead of twice its size in hex.
    """
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(statement, params, prepare=True, binary=True)
        row = cursor.fetchone()
    return bytes(row[0]) if row else b""


def _render_within_budget(tile: TileAddress) -> bytes:
    """The tile, under ``GIS_TILE_MAX_BYTES`` as a whole.

    The statement caps each layer's part at the budget; a tile of several
    layers that are all dense can still be over it, so it is rendered again
    with each layer's share cut by what the whole went over.
    """
    limit = int(settings.GIS_TILE_MAX_BYTES)
    budget, data = limit, _render(tile, limit)
    for _ in range(MAX_RETHINS):
        if len(data) <= limit:
            break
        budget = int(budget * mvt.THIN_MARGIN * limit / len(data))
        data = _render(tile, budget)
    if len(data) > limit:
        log.warning("tile %s is %d bytes after thinning, over GIS_TILE_MAX_BYTES %d", tile, len(data), limit)
    return data


def get_tile(tileset: str, z: int, x: int, y: int) -> Tile:
    """The tile's bytes (empty for an empty tile); raises NotFound for a bad address. Call ``keep`` after."""
    tile = address(tileset, z, x, y)
    tiles = store.backend()
    try:
        cached, generation = tiles.get(tile), tiles.generation()
    except store.errors():  # the cache is down: serve rendered tiles, keep none
        log.warning("tile store unavailable; rendering %s uncached", tile, exc_info=True)
        return Tile(_render_within_budget(tile), False)
    if cached is not None:
        return Tile(None, True, packed=cached)
    return Tile(_render_within_budget(tile), False, tile, generation)


def keep(found: Tile, tiles: store.TileStore | None = None) -> None:
    """Store a freshly rendered tile (in ``tiles``, default the configured store) unless a purge started since its
    render began."""
    if found.cached or found.address is None:
        return
    tiles = tiles or store.backend()
    try:
        tiles.put(found.address, found.gzipped)
        if tiles.generation() != found.generation:
            tiles.delete(found.address)
    except store.errors():  # a full disk or an unreachable Redis costs a re-render, never a failed response
        log.warning("tile %s not cached", found.address, exc_info=True)
