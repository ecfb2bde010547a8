"""Purge exactly the cached tiles a load changed: those over its changed extent, at every zoom.

The extent (VN-2000) is taken to Web Mercator through the pinned
transformation and widened by the tile buffer at each zoom, since a feature
within the buffer of a tile is drawn in it. The layer's own tileset and the
IOC tileset are purged; nothing else is touched.
"""

from __future__ import annotations

import logging
import math
from functools import partial
from typing import Any

from django.db import transaction

from layers.crs import transformer
from tile_cache import mvt, store
from tile_cache.grid import IOC, Tileset, tile_size_m, tiles_over, tilesets

Box = tuple[float, float, float, float]
log = logging.getLogger(__name__)


def to_3857(extent: Box, srid: int = 9210) -> Box:
    """A box (VN-2000 by default) as the Web-Mercator box around its four corners."""
    xmin, ymin, xmax, ymax = extent
    xs, ys = transformer(srid, 3857).transform([xmin, xmax, xmax, xmin], [ymin, ymin, ymax, ymax])
    return min(xs), min(ys), max(xs), max(ys)


def purge(layer_id: str, extent_9210: Box | None) -> int:
    """Delete the cached tiles of ``layer_id`` and of the IOC set over the extent; returns how many."""
    if extent_9210 is None:
        return 0
    xmin, ymin, xmax, ymax = to_3857(extent_9210)
    sets = tilesets()
    tiles_store = store.backend()
    tiles_store.bump_generation()  # first: a render that raced this load will not keep its tile
    deleted = 0
    for name in (layer_id, IOC):
        if name in sets:
            deleted += purge_tileset(tiles_store, sets[name], (xmin, ymin, xmax, ymax))
    return deleted


def purge_tileset(tiles_store: store.TileStore, tileset: Tileset, box: Box) -> int:
    """Delete one tileset's cached tiles over a Web-Mercator box, at each of its zooms widened by the buffer."""
    deleted = 0
    for z in range(tileset.min_zoom, tileset.max_zoom + 1):
        margin = tile_size_m(z) * mvt.BUFFER / mvt.EXTENT
        tiles = tiles_over((box[0] - margin, box[1] - margin, box[2] + margin, box[3] + margin), z)
        deleted += tiles_store.delete_range(tileset.id, tiles)
    return deleted


def after_load(layer_id: str, extent: object) -> int:
    """Hook for the loaders (called after commit) with a load's changed extent (a GEOS polygon or None).

    Purges our vector tiles and MapProxy's raster tiles alike, so no cache serves what a load replaced.
    """
    from tile_cache.raster_purge import after_load as raster_after_load

    deleted = raster_after_load(layer_id, extent)
    if extent is not None and layer_id in tilesets():
        deleted += purge(layer_id, tuple(extent.extent))  # type: ignore[attr-defined]
    return deleted


def purge_on_commit(layer_id: str, extent: Any, notes: dict[str, Any]) -> None:
    """``after_load`` once the load's transaction commits; a cache that fails then is told, not raised.

    By then the rows are in: raising would make the CLI say nothing was written while the caches went on
    serving the old tiles. The failure goes into ``notes["tile_purge"]`` with the command that finishes the job.
    """
    transaction.on_commit(partial(_purge_or_tell, layer_id, extent, notes))


def _purge_or_tell(layer_id: str, extent: Any, notes: dict[str, Any]) -> None:
    try:
        after_load(layer_id, extent)
    except store.errors() as error:
        log.warning("the tile caches were not purged after a change to %s: %r", layer_id, error)
        notes["tile_purge"] = (
            f"the tile caches were not purged ({type(error).__name__}); once they are reachable run "
            f"'gis tiles purge {layer_id}{_bbox_argument(extent)}'"
        )


def _bbox_argument(extent: Any) -> str:
    """`` --bbox W,S,E,N`` in degrees around a VN-2000 extent, rounded outwards; empty for no extent."""
    if extent is None:
        return ""
    xmin, ymin, xmax, ymax = extent.extent
    lons, lats = transformer(9210, 4326).transform([xmin, xmax, xmax, xmin], [ymin, ymin, ymax, ymax])
    scale = 10**5
    west, south = (math.floor(min(v) * scale) / scale for v in (lons, lats))
    east, north = (math.ceil(max(v) * scale) / scale for v in (lons, lats))
    return f" --bbox {west},{south},{east},{north}"
