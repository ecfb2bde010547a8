"""The shared tile store for several machines: Redis (``GIS_TILE_CACHE_URL=redis://host:port/db``).

Tiles live under ``<prefix>:<tileset>:<z>:<x>:<y>`` with no expiry: a purge,
not a TTL, is what keeps them fresh. A range is purged by naming its keys
(a load's extent is a few thousand tiles at most), not by scanning the cache.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from typing import Any

from tile_cache.grid import TileAddress, TileRange

DELETE_BATCH = 1000


@lru_cache(maxsize=4)
def client(url: str) -> Any:
    """One connection pool per URL and process, made on first use (never at import)."""
    import redis

    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)


@dataclass(frozen=True)
class RedisStore:
    url: str
    prefix: str = "gis:tile"

    def key(self, tileset_id: str, z: int, x: int, y: int) -> str:
        return f"{self.prefix}:{tileset_id}:{z}:{x}:{y}"

    def _key(self, tile: TileAddress) -> str:
        return self.key(tile.tileset.id, tile.z, tile.x, tile.y)

    def get(self, tile: TileAddress) -> bytes | None:
        found = client(self.url).get(self._key(tile))
        return None if found is None else bytes(found)

    def put(self, tile: TileAddress, data: bytes) -> None:
        client(self.url).set(self._key(tile), data)

    def delete(self, tile: TileAddress) -> None:
        client(self.url).delete(self._key(tile))

    def delete_range(self, tileset_id: str, tiles: TileRange) -> int:
        return self._delete(self.key(tileset_id, tiles.z, x, y) for x, y in tiles)

    def clear(self, tileset_id: str) -> int:
        """Delete every cached tile of ``tileset_id`` (SCAN in batches: the server is never blocked by KEYS)."""
        return self._delete(self.keys(tileset_id))

    def _delete(self, keys: Iterator[str] | Iterator[bytes]) -> int:
        deleted = 0
        while batch := list(islice(keys, DELETE_BATCH)):
            deleted += int(client(self.url).delete(*batch))
        return deleted

    def count(self, tileset_id: str) -> tuple[int, int]:
        """How many tiles of ``tileset_id`` are cached, and their bytes (STRLEN, pipelined by batch)."""
        keys, count, size = self.keys(tileset_id), 0, 0
        while batch := list(islice(keys, DELETE_BATCH)):
            pipe = client(self.url).pipeline(transaction=False)
            for key in batch:
                pipe.strlen(key)
            lengths = pipe.execute()
            count, size = count + len(lengths), size + sum(int(n) for n in lengths)
        return count, size

    def generation(self) -> object:
        return client(self.url).get(f"{self.prefix}:generation")

    def bump_generation(self) -> None:
        client(self.url).incr(f"{self.prefix}:generation")

    def keys(self, tileset_id: str) -> Iterator[bytes]:
        """Every cached key of a tileset (tests and diagnostics; SCAN, never KEYS)."""
        return iter(client(self.url).scan_iter(match=f"{self.prefix}:{tileset_id}:*"))
