"""What a vector-tile request answers — status, headers, body — decided once for the Django view and the fast path."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings

from tile_cache import service

MVT_TYPE = "application/vnd.mapbox-vector-tile"


@dataclass(frozen=True)
class TileReply:
    status: int
    headers: dict[str, str]
    body: bytes
    found: service.Tile  # handed to ``service.keep`` once the reply has been sent


def tile_reply(tileset: str, z: int, x: int, y: int, if_none_match: str | None) -> TileReply:
    """200 with the tile, 204 for an empty one, 304 when the client has it; GisError (404) for a bad address."""
    found = service.get_tile(tileset, z, x, y)
    etag = f'"{hashlib.sha1(found.data, usedforsecurity=False).hexdigest()}"'
    headers = {
        "ETag": etag,
        "Cache-Control": f"public, max-age={settings.GIS_TILE_MAX_AGE}",
        "X-Tile-Cache": "hit" if found.cached else "miss",
        "Access-Control-Allow-Origin": "*",
        "X-Content-Type-Options": "nosniff",
    }
    if if_none_match == etag:
        return TileReply(304, headers, b"", found)
    if not found.data:
        return TileReply(204, headers, b"", found)
    return TileReply(200, {**headers, "Content-Type": MVT_TYPE}, found.data, found)
