"""One SQL statement per vector tile: ST_TileEnvelope → ST_AsMVTGeom → ST_AsMVT over the Web-Mercator copy.

Only public fields reach a tile. Below a layer's detail zoom its geometries
are simplified to a fraction of a pixel first, which keeps low-zoom tiles
light; the IOC tile is the byte concatenation of one MVT layer per registry
layer (valid MVT: a tile is a sequence of layers).
"""

from __future__ import annotations

from functools import lru_cache
from hashlib import sha256
from typing import Any

from psycopg import sql

from layers.registry import Layer
from tile_cache import styles
from tile_cache.grid import TileAddress, tile_size_m, tileset, tilesets

EXTENT = 4096
BUFFER = 64
# Simplify to a quarter of a tile pixel (of the 4096 grid); invisible, but it drops most vertices at low zoom.
SIMPLIFY_PIXELS = 0.25
# Below this tolerance (z17 and up) simplification removes nothing worth its cost.
MIN_SIMPLIFY_M = 0.05


def _attributes(layer: Layer) -> sql.Composed:
    """The tiled public fields, then the derived ones (``styles.tile_fields`` lists the same, in this order).

    The class code is the first code of "ODT+CLN", as the Mapnik query computes it: clients that cannot cut
    a string in a style expression (QGIS 3.22) match it directly.
    """
    columns: list[sql.Composable] = [sql.Identifier(f.name) for f in layer.tiled_fields]
    source = styles.class_source(layer.id)
    if source is not None:
        first_code = sql.SQL("split_part(l.{}, '+', 1) AS {}")
        columns.append(first_code.format(sql.Identifier(source), sql.Identifier(styles.CLASS_COLUMN)))
    return sql.SQL(", ").join(columns)


def _layer_query(layer: Layer, tolerance: float) -> sql.Composed:
    attributes = _attributes(layer)
    geometry: sql.Composable = sql.SQL("l.geom_3857")
    if tolerance >= MIN_SIMPLIFY_M:
        geometry = sql.SQL("ST_Simplify(l.geom_3857, {tol}, true)").format(tol=sql.Literal(tolerance))
    return sql.SQL(
        "(SELECT ST_AsMVT(t, {name}, {extent}, 'geom', 'id') FROM ("
        "SELECT l.id, {attributes}, ST_AsMVTGeom({geometry}, b.env, {extent}, {buffer}, true) AS geom "
        "FROM {table} l, bounds b WHERE l.geom_3857 && b.wide) t WHERE t.geom IS NOT NULL)"
    ).format(
        name=sql.Literal(layer.id),
        extent=sql.Literal(EXTENT),
        buffer=sql.Literal(BUFFER),
        attributes=attributes,
        geometry=geometry,
        table=sql.Identifier(layer.table),
    )


def tile_sql(tile: TileAddress) -> tuple[bytes, list[Any]]:
    """The whole tile in one statement; an empty result is an empty bytea."""
    return _statement(tile.tileset.id, tile.z), [tile.z, tile.x, tile.y, tile.z, tile.x, tile.y]


@lru_cache(maxsize=512)
def _statement(tileset_id: str, z: int) -> bytes:
    """The statement's text depends on the tileset and zoom only: composed once per process, then reused."""
    tolerance = tile_size_m(z) / EXTENT * SIMPLIFY_PIXELS
    layers = [_layer_query(layer, tolerance) for layer in tileset(tileset_id).layers_at(z)]
    statement = sql.SQL(
        "WITH bounds AS (SELECT ST_TileEnvelope(%s, %s, %s) AS env, "
        "ST_TileEnvelope(%s, %s, %s, margin => {margin}) AS wide) "
        "SELECT {parts}"
    ).format(
        margin=sql.Literal(BUFFER / EXTENT),
        parts=sql.SQL(" || ").join(sql.SQL("COALESCE({}, ''::bytea)").format(q) for q in layers),
    )
    return statement.as_bytes(None)


@lru_cache(maxsize=1)
def schema_version() -> str:
    """A short digest of every tile statement: tiles cached under another version are never served.

    A change to the registry's tile fields, zoom ranges or this module's SQL
    makes new tiles differ from cached ones without any load to purge them.
    """
    digest = sha256()
    for name, found in sorted(tilesets().items()):
        for z in range(found.min_zoom, found.max_zoom + 1):
            digest.update(f"{name}/{z}:".encode() + _statement(name, z))
    return digest.hexdigest()[:12]
