"""SLD 1.0 styles (QGIS users, GeoServer), built from the same :class:`~tile_cache.styles.LayerStyle` as the rest.

Every rule carries an explicit filter, including "other" (Khác): QGIS 3.22 imports ``<ElseFilter/>`` as a
rule without a filter and paints it over every feature.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from tile_cache.styles import LayerStyle, StyleClass, layer_style, visible_scales

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


def _sld_code(either: ET.Element, field: str, code: str) -> None:
    """Under an ``ogc:Or``: first code equals `code`, i.e. the value is `code` or starts with `code+`."""
    equal = _sub(either, f"{{{OGC}}}PropertyIsEqualTo")
    _sub(equal, f"{{{OGC}}}PropertyName", field)
    _sub(equal, f"{{{OGC}}}Literal", code)
    like = _sub(either, f"{{{OGC}}}PropertyIsLike", wildCard="*", singleChar="?", escapeChar="\\")
    _sub(like, f"{{{OGC}}}PropertyName", field)
    _sub(like, f"{{{OGC}}}Literal", f"{code}+*")


def _sld_filter(rule: ET.Element, field: str, classes: tuple[StyleClass, ...], entry: StyleClass) -> None:
    """One class's filter; for "other" the explicit negation of every class, or no value at all.

    Not an ``<ElseFilter/>``: QGIS 3.22 imports that as a rule without a filter, painted over every
    feature. The null test keeps features without a code drawn, as MapLibre's and Mapnik's fallbacks do.
    """
    either = _sub(_sub(rule, f"{{{OGC}}}Filter"), f"{{{OGC}}}Or")
    if entry.code:
        _sld_code(either, field, entry.code)
        return
    _sub(_sub(either, f"{{{OGC}}}PropertyIsNull"), f"{{{OGC}}}PropertyName", field)
    known = _sub(_sub(either, f"{{{OGC}}}Not"), f"{{{OGC}}}Or")
    for other in classes:
        _sld_code(known, field, other.code)


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
        if style.field:
            _sld_filter(rule, style.field, style.classes, entry)
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


def document(layer_id: str) -> str:
    """An SLD 1.0 document (QGIS, GeoServer): one rule per legend entry, other codes by an explicit filter."""
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
