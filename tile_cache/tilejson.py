"""TileJSON 3.0 documents for the vector tilesets, with each layer's public fields and zoom range.

The tile URL carries the tileset's data version (``?v=``, the last load or
rollback of any of its layers): a client that reads the document again after
a load gets new URLs, so neither its own tiles in memory nor its browser's
HTTP cache (``GIS_TILE_MAX_AGE``) keeps the old data on screen. The web map
polls it for exactly that (``GIS_MAP_REFRESH_SECONDS``). The server ignores
the parameter: the same tile, the same ETag.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from django.db import connection
from psycopg import sql

from layers import registry
from layers.crs import TAN_BINH_WGS84_BOUNDS
from layers.models import Load
from tile_cache import styles
from tile_cache.grid import DATA_MAX_ZOOM, Tileset, tileset

_TYPES = {registry.Kind.TEXT: "String", registry.Kind.INTEGER: "Number", registry.Kind.REAL: "Number",
          registry.Kind.DATE: "String"}  # fmt: skip


# A tileset's tiles, as a URL template's path (the tile view's pattern, XYZ placeholders for clients).
TILE_PATH = "/tiles/{tileset}/{{z}}/{{x}}/{{y}}.mvt"
# Load records of loads and rollbacks that changed a layer (a failed load leaves none).
FINISHED = ("done", "rolled_back")


def last_change(layers: tuple[registry.Layer, ...]) -> tuple[int, datetime | None] | None:
    """The id and end of the last finished load or rollback of any of ``layers``: it changes exactly when their
    rows do (every loader writes through a load record); None before the first."""
    finished = Load.objects.filter(layer__in=[layer.id for layer in layers], status__in=FINISHED)
    return finished.order_by("-id").values_list("id", "finished_at").first()


@lru_cache(maxsize=64)
def _bounds_of(name: str, version: int | None) -> list[float]:
    """``_bounds`` once per data version: a million parcels' extent is a 50 ms scan, and clients poll this."""
    return _bounds(tileset(name).layers)


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


def document(name: str, tile_url: str, versioned: bool = False) -> dict[str, Any]:
    """The tileset's TileJSON; ``versioned``: its tile URL carries the data version (see the module's note)."""
    found: Tileset = tileset(name)
    last = last_change(found.layers)
    version, updated = last or (None, None)
    bounds = _bounds_of(found.id, version)
    if versioned and version is not None:
        tile_url += f"{'&' if '?' in tile_url else '?'}v={version}"
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
        "attribution": registry.PUBLISHER,
        "vector_layers": [_vector_layer(layer) for layer in found.layers],
        # Not TileJSON's: when the last load or rollback of these layers ended (the wall's stamp shows it).
        "tanbinh:updated": updated.isoformat() if updated else None,
    }
