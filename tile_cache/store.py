"""Where rendered vector tiles live: files by default, Redis when ``GIS_TILE_CACHE_URL`` names one.

Both stores answer the same questions (get, put, delete, delete a range or a
whole tileset, and a *generation* that every purge changes before it deletes). The
generation is what lets a render that raced a load drop its stale tile
without asking the database (see ``tile_cache.service``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from tile_cache.file_store import FileStore
from tile_cache.grid import TileAddress, TileRange
from tile_cache.mvt import schema_version

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def errors() -> tuple[type[Exception], ...]:
    """What a store may raise when its disk or server fails: tiles are then rendered, not cached.

    Redis's client is imported only where Redis is configured: for the file
    store it was 40 ms of every ``gis`` command's and every worker's start.
    """
    if not settings.GIS_TILE_CACHE_URL.startswith(REDIS_SCHEMES):
        return (OSError,)
    import redis

    return (OSError, redis.RedisError)


class TileStore(Protocol):
    def get(self, tile: TileAddress) -> bytes | None: ...
    def put(self, tile: TileAddress, data: bytes) -> None: ...
    def delete(self, tile: TileAddress) -> None: ...
    def delete_range(self, tileset_id: str, tiles: TileRange) -> int: ...
    def clear(self, tileset_id: str) -> int: ...
    def count(self, tileset_id: str) -> tuple[int, int]: ...
    def generation(self) -> object: ...
    def bump_generation(self) -> None: ...


def backend() -> TileStore:
    """The configured store; cheap to build, so settings changed by tests take effect at once."""
    url = settings.GIS_TILE_CACHE_URL
    if url.startswith(REDIS_SCHEMES):
        from tile_cache.redis_store import RedisStore

        return RedisStore(url, prefix=f"gis:tile:{schema_version()}")
    if url:
        raise ImproperlyConfigured(
            f"GIS_TILE_CACHE_URL is {url!r}: leave it empty (files) or give redis://host:port/db"
        )
    return FileStore(_root())


def _root() -> Path:
    """Tiles of one tile-statement version live under their own folder (``mvt.schema_version``)."""
    return Path(settings.GIS_TILE_CACHE_DIR) / f"v-{schema_version()}"


def path_of(tile: TileAddress) -> Path:
    """Where the file store keeps a tile (tests and diagnostics)."""
    return FileStore(_root()).path_of(tile)


def delete_range(tileset_id: str, tiles: TileRange) -> int:
    return backend().delete_range(tileset_id, tiles)
