"""Tile endpoints: thin views over `tile_cache.service` and `tile_cache.tilejson`."""

from __future__ import annotations

import hashlib

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import get_conditional_response
from django.utils.http import quote_etag
from django.views.decorators.http import require_safe

from gis_server.errors import GisError
from gis_server.views import error_response
from tile_cache import replies, service, tilejson


class TileResponse(HttpResponse):
    """A response that stores its freshly rendered tile once the server has sent it (WSGI calls ``close``)."""

    def __init__(self, reply: replies.TileReply) -> None:
        super().__init__(reply.body, status=reply.status, headers=reply.headers)
        self.found = reply.found

    def close(self) -> None:
        try:
            service.keep(self.found)
        finally:
            super().close()


@require_safe
def tile(request: HttpRequest, tileset: str, z: int, x: int, y: int) -> HttpResponse:
    """Served by ``tile_cache.fast_path`` under gunicorn for a plain GET; here for the rest (and the test client)."""
    try:
        headers = request.headers
        reply = replies.tile_reply(tileset, z, x, y, headers.get("If-None-Match"), headers.get("Accept-Encoding"))
    except GisError as error:
        return error_response(error)
    return TileResponse(reply)


@require_safe
def tilejson_view(request: HttpRequest, tileset: str) -> HttpResponse:
    """Read again by clients after every load (its tile URL carries the data version), so never reused unasked
    (``no-cache``); the web map asks every half minute, and what did not change is a 304 without a body."""
    url = request.build_absolute_uri("/").rstrip("/") + tilejson.TILE_PATH.format(tileset=tileset)
    try:
        body = tilejson.document(tileset, url, versioned=True)
    except GisError as error:
        return error_response(error)
    document = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    etag = quote_etag(hashlib.sha1(document.content, usedforsecurity=False).hexdigest())
    response = get_conditional_response(request, etag=etag, response=document) or document
    for name, value in (("ETag", etag), ("Access-Control-Allow-Origin", "*"), ("Cache-Control", "no-cache")):
        response[name] = value
    return response
