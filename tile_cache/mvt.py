"""One SQL statement per vector tile: ST_TileEnvelope → ST_AsMVTGeom → ST_AsMVT over the Web-Mercator copy.

Only public fields reach a tile. Below a layer's detail zoom its geometries
are simplified to a fraction of a pixel first, which keeps low-zoom tiles
light; the IOC tile is the byte concatenation of one MVT layer per registry
layer (valid MVT: a tile is a sequence of layers).

No layer's part of a tile exceeds a byte budget (``GIS_TILE_MAX_BYTES``):
where data is denser than its zoom range foresaw, the statement encodes
that layer again keeping only its largest features, as many as fit, as
tippecanoe's ``--drop-smallest-as-needed`` does; the next zoom shows the
rest. A tile under budget (nearly all) pays one length test for it.

A labelled layer (the wards) also carries one point per feature, at its
point on surface, in the one tile that holds that point: a style labels
those points, not the polygons. Labelled polygons were named once per tile
piece by MapLibre and QGIS alike — "Phường 5" five times across one view.
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
# A thinned layer keeps this share of what would fit by count: the largest features carry more vertices.
THIN_MARGIN = 0.8


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


def _geometry(tolerance: float) -> sql.Composable:
    if tolerance >= MIN_SIMPLIFY_M:
        return sql.SQL("ST_Simplify(l.geom_3857, {tol}, true)").format(tol=sql.Literal(tolerance))
    return sql.SQL("l.geom_3857")


def _mvt_geometry(tolerance: float) -> sql.Composed:
    return sql.SQL("ST_AsMVTGeom({geometry}, b.env, {extent}, {buffer}, true)").format(
        geometry=_geometry(tolerance), extent=sql.Literal(EXTENT), buffer=sql.Literal(BUFFER)
    )


def _rows(layer: Layer, tolerance: float) -> sql.Composed:
    """The layer's features in the tile: id, public fields, geometry in tile coordinates."""
    return sql.SQL(
        "SELECT l.id, {attributes}, {geometry} AS geom FROM {table} l, bounds b WHERE l.geom_3857 && b.wide"
    ).format(attributes=_attributes(layer), geometry=_mvt_geometry(tolerance), table=sql.Identifier(layer.table))


def _label_rows(layer: Layer) -> sql.Composed:
    """One point per feature where a style writes its name, in the one tile holding it; no feature id (the
    polygon has it). Computed on the stored geometry, so the name stays put from zoom to zoom."""
    return sql.SQL(
        "SELECT NULL::bigint AS id, {attributes}, ST_AsMVTGeom(l.label_point, b.env, {extent}, 0, false) AS geom "
        "FROM (SELECT l.*, ST_PointOnSurface(l.geom_3857) AS label_point FROM {table} l, bounds b "
        "WHERE l.geom_3857 && b.env OFFSET 0) l, bounds b WHERE ST_Intersects(l.label_point, b.env)"
    ).format(attributes=_attributes(layer), extent=sql.Literal(EXTENT), table=sql.Identifier(layer.table))


def _with_labels(layer: Layer, rows: sql.Composed) -> sql.Composed:
    if not styles.layer_style(layer.id).label:
        return rows
    return sql.SQL("{} UNION ALL {}").format(rows, _label_rows(layer))


def _largest_rows(layer: Layer, tolerance: float) -> sql.Composed:
    """The largest features (by area; lines by length), as many as fit the budget in proportion to ``f.mvt``.

    Features are ranked on their stored geometry and only the kept ones are
    clipped to the tile (ST_AsMVTGeom is most of a tile's cost). Ties go to
    the lower id, so a thinned tile is the same on every render.
    """
    names = [sql.SQL("l.{}").format(sql.Identifier(f.name)) for f in styles.tile_fields(layer)]
    return sql.SQL(
        "SELECT l.id, {names}, {geometry} AS geom FROM (SELECT l.id, {attributes}, l.geom_3857, "
        "row_number() OVER (ORDER BY ST_Area(l.geom_3857) + ST_Length(l.geom_3857) DESC, l.id) AS rank, "
        "count(*) OVER () AS total FROM {table} l, bounds b WHERE l.geom_3857 && b.wide) l "
        "WHERE l.rank <= ceil(l.total * {margin} * b.budget / octet_length(f.mvt))"
    ).format(
        names=sql.SQL(", ").join(names),
        geometry=_mvt_geometry(tolerance),
        attributes=_attributes(layer),
        table=sql.Identifier(layer.table),
        margin=sql.Literal(THIN_MARGIN),
    )


def _encode(layer: Layer, rows: sql.Composable) -> sql.Composed:
    """The rows as one MVT layer.

    Features clipped away (a NULL from ST_AsMVTGeom) need no filter: ST_AsMVT
    skips them, values and all. A ``WHERE geom IS NOT NULL`` here is pushed
    down into the scan, where PostgreSQL computes ST_AsMVTGeom for the filter
    and again for the output (measured: 40 % of a dense tile's time).
    """
    return sql.SQL("(SELECT ST_AsMVT(t, {name}, {extent}, 'geom', 'id') FROM ({rows}) t)").format(
        name=sql.Literal(layer.id), extent=sql.Literal(EXTENT), rows=rows
    )


def _layer_query(layer: Layer, tolerance: float) -> sql.Composed:
    """The layer's MVT layer; encoded again from its largest features only when it is over the budget.

    ``OFFSET 0`` keeps the encoded layer a subquery of its own: flattened, each of the three mentions of
    ``f.mvt`` would encode the layer again (measured: three times the time of every tile).
    """
    return sql.SQL(
        "(SELECT CASE WHEN f.mvt IS NULL OR octet_length(f.mvt) <= b.budget THEN f.mvt ELSE {thinned} END "
        "FROM (SELECT {full} AS mvt OFFSET 0) f, bounds b)"
    ).format(
        full=_encode(layer, _with_labels(layer, _rows(layer, tolerance))),
        thinned=_encode(layer, _with_labels(layer, _largest_rows(layer, tolerance))),
    )


def tile_sql(tile: TileAddress, budget: int) -> tuple[bytes, list[Any]]:
    """The whole tile in one statement; an empty result is an empty bytea.

    ``budget`` is the most bytes one layer's part may take (``GIS_TILE_MAX_BYTES`` for a tile alone).
    """
    return _statement(tile.tileset.id, tile.z), [tile.z, tile.x, tile.y, tile.z, tile.x, tile.y, budget]


@lru_cache(maxsize=512)
def _statement(tileset_id: str, z: int) -> bytes:
    """The statement's text depends on the tileset and zoom only: composed once per process, then reused."""
    tolerance = tile_size_m(z) / EXTENT * SIMPLIFY_PIXELS
    layers = [_layer_query(layer, tolerance) for layer in tileset(tileset_id).layers_at(z)]
    statement = sql.SQL(
        "WITH bounds AS (SELECT ST_TileEnvelope(%s, %s, %s) AS env, "
        "ST_TileEnvelope(%s, %s, %s, margin => {margin}) AS wide, %s::integer AS budget) "
        "SELECT {parts}"
    ).format(
        margin=sql.Literal(BUFFER / EXTENT),
        parts=sql.SQL(" || ").join(sql.SQL("COALESCE({}, ''::bytea)").format(q) for q in layers),
    )
    return statement.as_bytes(None)


def schema_version() -> str:
    """A short digest of every tile statement and the byte budget: tiles cached under another are never served.

    A change to the registry's tile fields, zoom ranges, this module's SQL or
    ``GIS_TILE_MAX_BYTES`` makes new tiles differ from cached ones without
    any load to purge them.
    """
    from django.conf import settings

    return statements_digest(int(settings.GIS_TILE_MAX_BYTES))


@lru_cache(maxsize=4)
def statements_digest(budget: int) -> str:
    digest = sha256(f"budget={budget};stored=gzip".encode())  # tiles cached before compression are not gzip
    for name, found in sorted(tilesets().items()):
        for z in range(found.min_zoom, found.max_zoom + 1):
            digest.update(f"{name}/{z}:".encode() + _statement(name, z))
    return digest.hexdigest()[:12]
