"""Tile endpoints: thin views over `tile_cache.service` and `tile_cache.tilejson`."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET, require_safe

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


@require_GET
def tilejson_view(request: HttpRequest, tileset: str) -> JsonResponse:
    url = request.build_absolute_uri(f"/tiles/{tileset}/") + "{z}/{x}/{y}.mvt"
    try:
        body = tilejson.document(tileset, url, versioned=True)
    except GisError as error:
        return error_response(error)
    # Read again by clients after every load (its tile URL carries the data version): never reused unasked.
    headers = {"Access-Control-Allow-Origin": "*", "Cache-Control": "no-cache"}
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False}, headers=headers)
