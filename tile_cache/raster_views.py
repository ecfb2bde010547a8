"""Raster tiles and styles: `/mapproxy/…` delegated to MapProxy's WSGI app, `/styles/<layer>.<fmt>` generated.

MapProxy runs inside the Django process (no second server): the request is
handed over as a WSGI environ with ``SCRIPT_NAME`` ending in ``/mapproxy``,
so MapProxy sees its standard paths (``/wmts/1.0.0/WMTSCapabilities.xml``,
``/tms/1.0.0/…``, ``/service?…``, ``/ogcapi/…``) and writes absolute URLs
under ``/mapproxy`` in its capabilities. MapProxy is imported on the first
request only, so other commands never load Mapnik.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from gis_server.errors import GisError, NotFound
from gis_server.views import error_response
from tile_cache import mapproxy_config, sld, styles

PREFIX = "/mapproxy"
# Hop-by-hop headers belong to one connection and are never forwarded (PEP 3333).
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers", "transfer-encoding"}
)
STYLE_TYPES = {
    "json": "application/json; charset=utf-8",
    "qml": "application/xml; charset=utf-8",
    "sld": "application/vnd.ogc.sld+xml; charset=utf-8",
    "xml": "application/xml; charset=utf-8",
}


def _environ(request: HttpRequest) -> dict[str, Any]:
    """The request as MapProxy's WSGI app must see it: same method, headers and query; path below /mapproxy."""
    environ = dict(request.META)
    raw_path = str(environ.get("PATH_INFO", request.path_info))
    script = str(environ.get("SCRIPT_NAME", ""))
    environ["SCRIPT_NAME"] = script.rstrip("/") + PREFIX
    environ["PATH_INFO"] = raw_path.removeprefix(PREFIX) or "/"
    body = request.body
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return environ


def _call(app: Callable[..., Iterable[bytes]], environ: dict[str, Any]) -> HttpResponse:
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> Callable[..., None]:
        captured["status"], captured["headers"] = status, headers
        return lambda data: None

    chunks = app(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    response = HttpResponse(body, status=int(str(captured["status"]).split(" ", 1)[0]))
    for name, value in captured["headers"]:
        if name.lower() not in HOP_BY_HOP:
            response[name] = value
    return response


@csrf_exempt
def mapproxy(request: HttpRequest, path: str = "") -> HttpResponse:
    """Every MapProxy service (WMTS KVP and REST, TMS, WMS, OGC API Maps/Tiles) under /mapproxy/."""
    from tile_cache import mapproxy_app

    return _call(mapproxy_app.wsgi_app(), _environ(request))


def style_document(layer: str, fmt: str) -> str:
    """The style of ``layer`` in one of the four formats; NotFound for an unknown layer or format.

    ``ioc`` exists as MapLibre JSON only: QML and SLD style one OGC API Features layer, Mapnik XML one map.
    """
    if fmt == "json":
        return json.dumps(styles.maplibre(layer), ensure_ascii=False, indent=2)
    if layer == styles.IOC:
        raise NotFound(
            f"Kiểu '{layer}' chỉ có dạng JSON (MapLibre) / the combined '{layer}' style is MapLibre JSON only "
            f"(/styles/{layer}.json); QML and SLD exist per layer: /styles/<layer>.{fmt}"
        )
    if fmt == "qml":
        return styles.qml(layer)
    if fmt == "sld":
        return sld.document(layer)
    if fmt == "xml":
        styles.layer_style(layer)  # NotFound for an unknown id
        return mapproxy_config.mapnik_xml([layer])  # styles only: no database connection in a download
    raise NotFound(f"Không có định dạng '{fmt}' / unknown style format '{fmt}' (json, qml, sld, xml)")


def style(request: HttpRequest, layer: str, fmt: str) -> HttpResponse:
    """`/styles/<layer>.json|qml|sld|xml` and `/styles/ioc.json`: MapLibre, QGIS (QML, SLD), Mapnik; generated."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
    try:
        body = style_document(layer, fmt)
    except GisError as error:
        return error_response(error)
    headers = {"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=300"}
    if fmt in ("qml", "sld"):
        headers["Content-Disposition"] = f'attachment; filename="{layer}.{fmt}"'
    return HttpResponse(body, content_type=STYLE_TYPES[fmt], headers=headers)
