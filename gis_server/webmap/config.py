"""What the web map page needs to know, derived from the layer registry and the shared styles.

One MapLibre style over the operations centre's tileset (``/tiles/ioc``: one
MVT layer per registry layer), with the paint of every layer taken from
``tile_cache.styles`` so the web map and QGIS never disagree on a colour.
Ward names are drawn by MapLibre with the browser's own fonts: the style
names no glyph server (``GIS_GLYPHS_URL`` unset), so the page stays offline.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from layers import registry, vocabulary
from layers.crs import TAN_BINH_WGS84_BOUNDS
from tile_cache import styles
from tile_cache.grid import IOC

VENDOR_DIR = Path(__file__).resolve().parent / "static" / "webmap" / "vendor" / "maplibre-gl"
VENDOR_FILES = ("maplibre-gl.mjs", "maplibre-gl-worker.mjs", "maplibre-gl.css")
SOURCE = "tanbinh"
BACKGROUND = "#f3f1ec"
# Reversing a URL pattern with this id and cutting it out gives the path prefix the page's script completes.
_PLACEHOLDER = 987654321


def _layer_style(layer: registry.Layer) -> list[dict[str, Any]]:
    """The layer's MapLibre layers from the shared style, retargeted to the one tileset."""
    return [
        {**entry, "source": SOURCE, "source-layer": layer.id, "metadata": {"tanbinh:layer": layer.id}}
        for entry in styles.maplibre(layer.id)["layers"]
    ]


def map_style(tilejson_url: str) -> dict[str, Any]:
    """A complete MapLibre style: our tiles only, no basemap, glyph server or sprites (the page works offline).
    The operations centre's style, layer for layer and in its order, over the page's own source."""
    found = [
        {**entry, "source": SOURCE, "metadata": {"tanbinh:layer": entry["source-layer"]}}
        for entry in styles.maplibre(IOC)["layers"]
    ]
    background = {"id": "background", "type": "background", "paint": {"background-color": BACKGROUND}}
    return {
        "version": 8,
        "name": "Tân Bình – bản đồ quy hoạch",
        "sources": {SOURCE: {"type": "vector", "url": tilejson_url}},
        "layers": [background, *found],
    }


def layers() -> list[dict[str, Any]]:
    """One toggle per registry layer, in the registry's order, with its MapLibre layer ids and legend."""
    return [
        {
            "id": layer.id,
            "title_vi": layer.title_vi,
            "title_en": layer.title_en,
            "min_zoom": layer.min_zoom,
            "style_layers": [entry["id"] for entry in _layer_style(layer)],
            "swatch": _swatch(layer),
            "legend": styles.legend(layer.id),
        }
        for layer in registry.LAYERS
    ]


def _swatch(layer: registry.Layer) -> dict[str, str | None]:
    style = styles.layer_style(layer.id)
    fill = style.fill or (style.classes[0].color if style.classes else None)
    return {"fill": fill, "stroke": style.stroke}


def _prefix(name: str) -> str:
    return reverse(name, kwargs={"parcel_id": _PLACEHOLDER}).replace(str(_PLACEHOLDER), "{id}")


def page_config(request: HttpRequest) -> dict[str, Any]:
    tilejson = request.build_absolute_uri(reverse("tilejson", kwargs={"tileset": IOC}))
    return {
        "bounds": list(TAN_BINH_WGS84_BOUNDS),
        "style": map_style(tilejson),
        # ?wall: the operations centre's screen — the map and every legend, nothing to type into (app.js).
        "wall": "wall" in request.GET,
        # The TileJSON's tile URL changes with every load: read again this often, the map follows (refresh.js).
        "refresh": {"source": SOURCE, "tilejson": tilejson, "seconds": settings.GIS_MAP_REFRESH_SECONDS},
        # The district's clock, not the screen's: a wall PC left on UTC would put the stamp seven hours off.
        "time_zone": settings.TIME_ZONE,
        "layers": layers(),
        "parcel_min_zoom": registry.PARCELS.min_zoom,
        # Ward names the search box recognises before it asks the API (old wards, then the 2025 wards).
        "wards": {"old": list(vocabulary.OLD_WARDS), "new": list(vocabulary.WARDS_2025)},
        "api": {
            "search": reverse("api-search"),
            "by_key": reverse("api-parcels"),
            "at": reverse("api-parcels-at"),
            "planning": _prefix("api-planning"),
            "sheet": _prefix("planning-sheet"),
        },
    }
