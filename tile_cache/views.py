"""Tile endpoints: thin views over `tile_cache.service` and `tile_cache.tilejson`."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from gis_server.errors import GisError
from gis_server.views import error_response
from tile_cache import service, tilejson

MVT_TYPE = "application/vnd.mapbox-vector-tile"


class TileResponse(HttpResponse):
    """A response that stores its freshly rendered tile once the server has sent it (WSGI calls ``close``)."""

    def __init__(self, found: service.Tile, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.found = found

    def close(self) -> None:
        try:
            service.keep(self.found)
        finally:
            super().close()


@require_GET
def tile(request: HttpRequest, tileset: str, z: int, x: int, y: int) -> HttpResponse:
    try:
        found = service.get_tile(tileset, z, x, y)
    except GisError as error:
        return error_response(error)
    etag = f'"{hashlib.sha1(found.data, usedforsecurity=False).hexdigest()}"'
    headers = {
        "ETag": etag,
        "Cache-Control": f"public, max-age={settings.GIS_TILE_MAX_AGE}",
        "X-Tile-Cache": "hit" if found.cached else "miss",
        "Access-Control-Allow-Origin": "*",
    }
    if request.headers.get("If-None-Match") == etag:
        return TileResponse(found, status=304, headers=headers)
    if not found.data:
        return TileResponse(found, status=204, headers=headers)
    return TileResponse(found, found.data, content_type=MVT_TYPE, headers=headers)


@require_GET
def tilejson_view(request: HttpRequest, tileset: str) -> JsonResponse:
    url = request.build_absolute_uri(f"/tiles/{tileset}/") + "{z}/{x}/{y}.mvt"
    try:
        body = tilejson.document(tileset, url)
    except GisError as error:
        return error_response(error)
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False}, headers={"Access-Control-Allow-Origin": "*"})
