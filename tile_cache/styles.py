"""Map styles generated from one palette (``styles/palette.yaml``) and the layer registry.

MapLibre JSON (the web map), QML and SLD (QGIS users) and — in
``tile_cache.mapproxy_config`` — Mapnik XML (raster tiles) are all built from
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

STYLES_DIR = Path(__file__).resolve().parent.parent / "styles"
PALETTE_FILE = STYLES_DIR / "palette.yaml"
# Web-Mercator scale denominator of zoom 0 for 256-pixel tiles (OGC 0.28 mm pixels).
SCALE_Z0 = 559082264.0287178
LABEL_FONT = "DejaVu Sans Book"  # bundled with Mapnik; carries every Vietnamese letter
DEFAULT_GLYPHS = "/static/glyphs/{fontstack}/{range}.pbf"
RASTER_TILES = "/mapproxy/wmts/{layer}/webmercator/{{z}}/{{x}}/{{y}}.png"


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
    return (*registry.ids(), *(r.id for r in registry.RASTERS))


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


# ---------------------------------------------------------------- MapLibre


def _first_code(field: str) -> list[Any]:
    """MapLibre expression for the first code of "ODT+CLN" (the whole value when there is no '+')."""
    value = ["get", field]
    cut = ["index-of", "+", value]
    return ["slice", value, 0, ["case", [">=", cut, 0], cut, ["length", value]]]


def _fill_color(style: LayerStyle) -> Any:
    if not style.classes or style.field is None or style.other is None:
        return style.fill
    pairs = [item for c in style.classes for item in (c.code, c.color)]
    return ["match", _first_code(style.field), *pairs, style.other.color]


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
        layout = {"text-field": ["get", style.label], "text-font": ["Noto Sans Regular"], "text-size": 13}
        paint = {"text-color": style.label_color, "text-halo-color": "#ffffff", "text-halo-width": 1.5}
        layers.append({"id": f"{style.layer_id}-label", "type": "symbol", **base, "layout": layout, "paint": paint})
    return layers


def maplibre(layer_id: str) -> dict[str, Any]:
    """A MapLibre style document for one layer: vector tiles from /tiles, the raster layer from MapProxy."""
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
        doc["glyphs"] = getattr(settings, "GIS_GLYPHS_URL", DEFAULT_GLYPHS)
    doc["layers"] = _maplibre_layers(style)
    return doc


# ---------------------------------------------------------------- SLD 1.0

SLD = "http://www.opengis.net/sld"
OGC = "http://www.opengis.net/ogc"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrib)
    if text is not None:
        element.text = text
    return element


def _css(parent: ET.Element, tag: str, params: dict[str, str]) -> None:
    holder = _sub(parent, f"{{{SLD}}}{tag}")
    for name, value in params.items():
        _sub(holder, f"{{{SLD}}}CssParameter", value, name=name)


def _sld_filter(rule: ET.Element, field: str, code: str) -> None:
    """First code equals `code`: the value is `code` or starts with `code+`."""
    either = _sub(_sub(rule, f"{{{OGC}}}Filter"), f"{{{OGC}}}Or")
    equal = _sub(either, f"{{{OGC}}}PropertyIsEqualTo")
    _sub(equal, f"{{{OGC}}}PropertyName", field)
    _sub(equal, f"{{{OGC}}}Literal", code)
    like = _sub(either, f"{{{OGC}}}PropertyIsLike", wildCard="*", singleChar="?", escapeChar="\\")
    _sub(like, f"{{{OGC}}}PropertyName", field)
    _sub(like, f"{{{OGC}}}Literal", f"{code}+*")


def _sld_symbolizers(rule: ET.Element, style: LayerStyle, color: str | None) -> None:
    if style.raster:
        _sub(_sub(rule, f"{{{SLD}}}RasterSymbolizer"), f"{{{SLD}}}Opacity", "1.0")
        return
    symbolizer = _sub(rule, f"{{{SLD}}}PolygonSymbolizer")
    if color is not None:
        _css(symbolizer, "Fill", {"fill": color, "fill-opacity": f"{style.opacity:g}"})
    if style.stroke:
        stroke = {"stroke": style.stroke, "stroke-width": f"{style.stroke_width:g}"}
        if style.dash:
            stroke["stroke-dasharray"] = " ".join(f"{d:g}" for d in style.dash)
        _css(symbolizer, "Stroke", stroke)


def _sld_rule(parent: ET.Element, style: LayerStyle, entry: StyleClass | None) -> ET.Element:
    """A rule with its name, filter and scale range; the caller adds the symbolizers."""
    rule = _sub(parent, f"{{{SLD}}}Rule")
    if entry is not None:
        _sub(rule, f"{{{SLD}}}Name", entry.code or "other")
        _sub(rule, f"{{{SLD}}}Title", f"{entry.code} – {entry.label_vi}" if entry.code else entry.label_vi)
        if entry.code and style.field:
            _sld_filter(rule, style.field, entry.code)
        elif not entry.code:
            _sub(rule, f"{{{SLD}}}ElseFilter")
    high, low = visible_scales(style)
    _sub(rule, f"{{{SLD}}}MinScaleDenominator", f"{low:.2f}")
    _sub(rule, f"{{{SLD}}}MaxScaleDenominator", f"{high:.2f}")
    return rule


def _sld_label(parent: ET.Element, style: LayerStyle) -> None:
    if not style.label:
        return
    text = _sub(_sld_rule(parent, style, None), f"{{{SLD}}}TextSymbolizer")
    _sub(_sub(text, f"{{{SLD}}}Label"), f"{{{OGC}}}PropertyName", style.label)
    _css(text, "Font", {"font-family": "DejaVu Sans", "font-size": "12"})
    halo = _sub(text, f"{{{SLD}}}Halo")
    _sub(halo, f"{{{SLD}}}Radius", "1.5")
    _css(halo, "Fill", {"fill": "#ffffff"})
    _css(text, "Fill", {"fill": style.label_color})


def sld(layer_id: str) -> str:
    """An SLD 1.0 document (QGIS, GeoServer): one rule per legend entry, an ElseFilter for other codes."""
    style = layer_style(layer_id)
    ET.register_namespace("", SLD)
    ET.register_namespace("ogc", OGC)
    root = ET.Element(f"{{{SLD}}}StyledLayerDescriptor", version="1.0.0")
    named = _sub(root, f"{{{SLD}}}NamedLayer")
    _sub(named, f"{{{SLD}}}Name", layer_id)
    user = _sub(named, f"{{{SLD}}}UserStyle")
    _sub(user, f"{{{SLD}}}Title", style.title_vi)
    feature_style = _sub(user, f"{{{SLD}}}FeatureTypeStyle")
    entries = [*style.classes, *([style.other] if style.other else [])]
    for entry in entries:
        _sld_symbolizers(_sld_rule(feature_style, style, entry), style, entry.color)
    if not entries:
        _sld_symbolizers(_sld_rule(feature_style, style, None), style, style.fill)
    _sld_label(feature_style, style)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


# ---------------------------------------------------------------- QML (QGIS 3)


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
    text = {"fieldName": style.label, "fontFamily": "DejaVu Sans", "fontSize": "10", "isExpression": "0"}
    _sub(settings_, "text-style", textColor=qgis_color(style.label_color), **text)
    _sub(settings_, "text-buffer", bufferDraw="1", bufferSize="1", bufferColor="255,255,255,255")
    _sub(settings_, "placement", placement="1")


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
    """Regenerate ``styles/<layer>.json`` (kept in the repository for the web map; a test checks they match)."""
    written = []
    for layer_id in style_ids():
        target = directory / f"{layer_id}.json"
        target.write_text(json.dumps(maplibre(layer_id), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(target)
    return written
