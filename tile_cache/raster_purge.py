"""Purge exactly the cached raster tiles a load changed, in MapProxy's file cache (mirrors ``tile_cache.purge``).

The changed extent (VN-2000) goes to Web Mercator through the pinned
transformation, widened at each zoom by MapProxy's meta buffer (a feature that
close to a tile is drawn in it: strokes, labels). The layer's own tileset and
every combined tileset drawing it (``ioc``) are purged at every cached zoom;
nothing else is touched. Paths are built only from tileset names of the
registry and integers inside the tile matrix (MapProxy 7.0 fixed a path
traversal in tile addresses: no request text ever names a path here).
"""

from __future__ import annotations

from pathlib import Path

from gis_server.errors import NotFound
from layers import registry
from tile_cache import raster_guard
from tile_cache.file_store import clear_folder, delete_tiles, int_children
from tile_cache.grid import tile_size_m, tiles_over
from tile_cache.mapproxy_config import MAX_ZOOM, META_BUFFER, TILE_PIXELS, cache_dir, tileset_members
from tile_cache.mapproxy_config import Raster as _Raster
from tile_cache.purge import to_3857

Box = tuple[float, float, float, float]


def known_tilesets() -> frozenset[str]:
    return frozenset(tileset_members([_Raster(r.id, "") for r in registry.RASTERS]))


def tile_path(tileset: str, z: int, x: int, y: int) -> Path:
    """The cache file of an XYZ tile (``tms`` layout on a north-west-origin grid: y as in XYZ)."""
    if tileset not in known_tilesets():
        raise NotFound(f"no raster tileset {tileset!r}")
    if not (0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z):
        raise NotFound(f"tile {z}/{x}/{y} is outside the tile matrix")
    return cache_dir() / tileset / str(z) / str(x) / f"{y}.png"


def _purge_zoom(tileset: str, z: int, box: Box) -> int:
    margin = tile_size_m(z) * META_BUFFER / TILE_PIXELS
    tiles = tiles_over((box[0] - margin, box[1] - margin, box[2] + margin, box[3] + margin), z)
    return delete_tiles(cache_dir() / tileset / str(z), tiles, ".png")


def purge_raster_3857(layer_id: str, box: Box) -> int:
    """Delete the cached tiles over a Web-Mercator box of ``layer_id`` and of every tileset drawing it."""
    from tile_cache.mapproxy_config import tilesets_drawing

    names = tilesets_drawing(layer_id)
    if not names:
        raise NotFound(f"no raster tileset draws {layer_id!r}")
    return sum(purge_tileset(name, box) for name in names)


def purge_tileset(tileset: str, box: Box) -> int:
    """Delete one raster tileset's cached tiles over a Web-Mercator box, at every zoom it has cached."""
    raster_guard.bump()  # first: a render that read the old rows meanwhile does not keep its tiles
    return sum(_purge_zoom(tileset, z, box) for z, _ in int_children(cache_dir() / tileset) if z <= MAX_ZOOM)


def clear(tileset: str) -> int:
    """Delete every cached tile of one raster tileset; returns how many."""
    if tileset not in known_tilesets():
        raise NotFound(f"no raster tileset {tileset!r}")
    raster_guard.bump()
    return clear_folder(cache_dir() / tileset, ".png")


def purge_raster(layer_id: str, extent_vn2000_bbox: Box | None) -> int:
    """Delete the cached raster tiles of ``layer_id`` (and of ``ioc``) over a VN-2000 extent; returns how many."""
    if extent_vn2000_bbox is None:
        return 0
    return purge_raster_3857(layer_id, to_3857(extent_vn2000_bbox))


def _image_boxes(layer_id: str) -> list[Box]:
    """Web-Mercator bounds of the active image and of the two newest ones: a load or a rollback switches
    between them, and tiles over either may show the image that is no longer served."""
    from django.db.models import Q

    from layers.models import RasterDataset

    newest = set(RasterDataset.objects.filter(layer=layer_id).order_by("-load_id").values_list("pk", flat=True)[:2])
    rows = RasterDataset.objects.filter(Q(pk__in=newest) | Q(layer=layer_id, active=True))
    return [tuple(row.bounds.extent) for row in rows]  # type: ignore[misc]


def after_load(layer_id: str, extent: object) -> int:
    """Hook for the loaders (after commit), beside ``tile_cache.purge.after_load``: a GEOS polygon or None.

    For a raster layer the bounds of the images it switched between are purged
    as well, since the new image may cover less than the one it replaced.
    """
    deleted = 0
    if layer_id in registry.raster_ids():
        for box in _image_boxes(layer_id):
            deleted += purge_raster_3857(layer_id, box)
    if extent is not None:
        deleted += purge_raster(layer_id, tuple(extent.extent))  # type: ignore[attr-defined]
    return deleted
