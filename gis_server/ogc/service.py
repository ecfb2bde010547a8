"""One pygeoapi ``API`` per process (per public base URL), built lazily on the first request.

pygeoapi's stock Django adapter builds a new ``API`` — and so re-reads its
configuration — on every request. Here the configuration is generated from
the registry once, the OpenAPI document with it, and both are reused; only
the extents are refreshed in place when they grow old.
"""

from __future__ import annotations

import threading
from copy import deepcopy
from http import HTTPStatus
from typing import Any

from django.http import HttpRequest
from pygeoapi.api import API, CONFORMANCE_CLASSES, APIRequest
from pygeoapi.api.tiles import CONFORMANCE_CLASSES as TILES_CONFORMANCE_CLASSES
from pygeoapi.formats import F_HTML
from pygeoapi.openapi import get_oas
from pygeoapi.util import render_j2_template, to_json

from gis_server import longlived
from gis_server.ogc import config

# Base URLs are bounded by ALLOWED_HOSTS; the cap guards against a wildcard there.
_MAX_APIS = 8
_lock = threading.Lock()
_apis: dict[str, API] = {}
_extents = config.Extents()

FEATURES = "http://www.opengis.net/spec/ogcapi-features-{}/1.0/conf/{}"
CQL2 = "http://www.opengis.net/spec/cql2/1.0/conf/{}"
# What this service implements (and tests/ogc exercises) — pygeoapi's own list
# also claims create-replace-delete, and misses CQL2 JSON and the filter classes.
CONFORMANCE: tuple[str, ...] = (
    *CONFORMANCE_CLASSES,
    *TILES_CONFORMANCE_CLASSES,  # vector tiles of every collection (tiles_provider)
    FEATURES.format(1, "core"),
    FEATURES.format(1, "oas30"),
    FEATURES.format(1, "html"),
    FEATURES.format(1, "geojson"),
    FEATURES.format(2, "crs"),
    FEATURES.format(3, "queryables"),
    FEATURES.format(3, "queryables-query-parameters"),
    FEATURES.format(3, "filter"),
    FEATURES.format(3, "features-filter"),
    "http://www.opengis.net/spec/ogcapi-common-3/1.0/conf/schemas",
    CQL2.format("cql2-text"),
    CQL2.format("cql2-json"),
    CQL2.format("basic-cql2"),
    CQL2.format("advanced-comparison-operators"),
    CQL2.format("case-insensitive-comparison"),
    CQL2.format("basic-spatial-functions"),
    CQL2.format("basic-spatial-functions-plus"),
)


def api_for(base_url: str) -> API:
    """The API object for ``base_url``, generated on first use and kept for the life of the process."""
    with _lock:
        api = _apis.get(base_url)
        if api is None:
            generated = config.build(base_url, _extents.current())
            api = API(generated, get_oas(deepcopy(generated)))
            if len(_apis) >= _MAX_APIS:
                _apis.pop(next(iter(_apis)))
            _apis[base_url] = api
            longlived.settle("ogc api")
    return api


def refresh_extents(api: API) -> None:
    """Collection descriptions show extents at most ``config.EXTENT_TTL_S`` old."""
    with _lock:
        _extents.apply(api.config)


def reset() -> None:
    """Forget every API object and extent (tests, or after a change of the registry)."""
    with _lock:
        _apis.clear()
        _extents.forget()


class _Params(dict[str, str]):
    """Query parameters as pygeoapi sees them: all are echoed into its links, the hidden ones read as absent."""

    def __init__(self, items: Any, hidden: frozenset[str]) -> None:
        super().__init__(items)
        self.hidden = hidden

    def get(self, key: str, default: Any = None) -> Any:
        return default if key in self.hidden else super().get(key, default)


class OgcRequest(APIRequest):
    """pygeoapi's request, GET only, hiding the parameters our own code interprets (``params.OWNED``)."""

    def __init__(self, request: HttpRequest, locales: list[Any], hidden: frozenset[str] = frozenset()) -> None:
        super().__init__(request, locales)
        self._visible = _Params(request.GET.items(), hidden)

    @property
    def params(self) -> dict[str, str]:
        return self._visible


def conformance(api: API, request: APIRequest) -> tuple[dict[str, str], int, str]:
    """The conformance declaration: pygeoapi's function with our list (same signature, same templates)."""
    body = {"conformsTo": sorted(set(CONFORMANCE))}
    headers = request.get_response_headers(**api.api_headers)
    if request.format == F_HTML:
        content = render_j2_template(
            api.tpl_config, api.config["server"]["templates"], "conformance.html", body, request.locale
        )
        return headers, HTTPStatus.OK, content
    return headers, HTTPStatus.OK, to_json(body, api.pretty_print)
