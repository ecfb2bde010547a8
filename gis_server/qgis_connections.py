"""Connection files QGIS imports in one step: every layer of the server, the ways the README tells QGIS users.

QGIS's Data Source Manager has a *Load* button per kind of connection
(Vector Tile, WMS/WMTS, WFS / OGC API - Features, XYZ) that reads an XML
exchange file (``QgsManageConnectionsDialog``'s format, one root element per
kind). A planning office adds the whole district in four imports instead
of typing eleven addresses and zoom ranges. Everything comes from the
registry and the tilesets, so a new layer appears here by itself; the tests
import these files with QGIS itself and compare what it stored.

Vector tile URLs carry no data version (``?v=``, see ``tile_cache.tilejson``):
QGIS never reads the connection again, and a pinned version would keep it on
the tiles of one load forever.
"""

from __future__ import annotations

from collections.abc import Callable
from xml.etree import ElementTree

from layers import registry
from tile_cache.grid import IOC, tileset
from tile_cache.styles import RASTER_TILES
from tile_cache.tilejson import TILE_PATH

PREFIX = "Tân Bình"

Connection = dict[str, str]


def _vector_tiles(base: str) -> list[Connection]:
    names = {IOC: f"{PREFIX} — tất cả các lớp (IOC)"}
    names.update({layer.id: f"{PREFIX} — {layer.title_vi}" for layer in registry.LAYERS})
    return [
        {"name": name, "url": base + TILE_PATH.format(tileset=tileset_id),
         "zmin": str(tileset(tileset_id).min_zoom), "zmax": str(tileset(tileset_id).data_max_zoom),
         "serviceType": "", "authcfg": "", "username": "", "password": "", "referer": "",
         "styleUrl": f"{base}/styles/{tileset_id}.json"}
        for tileset_id, name in names.items()
    ]  # fmt: skip


def _ows(name: str, url: str) -> Connection:
    return {"name": name, "url": url, "ignoreGetMapURI": "false", "ignoreGetFeatureInfoURI": "false",
            "ignoreAxisOrientation": "false", "invertAxisOrientation": "false", "referer": "",
            "smoothPixmapTransform": "false", "dpiMode": "7", "username": "", "password": ""}  # fmt: skip


def _wms(base: str) -> list[Connection]:
    return [
        _ows(f"{PREFIX} — WMTS", f"{base}/mapproxy/wmts/1.0.0/WMTSCapabilities.xml"),
        _ows(f"{PREFIX} — WMS", f"{base}/mapproxy/service"),
    ]


def _features(base: str) -> list[Connection]:
    return [{"name": f"{PREFIX} — OGC API Features", "url": f"{base}/ogc", "version": "OGC_API_FEATURES",
             "maxnumfeatures": "", "pagesize": "", "pagingenabled": "true", "ignoreAxisOrientation": "false",
             "invertAxisOrientation": "false", "username": "", "password": ""}]  # fmt: skip


def _xyz(base: str) -> list[Connection]:
    """Raster tiles of every vector layer, drawn by Mapnik through MapProxy, over the layer's zoom range."""
    return [
        {"name": f"{PREFIX} — {layer.title_vi} (ảnh)",
         "url": base + RASTER_TILES.format(layer=layer.id),
         "zmin": str(tileset(layer.id).min_zoom), "zmax": str(tileset(layer.id).data_max_zoom),
         "authcfg": "", "username": "", "password": "", "referer": "", "tilePixelRatio": "0"}
        for layer in registry.LAYERS
    ]  # fmt: skip


# kind (the file's name) → QGIS's root element, its version, the element per connection, the connections.
KINDS: dict[str, tuple[str, str, str, Callable[[str], list[Connection]]]] = {
    "vector-tiles": ("qgsVectorTileConnections", "1.0", "vectortile", _vector_tiles),
    "wms": ("qgsWMSConnections", "1.0", "wms", _wms),
    "features": ("qgsWFSConnections", "1.1", "wfs", _features),
    "xyz": ("qgsXYZTilesConnections", "1.0", "xyztiles", _xyz),
}


def document(kind: str, base: str) -> bytes:
    """The exchange file of ``kind`` (a key of ``KINDS``) for a server at ``base`` (no trailing slash)."""
    root_tag, version, tag, connections = KINDS[kind]
    root = ElementTree.Element(root_tag, version=version)
    for connection in connections(base):
        ElementTree.SubElement(root, tag, connection)
    ElementTree.indent(root)
    text = ElementTree.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE connections>\n{text}\n'.encode()
