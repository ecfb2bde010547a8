"""Map styles generated from one palette (``styles/palette.yaml``) and the layer registry.

MapLibre JSON (the web map, and ``ioc``: every layer in one), QML and — in
``tile_cache.sld`` — SLD (QGIS users) and — in ``tile_cache.mapproxy_config`` —
Mapnik XML (raster tiles) are all built from
the same :class:`LayerStyle`, so a land-use colour can never differ between
them. Only public registry fields may be classed or labelled: a style naming a
private field (owner, certificate) is refused when it is built.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

from gis_server.errors import NotFound
from layers import registry
from layers.vocabulary import land_use

IOC = "ioc"  # the operations centre's combined style over /tiles/ioc (MapLibre JSON only)

STYLES_DIR = Path(__file__).resolve().parent.parent / "styles"
PALETTE_FILE = STYLES_DIR / "palette.yaml"
# Web-Mercator scale denominator of zoom 0 for 256-pixel tiles (OGC 0.28 mm pixels).
SCALE_Z0 = 559082264.0287178
LABEL_FONT = "DejaVu Sans Book"  # bundled with Mapnik; carries every Vietnamese letter
RASTER_TILES = "/mapproxy/wmts/{layer}/webmercator/{{z}}/{{x}}/{{y}}.png"
# The first code of a classed field ("ODT" of "ODT+CLN"), computed in SQL for vector and raster tiles alike.
CLASS_COLUMN = "class_code"
# Draw order of the combined style, as the web map draws: fills (zoning under parcels, rights of way over
# them so the red-line strip shows), then outlines, then labels.
DRAW_ORDER = (
    "zoning-fill",
    "parcels-fill",
    "road_boundaries-fill",
    "alleys-fill",
    "zoning-line",
    "parcels-line",
    "alleys-line",
    "road_boundaries-line",
    "wards-line",
    "wards_2025-line",
    "wards-label",
    "wards_2025-label",
)


@dataclass(frozen=True)
class StyleClass:
    """One legend entry: a code, its colour and its Vietnamese label."""

    code: str
    color: str
    label_vi: str


@dataclass(frozen=True)
class LayerStyle:
    """Everything any renderer needs to draw one layer, derived from the palette and the registry."""

    layer_id: str
    title_vi: str
    min_zoom: int
    max_zoom: int
    field: str | None = None
    classes: tuple[StyleClass, ...] = ()
    other: StyleClass | None = None
    fill: str | None = None
    stroke: str | None = None
    stroke_width: float = 1.0
    opacity: float = 1.0
    dash: tuple[float, ...] = ()
    label: str | None = None
    label_color: str = "#000000"
    raster: bool = False

    @property
    def has_fill(self) -> bool:
        return bool(self.classes) or self.fill is not None


@cache
def palette() -> dict[str, Any]:
    """The palette file, parsed once per process (it is data shipped with the code)."""
    with PALETTE_FILE.open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = yaml.safe_load(handle)
    return loaded


def _classes(kind: str) -> tuple[StyleClass, ...]:
    """Legend entries of one classification; land-use labels come from the land-use vocabulary."""
    entries = palette()[kind]
    if kind == "land_use":
        names = land_use()["codes"]
        return tuple(StyleClass(code, str(color), str(names[code])) for code, color in entries.items())
    return tuple(StyleClass(code, str(e["color"]), str(e["label_vi"])) for code, e in entries.items())


def _check_public(layer: registry.Layer, names: tuple[str | None, ...]) -> None:
    for name in names:
        if name is not None and not layer.field(name).public:
            raise ValueError(f"style of {layer.id} names the private field {name!r}")


def style_ids() -> tuple[str, ...]:
    """Every layer that has a style: the vector layers and the raster layers."""
    return (*registry.ids(), *registry.raster_ids())


def layer_style(layer_id: str) -> LayerStyle:
    """The style of a registry layer; NotFound for an unknown id."""
    if layer_id not in style_ids():
        raise NotFound(f"Không có kiểu bản đồ '{layer_id}' / no style for '{layer_id}'")
    spec = dict(palette()["layers"][layer_id])
    raster = next((r for r in registry.RASTERS if r.id == layer_id), None)
    if raster is not None:
        return LayerStyle(layer_id, raster.title_vi, raster.min_zoom, raster.max_zoom, raster=True)
    layer = registry.get(layer_id)
    _check_public(layer, (spec.get("field"), spec.get("label")))
    other = palette()["other"]
    return LayerStyle(
        layer_id=layer_id,
        title_vi=layer.title_vi,
        min_zoom=layer.min_zoom,
        max_zoom=layer.max_zoom,
        field=spec.get("field"),
        classes=_classes(spec["classes"]) if "classes" in spec else (),
        other=StyleClass("", str(other["color"]), str(other["label_vi"])) if "classes" in spec else None,
        fill=spec.get("fill"),
        stroke=spec.get("stroke"),
        stroke_width=float(spec.get("stroke_width", 1.0)),
        opacity=float(spec.get("opacity", 1.0)),
        dash=tuple(float(d) for d in spec.get("dash", ())),
        label=spec.get("label"),
        label_color=str(spec.get("label_color", "#000000")),
    )


def scale_denominator(zoom: float) -> float:
    """Scale denominator at a (fractional) Web-Mercator zoom: what SLD, QML and Mapnik speak."""
    return SCALE_Z0 / 2**zoom


def visible_scales(style: LayerStyle) -> tuple[float, float]:
    """(max, min) scale denominators of the zoom range, half a level wide so the edges are inclusive."""
    return scale_denominator(style.min_zoom - 0.5), scale_denominator(style.max_zoom + 0.5)


def legend(layer_id: str) -> list[dict[str, str]]:
    style = layer_style(layer_id)
    entries = [*style.classes, *([style.other] if style.other else [])]
    return [{"code": c.code, "label_vi": c.label_vi, "color": c.color} for c in entries]


def class_source(layer_id: str) -> str | None:
    """The field whose first code picks the layer's colour, or None when the layer is not classed.

    Vector tiles carry that first code as a field of its own (``CLASS_COLUMN``), as the Mapnik query does:
    QGIS 3.22's MapLibre converter has no ``slice``/``index-of``, so a style cannot cut "ODT+CLN" itself.
    """
    style = layer_style(layer_id)
    return style.field if style.classes else None


def derived_tile_fields(layer: registry.Layer) -> tuple[registry.Field, ...]:
    """Fields the tiles carry beyond the registry's (the class code): what TileJSON and OGC API Tiles list."""
    source = class_source(layer.id)
    if source is None:
        return ()
    origin = layer.field(source)
    title_vi = f"Mã phân loại (mã đầu tiên của {origin.title_vi.lower()})"
    title_en = f"Class code (first code of {origin.title_en.lower()})"
    return (registry.Field(CLASS_COLUMN, registry.Kind.TEXT, title_vi, title_en),)


def tile_fields(layer: registry.Layer) -> tuple[registry.Field, ...]:
    """Every field a vector tile of the layer carries besides the id, in the tile's column order."""
    return (*layer.tiled_fields, *derived_tile_fields(layer))


# ---------------------------------------------------------------- MapLibre


def _fill_color(style: LayerStyle) -> Any:
    """A ``match`` on the tiles' class code; each label a one-element array, since QGIS 3.22 reads a bare
    string label as an empty list (``IN ()``) while MapLibre accepts both."""
    if not style.classes or style.field is None or style.other is None:
        return style.fill
    pairs = [item for c in style.classes for item in ([c.code], c.color)]
    return ["match", ["get", CLASS_COLUMN], *pairs, style.other.color]


def _maplibre_layers(style: LayerStyle) -> list[dict[str, Any]]:
    base = {"source": style.layer_id, "source-layer": style.layer_id, "minzoom": style.min_zoom}
    layers: list[dict[str, Any]] = []
    if style.has_fill:
        paint = {"fill-color": _fill_color(style), "fill-opacity": style.opacity}
        layers.append({"id": f"{style.layer_id}-fill", "type": "fill", **base, "paint": paint})
    if style.stroke:
        line: dict[str, Any] = {"line-color": style.stroke, "line-width": style.stroke_width}
        if style.dash:
            line["line-dasharray"] = list(style.dash)
        layers.append({"id": f"{style.layer_id}-line", "type": "line", **base, "paint": line})
    if style.label:
        # A glyph server's font first; drawn by the browser, the first family it has, a sans-serif at worst.
        fonts = ["Noto Sans Regular", "DejaVu Sans", "sans-serif"]
        layout = {"text-field": ["get", style.label], "text-font": fonts, "text-size": 13}
        paint = {"text-color": style.label_color, "text-halo-color": "#ffffff", "text-halo-width": 1.5}
        # Only the label points the tiles carry (tile_cache/mvt.py): one name per feature, not one per tile.
        label_points = ["==", ["geometry-type"], "Point"]
        layers.append(
            {"id": f"{style.layer_id}-label", "type": "symbol", **base, "filter": label_points, "layout": layout,
             "paint": paint}
        )  # fmt: skip
    return layers


def _ioc_maplibre() -> dict[str, Any]:
    """Every vector layer's style layers over the one ``/tiles/ioc`` source, in ``DRAW_ORDER``.

    QGIS takes one style per vector tile connection, so the all-layers tileset needs its own document.
    """
    rank = {name: i for i, name in enumerate(DRAW_ORDER)}
    found = [{**entry, "source": IOC} for layer in registry.LAYERS for entry in maplibre(layer.id)["layers"]]
    found.sort(key=lambda entry: rank.get(entry["id"], len(rank)))
    legends = {layer.id: legend(layer.id) for layer in registry.LAYERS}
    title = "Tổng hợp các lớp (Trung tâm điều hành)"
    return {
        "version": 8,
        "name": title,
        "metadata": {"tanbinh:layer": IOC, "tanbinh:title_vi": title, "tanbinh:legend": legends},
        "sources": {IOC: {"type": "vector", "url": f"/tiles/{IOC}.json"}},
        **_glyphs(),
        "layers": found,
    }


def _glyphs() -> dict[str, str]:
    """The style's ``glyphs`` when ``GIS_GLYPHS_URL`` names a glyph server; none otherwise, and MapLibre GL JS
    draws the labels with the browser's fonts (a ``glyphs`` URL that 404s costs a failed request per range)."""
    url = str(getattr(settings, "GIS_GLYPHS_URL", "") or "")
    return {"glyphs": url} if url else {}


def maplibre(layer_id: str) -> dict[str, Any]:
    """A MapLibre style document for one layer (vector tiles from /tiles, the raster layer from MapProxy),
    or for ``ioc``: all vector layers in one."""
    if layer_id == IOC:
        return _ioc_maplibre()
    style = layer_style(layer_id)
    meta = {"tanbinh:layer": layer_id, "tanbinh:title_vi": style.title_vi, "tanbinh:legend": legend(layer_id)}
    doc: dict[str, Any] = {"version": 8, "name": style.title_vi, "metadata": meta}
    if style.raster:
        tiles = [RASTER_TILES.format(layer=layer_id)]
        source = {"type": "raster", "tiles": tiles, "tileSize": 256, "minzoom": style.min_zoom}
        paint = {"raster-opacity": 1.0}
        doc["sources"] = {layer_id: {**source, "maxzoom": style.max_zoom}}
        doc["layers"] = [{"id": f"{layer_id}-raster", "type": "raster", "source": layer_id, "paint": paint}]
        return doc
    doc["sources"] = {layer_id: {"type": "vector", "url": f"/tiles/{layer_id}.json"}}
    if style.label:
        doc.update(_glyphs())
    doc["layers"] = _maplibre_layers(style)
    return doc


# ---------------------------------------------------------------- QML (QGIS 3)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrib)
    if text is not None:
        element.text = text
    return element


def qgis_color(hex_color: str, alpha: float = 1.0) -> str:
    """'#rrggbb' as QGIS writes colours: 'r,g,b,a' with a in 0–255."""
    red, green, blue = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"{red},{green},{blue},{round(alpha * 255)}"


def _qml_symbol(parent: ET.Element, name: str, style: LayerStyle, color: str | None) -> None:
    symbol = _sub(parent, "symbol", type="fill", name=name, alpha="1", clip_to_extent="1", force_rhr="0")
    layer = _sub(symbol, "layer", **{"class": "SimpleFill", "enabled": "1", "pass": "0", "locked": "0"})
    options = _sub(layer, "Option", type="Map")
    values = {
        "color": qgis_color(color, style.opacity) if color else "0,0,0,0",
        "style": "solid" if color else "no",
        "outline_color": qgis_color(style.stroke) if style.stroke else "0,0,0,0",
        "outline_style": ("dash" if style.dash else "solid") if style.stroke else "no",
        "outline_width": f"{style.stroke_width:g}",
        "outline_width_unit": "Pixel",
    }
    for key, value in values.items():
        _sub(options, "Option", name=key, value=value, type="QString")


def _qml_renderer(root: ET.Element, style: LayerStyle) -> None:
    if style.raster:
        pipe = _sub(root, "pipe")
        _sub(
            pipe,
            "rasterrenderer",
            type="multibandcolor",
            opacity="1",
            alphaBand="-1",
            redBand="1",
            greenBand="2",
            blueBand="3",
        )
        return
    if not style.classes or style.field is None or style.other is None:
        renderer = _sub(root, "renderer-v2", type="singleSymbol", symbollevels="0", forceraster="0")
        _qml_symbol(_sub(renderer, "symbols"), "0", style, style.fill)
        return
    expression = f"array_first(string_to_array(\"{style.field}\", '+'))"
    renderer = _sub(root, "renderer-v2", type="categorizedSymbol", attr=expression, symbollevels="0", forceraster="0")
    categories, symbols = _sub(renderer, "categories"), _sub(renderer, "symbols")
    for index, entry in enumerate([*style.classes, style.other]):
        label = f"{entry.code} – {entry.label_vi}" if entry.code else entry.label_vi
        _sub(categories, "category", symbol=str(index), value=entry.code, label=label, render="true")
        _qml_symbol(symbols, str(index), style, entry.color)


def _qml_labels(root: ET.Element, style: LayerStyle) -> None:
    if not style.label:
        return
    settings_ = _sub(_sub(root, "labeling", type="simple"), "settings", calloutType="simple")
    # Weight and style spelt out: QGIS reads a missing fontWeight as 0 and takes DejaVu Sans ExtraLight, a thin
    # grey-looking face, wherever it is installed (Debian's QGIS installs it). 50 is Qt 5's normal weight.
    text = {
        "fieldName": style.label, "fontFamily": "DejaVu Sans", "namedStyle": "Book", "fontWeight": "50",
        "fontSize": "10", "fontSizeUnit": "Point", "textOpacity": "1", "isExpression": "0",
    }  # fmt: skip
    _sub(settings_, "text-style", textColor=qgis_color(style.label_color), **text)
    _sub(settings_, "text-buffer", bufferDraw="1", bufferSize="1", bufferColor="255,255,255,255")
    _sub(settings_, "placement", placement="1")
    # The wards are not obstacles to their own names: QGIS drops a name that would cover its polygons (a narrow
    # ward's name is wider than the ward), so Phường 10 and Phường 6 went unnamed.
    _sub(settings_, "rendering", obstacle="0")


def qml(layer_id: str) -> str:
    """A QGIS layer style (.qml): categorised by the first land-use/function code, labels where the map has them."""
    style = layer_style(layer_id)
    high, low = visible_scales(style)
    root = ET.Element(
        "qgis",
        version="3.34.0",
        styleCategories="Symbology|Labeling|Rendering",
        hasScaleBasedVisibilityFlag="1",
        minScale=f"{high:.0f}",  # QGIS: the most zoomed-out scale shown
        maxScale=f"{low:.0f}",  # and the most zoomed-in
        labelsEnabled="1" if style.label else "0",
    )
    _qml_renderer(root, style)
    _qml_labels(root, style)
    ET.indent(root)
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(root, encoding="unicode")


def write_maplibre_files(directory: Path = STYLES_DIR) -> list[Path]:
    """Regenerate ``styles/<layer>.json`` and ``ioc.json`` (kept in the repository; a test checks they match)."""
    written = []
    for layer_id in (*style_ids(), IOC):
        target = directory / f"{layer_id}.json"
        target.write_text(json.dumps(maplibre(layer_id), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(target)
    return written
