"""Thin views: hand the request to the cached pygeoapi API and return what it answers.

The items view first checks the parameters we own (``params``) — a bad one
is a 400 with an OGC exception body before any SQL exists — and passes the
checked request to our provider for the duration of the call. The tiles
views are pygeoapi's OGC API - Tiles functions over ``tiles_provider``.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pygeoapi
import pygeoapi.api as core_api
import pygeoapi.api.itemtypes as itemtypes_api
import pygeoapi.api.processes as processes_api
import pygeoapi.api.tiles as tiles_api
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.views.decorators.http import require_safe
from django.views.static import serve
from pygeoapi.api import API

from gis_server.errors import BadRequest
from gis_server.ogc import pages, params, service, tiles_provider
from gis_server.ogc.offline import localize
from gis_server.ogc.provider import CURRENT
from layers import registry
from tile_cache.grid import tilesets as tilesets_by_id

ApiFunction = Callable[..., tuple[dict[str, str], int, Any]]
STATIC_ROOT = Path(pygeoapi.__file__).parent / "static"


def _api(request: HttpRequest) -> API:
    return service.api_for(request.build_absolute_uri(reverse("ogc:landing")).rstrip("/"))


def _response(headers: dict[str, str], status: int, content: Any) -> HttpResponse:
    if isinstance(content, str) and headers.get("Content-Type", "").startswith("text/html"):
        content = localize(content)
    response = HttpResponse(content, status=status)
    for key, value in headers.items():
        response[key] = value
    return response


def _run(request: HttpRequest, function: ApiFunction, *args: str, hidden: frozenset[str] = frozenset()) -> HttpResponse:
    api = _api(request)
    api_request = service.OgcRequest(request, api.locales, hidden)
    return _response(*function(api, api_request, *args))


def _bad_request(request: HttpRequest, error: BadRequest) -> HttpResponse:
    """An OGC exception body (JSON or HTML, as asked) with status 400."""
    api = _api(request)
    api_request = service.OgcRequest(request, api.locales)
    headers = api_request.get_response_headers(**api.api_headers)
    return _response(
        *api.get_exception(
            HTTPStatus.BAD_REQUEST, headers, api_request.format, "InvalidParameterValue", error.user_message
        )
    )


def _not_found(request: HttpRequest, message: str) -> HttpResponse:
    """An OGC exception body (JSON or HTML, as asked) with status 404."""
    api = _api(request)
    api_request = service.OgcRequest(request, api.locales)
    headers = api_request.get_response_headers(**api.api_headers)
    return _response(*api.get_exception(HTTPStatus.NOT_FOUND, headers, api_request.format, "NotFound", message))


@require_safe
def static(request: HttpRequest, path: str) -> HttpResponseBase:
    """pygeoapi's own CSS, scripts and icons, which its HTML pages link below the API's base URL."""
    return serve(request, path, document_root=str(STATIC_ROOT))


@require_safe
def landing(request: HttpRequest) -> HttpResponse:
    return _run(request, core_api.landing_page)


@require_safe
def processes(request: HttpRequest) -> HttpResponse:
    """The (empty) list of processes: pygeoapi's landing page always links it, and a client following the
    landing page's links must not meet a 404. No process is offered, and conformance claims none."""
    return _run(request, processes_api.describe_processes)


@require_safe
def openapi(request: HttpRequest) -> HttpResponse:
    return _run(request, core_api.openapi_)


@require_safe
def conformance(request: HttpRequest) -> HttpResponse:
    return _run(request, service.conformance)


@require_safe
def collections(request: HttpRequest, collection_id: str | None = None) -> HttpResponse:
    service.refresh_extents(_api(request))
    if collection_id is None:
        return _run(request, core_api.describe_collections)
    return _run(request, core_api.describe_collections, collection_id)


@require_safe
def queryables(request: HttpRequest, collection_id: str) -> HttpResponse:
    return _run(request, itemtypes_api.get_collection_queryables, collection_id)


@require_safe
def schema(request: HttpRequest, collection_id: str) -> HttpResponse:
    return _run(request, core_api.get_collection_schema, collection_id)


@require_safe
def items(request: HttpRequest, collection_id: str) -> HttpResponse:
    if collection_id not in registry.ids():
        return _run(request, itemtypes_api.get_collection_items, collection_id)  # pygeoapi's 404
    url = request.build_absolute_uri(request.path)
    try:
        checked = params.items_request(registry.get(collection_id), request.GET.dict(), url)
    except BadRequest as error:
        return _bad_request(request, error)
    token = CURRENT.set(checked)
    try:
        return _run(request, itemtypes_api.get_collection_items, collection_id, hidden=params.OWNED)
    finally:
        CURRENT.reset(token)


@require_safe
def item(request: HttpRequest, collection_id: str, item_id: str) -> HttpResponse:
    return _run(request, itemtypes_api.get_collection_item, collection_id, item_id)


@require_safe
def tile_matrix_sets(request: HttpRequest, tile_matrix_set_id: str | None = None) -> HttpResponse:
    if tile_matrix_set_id is None:
        return _run(request, tiles_api.tilematrixsets)
    return _run(request, tiles_api.tilematrixset, tile_matrix_set_id)


@require_safe
def tilesets(request: HttpRequest, collection_id: str) -> HttpResponse:
    service.refresh_extents(_api(request))
    response = _run(request, tiles_api.get_collection_tiles, collection_id)
    found = tilesets_by_id().get(collection_id)
    return response if found is None else pages.open_at_min_zoom(response, found.min_zoom)


@require_safe
def tileset(request: HttpRequest, collection_id: str, tile_matrix_set_id: str) -> HttpResponse:
    """Tileset metadata; pygeoapi does not catch a provider's error here, so an unknown scheme is refused first."""
    if tile_matrix_set_id != tiles_provider.SCHEME:
        return _not_found(request, f"No tileset {tile_matrix_set_id!r}: only {tiles_provider.SCHEME}")
    service.refresh_extents(_api(request))
    return _run(request, tiles_api.get_collection_tiles_metadata, collection_id, tile_matrix_set_id)


@require_safe
def tile(request: HttpRequest, collection_id: str, tile_matrix_set_id: str, z: str, y: str, x: str) -> HttpResponse:
    """One MVT tile (tileMatrix/tileRow/tileCol = z/y/x), cached by clients as long as ``/tiles`` ones."""
    response = _run(request, tiles_api.get_collection_tiles_data, collection_id, tile_matrix_set_id, z, y, x)
    if response.status_code in (HTTPStatus.OK, HTTPStatus.NO_CONTENT):
        response["Cache-Control"] = f"public, max-age={settings.GIS_TILE_MAX_AGE}"
    return response
