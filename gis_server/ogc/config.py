"""pygeoapi's configuration, generated from the layer registry (no hand-kept YAML).

One collection per registry vector layer, titled in Vietnamese and English,
served by our provider with the four CRSs of ``ogc.crs``, and as OGC API -
Tiles (WebMercatorQuad MVT, the layer's zoom range) by ``tiles_provider``.
Spatial extents come from the data (``extents``); the rest is static.
"""

from __future__ import annotations

import time
from typing import Any

from django.db import connection

from gis_server.ogc import crs as ogc_crs
from gis_server.ogc import sql as ogc_sql
from layers import registry
from layers.crs import TAN_BINH_WGS84_BOUNDS
from layers.registry import Layer
from tile_cache import grid

PROVIDER = "gis_server.ogc.provider.PostGISProvider"
TILE_PROVIDER = "gis_server.ogc.tiles_provider.RegistryTileProvider"
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
# Extents follow loads within this many seconds; each process refreshes its own copy.
EXTENT_TTL_S = 300.0


def _metadata(home: str) -> dict[str, Any]:
    """Who serves the data and where people find it: the district's own map (``home``), the page a person
    following the landing page's "about" link (or QGIS's "Metadata" tab) should land on."""
    return {
        "identification": {
            "title": {"vi": "Dữ liệu GIS quận Tân Bình", "en": "Tân Bình district GIS data"},
            "description": {
                "vi": "Thửa đất, quy hoạch phân khu, lộ giới đường và hẻm, ranh giới phường (OGC API - Features).",
                "en": "Cadastral parcels, zoning, road and alley right-of-way, ward boundaries (OGC API - Features).",
            },
            "keywords": {"vi": ["địa chính", "quy hoạch", "lộ giới"], "en": ["cadastre", "zoning", "right-of-way"]},
            "keywords_type": "theme",
            "terms_of_service": "https://opensource.org/license/mit",
            "url": home,
        },
        "license": {"name": "MIT", "url": "https://opensource.org/license/mit"},
        "provider": {"name": registry.PUBLISHER, "url": home},
        "contact": {"name": registry.PUBLISHER, "position": "", "email": "", "url": home, "role": "pointOfContact"},
    }


def _server(base_url: str, site: str) -> dict[str, Any]:
    return {
        "bind": {"host": "127.0.0.1", "port": 0},
        "url": base_url,
        "mimetype": "application/json; charset=UTF-8",
        "encoding": "utf-8",
        "languages": ["vi", "en"],
        "limits": {"default_items": DEFAULT_LIMIT, "max_items": MAX_LIMIT, "on_exceed": "throttle"},
        "pretty_print": False,
        "admin": False,
        # Our own raster tiles (MapProxy, all layers): the HTML pages' maps need no outside server.
        "map": {
            "url": site + "/mapproxy/wmts/ioc/webmercator/{z}/{x}/{y}.png",
            "attribution": registry.PUBLISHER,
        },
    }


def tile_provider(layer: Layer, bbox: list[float]) -> dict[str, Any]:
    """The layer's vector tiles (``/tiles/{id}``) as a pygeoapi tile provider; ``bbox`` bounds the matrix limits."""
    tileset = grid.tileset(layer.id)
    return {
        "type": "tile",
        "name": TILE_PROVIDER,
        "data": layer.id,
        "options": {
            "zoom": {"min": tileset.min_zoom, "max": tileset.data_max_zoom},  # clients overzoom beyond
            "schemes": ["WebMercatorQuad"],
            "bbox": bbox,
        },
        "format": {"name": "mvt", "mimetype": "application/vnd.mapbox-vector-tile"},
    }


def collection(layer: Layer, bbox: list[float]) -> dict[str, Any]:
    """One registry layer as a pygeoapi collection resource."""
    return {
        "type": "collection",
        "title": {"vi": layer.title_vi, "en": layer.title_en},
        "description": {"vi": layer.description_vi, "en": layer.description_en},
        "keywords": {"vi": [layer.title_vi], "en": [layer.title_en]},
        "extents": {"spatial": {"bbox": bbox, "crs": ogc_crs.CRS84}},
        "links": [],
        "providers": [
            {
                "type": "feature",
                "name": PROVIDER,
                "data": layer.id,
                "id_field": "id",
                "crs": list(ogc_crs.URIS),
                "storage_crs": ogc_crs.STORAGE_CRS,
            },
            tile_provider(layer, bbox),
        ],
    }


def build(base_url: str, extents: dict[str, list[float]]) -> dict[str, Any]:
    """The whole configuration for an API served at ``base_url``."""
    fallback = list(TAN_BINH_WGS84_BOUNDS)
    site = base_url.rsplit("/ogc", 1)[0]  # the server's root, where the web map is
    return {
        "server": _server(base_url, site),
        "logging": {"level": "ERROR"},
        "metadata": _metadata(site + "/"),
        "resources": {layer.id: collection(layer, extents.get(layer.id, fallback)) for layer in registry.LAYERS},
    }


def compute_extents() -> dict[str, list[float]]:
    """Each layer's CRS84 bbox from the data; empty layers are left out (the district bounds stand in)."""
    statement, params = ogc_sql.extents()
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    return {row[0]: [round(float(v), 7) for v in row[1:]] for row in rows if row[1] is not None}


class Extents:
    """Extents computed at most every ``EXTENT_TTL_S`` seconds per process (they need not agree across processes)."""

    def __init__(self, ttl: float = EXTENT_TTL_S) -> None:
        self.ttl = ttl
        self.value: dict[str, list[float]] = {}
        self.at = -float("inf")

    def forget(self) -> None:
        self.value, self.at = {}, -float("inf")

    def current(self) -> dict[str, list[float]]:
        if time.monotonic() - self.at > self.ttl:
            self.value = compute_extents()
            self.at = time.monotonic()
        return self.value

    def apply(self, config: dict[str, Any]) -> None:
        """Refresh the extents of an existing configuration in place (pygeoapi reads them per request)."""
        for layer_id, bbox in self.current().items():
            resource = config["resources"][layer_id]
            resource["extents"]["spatial"]["bbox"] = bbox
            for provider in resource["providers"]:
                if provider["type"] == "tile":
                    provider["options"]["bbox"] = bbox
