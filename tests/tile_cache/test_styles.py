"""Styles: every layer in four formats, one palette across all of them, no private field anywhere."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest
import yaml
from django.test import Client

from fixtures.vocab import ZONE_FUNCTIONS
from layers import registry
from layers.vocabulary import land_use
from tile_cache import mapproxy_config, styles

SLD_NS = {"sld": "http://www.opengis.net/sld", "ogc": "http://www.opengis.net/ogc"}
FORMATS = ("json", "qml", "sld", "xml")
PRIVATE_NAMES = sorted(
    {name for layer in registry.LAYERS for f in layer.private_fields for name in (f.name, *f.aliases)}
)


def palette_file(kind: str) -> dict[str, str]:
    data = yaml.safe_load(styles.PALETTE_FILE.read_text(encoding="utf-8"))[kind]
    return {code: (value if isinstance(value, str) else value["color"]).lower() for code, value in data.items()}


def maplibre_colours(doc: dict) -> dict[str, str]:
    fill = next(layer for layer in doc["layers"] if layer["type"] == "fill")["paint"]["fill-color"]
    assert fill[0] == "match"
    pairs = fill[2:-1]
    return {pairs[i]: pairs[i + 1].lower() for i in range(0, len(pairs), 2)}


def mapnik_colours(text: str) -> dict[str, str]:
    found = {}
    for rule in ET.fromstring(text).iter("Rule"):
        condition = rule.find("Filter")
        if condition is not None and condition.text:
            code = re.fullmatch(r"\[class_code\] = '(\w+)'", condition.text.strip())
            assert code, condition.text
            symbolizer = rule.find("PolygonSymbolizer")
            assert symbolizer is not None
            found[code.group(1)] = str(symbolizer.get("fill")).lower()
    return found


def qml_colours(text: str) -> dict[str, str]:
    root = ET.fromstring(text.split("\n", 1)[1])
    symbols = {}
    for symbol in root.iter("symbol"):
        rgba = next(str(o.get("value")) for o in symbol.iter("Option") if o.get("name") == "color")
        red, green, blue, _ = (int(v) for v in rgba.split(","))
        symbols[symbol.get("name")] = f"#{red:02x}{green:02x}{blue:02x}"
    return {str(c.get("value")): symbols[c.get("symbol")] for c in root.iter("category") if c.get("value")}


def sld_colours(text: str) -> dict[str, str]:
    found = {}
    for rule in ET.fromstring(text).iterfind(".//sld:Rule", SLD_NS):
        literal = rule.find(".//ogc:PropertyIsEqualTo/ogc:Literal", SLD_NS)
        if literal is None:
            continue
        fill = rule.find("sld:PolygonSymbolizer/sld:Fill/sld:CssParameter[@name='fill']", SLD_NS)
        assert fill is not None
        found[str(literal.text)] = str(fill.text).lower()
    return found


@pytest.mark.parametrize(("layer_id", "kind"), [("parcels", "land_use"), ("zoning", "zoning")])
def test_one_palette_across_maplibre_mapnik_qml_and_sld(layer_id: str, kind: str) -> None:
    expected = palette_file(kind)
    assert maplibre_colours(styles.maplibre(layer_id)) == expected
    assert mapnik_colours(mapproxy_config.mapnik_xml([layer_id])) == expected
    assert qml_colours(styles.qml(layer_id)) == expected
    assert sld_colours(styles.sld(layer_id)) == expected


def test_palette_covers_the_land_use_vocabulary_and_the_zoning_functions() -> None:
    assert set(palette_file("land_use")) == set(land_use()["codes"])
    assert set(palette_file("zoning")) == set(ZONE_FUNCTIONS)
    legend = {entry["code"]: entry["label_vi"] for entry in styles.legend("parcels")}
    assert legend["ODT"] == "Đất ở tại đô thị"
    assert legend[""] == "Khác"


@pytest.mark.parametrize("layer_id", styles.style_ids())
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_layer_has_every_format_served_and_parseable(client: Client, layer_id: str, fmt: str) -> None:
    response = client.get(f"/styles/{layer_id}.{fmt}")
    assert response.status_code == 200
    text = response.content.decode()
    if fmt == "json":
        doc = json.loads(text)
        assert doc["version"] == 8 and doc["metadata"]["tanbinh:layer"] == layer_id
    elif fmt == "qml":
        assert ET.fromstring(text.split("\n", 1)[1]).tag == "qgis"
        assert response["Content-Disposition"] == f'attachment; filename="{layer_id}.qml"'
    else:
        assert ET.fromstring(text.encode()).tag in ("{http://www.opengis.net/sld}StyledLayerDescriptor", "Map")
    lowered = text.lower()
    assert not [name for name in PRIVATE_NAMES if name.lower() in lowered]


def test_generated_mapnik_xml_loads_in_mapnik() -> None:
    from tile_cache.mapproxy_app import mapnik  # imported where the environment is kept clean

    for layer_id in styles.style_ids():
        m = mapnik.Map(256, 256)
        mapnik.load_map_from_string(m, mapproxy_config.mapnik_xml([layer_id]))
        assert [layer.name for layer in m.layers] == [layer_id]


def test_wards_are_outlines_labelled_with_their_vietnamese_names() -> None:
    doc = styles.maplibre("wards_2025")
    kinds = {layer["type"]: layer for layer in doc["layers"]}
    assert set(kinds) == {"line", "symbol"}
    assert kinds["symbol"]["layout"]["text-field"] == ["get", "name"]
    assert "TextSymbolizer" in styles.sld("wards_2025") and 'fieldName="name"' in styles.qml("wards_2025")
    assert "[name]" in mapproxy_config.mapnik_xml(["wards_2025"])
    assert doc["name"] == "Phường mới (từ 01/7/2025)"


def test_parcels_are_classed_by_the_first_land_use_code() -> None:
    expression = next(layer for layer in styles.maplibre("parcels")["layers"] if layer["type"] == "fill")
    first = expression["paint"]["fill-color"][1]
    assert first[0] == "slice" and ["get", "land_use"] in first
    db = mapproxy_config.Database("h", "5432", "u", "", "d")
    assert "split_part(land_use, '+', 1)" in mapproxy_config.mapnik_xml(["parcels"], db)
    assert "ODT+*" in styles.sld("parcels")
    assert "string_to_array(&quot;land_use&quot;, '+')" in styles.qml("parcels")


def test_a_style_naming_a_private_field_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = dict(styles.palette())
    spec["layers"] = {**spec["layers"], "parcels": {**spec["layers"]["parcels"], "label": "owner_name"}}
    monkeypatch.setattr(styles, "palette", lambda: spec)
    with pytest.raises(ValueError, match="private field 'owner_name'"):
        styles.maplibre("parcels")


def test_mapnik_database_query_selects_only_public_fields() -> None:
    db = mapproxy_config.Database("127.0.0.1", "5432", "postgres", "", "tanbinh")
    text = mapproxy_config.mapnik_xml([layer.id for layer in registry.LAYERS], db)
    assert not [name for name in PRIVATE_NAMES if name.lower() in text.lower()]
    assert "SELECT *" not in text


def test_committed_maplibre_files_match_the_generator() -> None:
    for layer_id in styles.style_ids():
        committed = json.loads((styles.STYLES_DIR / f"{layer_id}.json").read_text(encoding="utf-8"))
        assert committed == json.loads(json.dumps(styles.maplibre(layer_id))), f"regenerate styles/{layer_id}.json"


def test_unknown_layer_or_format_is_404(client: Client) -> None:
    assert client.get("/styles/owners.qml").status_code == 404
    assert client.get("/styles/parcels.shp").status_code == 404
    assert client.get("/styles/..%2Fsettings.json").status_code == 404
