"""What a vector-tile request answers — status, headers, body — decided once for the Django view and the fast path."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings

from tile_cache import compression, service

MVT_TYPE = "application/vnd.mapbox-vector-tile"


@dataclass(frozen=True)
class TileReply:
    status: int
    headers: dict[str, str]
    body: bytes
    found: service.Tile  # handed to ``service.keep`` once the reply has been sent


def tile_reply(
    tileset: str, z: int, x: int, y: int, if_none_match: str | None, accept_encoding: str | None = None
) -> TileReply:
    """200 with the tile (gzipped when the client accepts it), 204 for an empty one, 304 when the client has it;
    GisError (404) for a bad address."""
    found = service.get_tile(tileset, z, x, y)
    gzipped = compression.accepts_gzip(accept_encoding)
    body = found.gzipped if gzipped else found.data
    # One ETag per representation (RFC 9110 §8.8.3): the gzipped bytes are not the plain ones.
    etag = f'"{hashlib.sha1(body, usedforsecurity=False).hexdigest()}{"-gz" if gzipped else ""}"'
    headers = {
        "ETag": etag,
        "Cache-Control": f"public, max-age={settings.GIS_TILE_MAX_AGE}",
        "Vary": "Accept-Encoding",
        "X-Tile-Cache": "hit" if found.cached else "miss",
        "Access-Control-Allow-Origin": "*",
        "X-Content-Type-Options": "nosniff",
    }
    if if_none_match == etag:
        return TileReply(304, headers, b"", found)
    if found.empty:
        return TileReply(204, headers, b"", found)
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    return TileReply(200, {**headers, "Content-Type": MVT_TYPE}, body, found)
