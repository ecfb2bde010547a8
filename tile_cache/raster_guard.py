"""A raster tile rendered from rows a load has just replaced is served but never kept in MapProxy's cache.

The vector tiles have this guard in ``tile_cache.service``; this is the same
for MapProxy, whose renders we cannot see from outside. A Mapnik render that
read the old rows while a load committed would otherwise store its tiles
after the load's purge, and they would stay stale until the next load over
them. Every raster purge replaces a *generation* file in the cache folder
before it deletes (``bump``); each render notes the generation before it
queries PostGIS (``rendering``), and its tiles are stored only if the
generation is still the same — checked once more after writing, since a
purge may start between the check and the write (then the tiles are
removed again; a purge that starts after the second check deletes them
itself).

Hooked into MapProxy by giving its file caches the class
:class:`GuardedFileCache` after the configuration loads (``guard``), as the
Mapnik source is adapted in ``tile_cache.mapproxy_app``.
"""

from __future__ import annotations

import threading
from typing import Any

from mapproxy.cache.file import FileCache

from tile_cache.file_store import FileStore
from tile_cache.mapproxy_config import cache_dir

_render = threading.local()  # MapProxy renders a meta tile and stores its tiles in one thread
_NONE = object()  # no render of ours noted (a generation may itself be None: no purge yet)


def generation() -> object:
    return FileStore(cache_dir()).generation()


def bump() -> None:
    """Called by every raster purge before it deletes anything."""
    FileStore(cache_dir()).bump_generation()


def rendering() -> None:
    """Called as a render starts, before its query: the generation its tiles belong to."""
    _render.generation = generation()


class GuardedFileCache(FileCache):
    """MapProxy's file cache, storing a render's tiles only when no purge started since the render did (meta
    tiles come through ``store_tiles``, single tiles through ``store_tile``)."""

    def store_tile(self, tile: Any, dimensions: Any = None) -> bool:
        return self._store_guarded([tile], dimensions)

    def store_tiles(self, tiles: Any, dimensions: Any = None) -> bool:
        return self._store_guarded(list(tiles), dimensions)

    def _store_guarded(self, tiles: list[Any], dimensions: Any) -> bool:
        started = getattr(_render, "generation", _NONE)
        _render.generation = _NONE
        ours = started is not _NONE  # else not one of our renders (nothing to compare): stored as MapProxy would
        if ours and generation() != started:
            return False
        for tile in tiles:
            FileCache.store_tile(self, tile, dimensions=dimensions)
        if ours and generation() != started:
            self.remove_tiles(tiles, dimensions=dimensions)
            return False
        return True


def guard(conf: Any) -> None:
    """Give every file cache of a loaded MapProxy configuration the guarded class (same state, same files)."""
    for cache in conf.caches.values():
        for _grid, _extent, manager in cache.caches():
            if type(manager.cache) is FileCache:
                manager.cache.__class__ = GuardedFileCache
