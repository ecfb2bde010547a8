"""TileJSON 3.0 documents for the vector tilesets, with each layer's public fields and zoom range."""

from __future__ import annotations

from typing import Any

from django.db import connection
from psycopg import sql

from layers import registry
from layers.crs import TAN_BINH_WGS84_BOUNDS
from tile_cache import styles
from tile_cache.grid import DATA_MAX_ZOOM, Tileset, tileset

_TYPES = {registry.Kind.TEXT: "String", registry.Kind.INTEGER: "Number", registry.Kind.REAL: "Number",
          registry.Kind.DATE: "String"}  # fmt: skip


def _bounds(layers: tuple[registry.Layer, ...]) -> list[float]:
    """The data's WGS84 extent (pinned transformation in PostGIS); the district's when a layer is empty."""
    parts = sql.SQL(" UNION ALL ").join(
        sql.SQL("SELECT geom FROM {}").format(sql.Identifier(layer.table)) for layer in layers
    )
    statement = sql.SQL("SELECT ST_Transform(ST_SetSRID(ST_Extent(geom)::geometry, 9210), 4326) FROM ({}) g")
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM ({}) s(b)").format(
            statement.format(parts)))  # fmt: skip
        row = cursor.fetchone()
    if row is None or row[0] is None:
        return list(TAN_BINH_WGS84_BOUNDS)
    return [round(v, 6) for v in row]


def _vector_layer(layer: registry.Layer) -> dict[str, Any]:
    return {
        "id": layer.id,
        "description": f"{layer.title_vi} / {layer.title_en}",
        "minzoom": layer.min_zoom,
        "maxzoom": min(layer.max_zoom, DATA_MAX_ZOOM),  # within the tileset's (TileJSON 3.0)
        "fields": {f.name: f"{_TYPES[f.kind]} — {f.title_vi} / {f.title_en}" for f in styles.tile_fields(layer)},
    }


def document(name: str, tile_url: str) -> dict[str, Any]:
    found: Tileset = tileset(name)
    bounds = _bounds(found.layers)
    centre = [round((bounds[0] + bounds[2]) / 2, 6), round((bounds[1] + bounds[3]) / 2, 6), max(found.min_zoom, 14)]
    titles = " + ".join(layer.title_vi for layer in found.layers)
    return {
        "tilejson": "3.0.0",
        "name": found.id,
        "description": titles,
        "scheme": "xyz",
        "tiles": [tile_url],
        "minzoom": found.min_zoom,
        "maxzoom": found.data_max_zoom,  # clients overzoom beyond: same geometry, already at 4 cm
        "bounds": bounds,
        "center": centre,
        "attribution": "UBND quận Tân Bình",
        "vector_layers": [_vector_layer(layer) for layer in found.layers],
    }
