"""Styles: every layer in four formats, one palette across all of them, no private field anywhere."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest
import yaml
from django.test import Client

from fixtures.vocab import ZONE_FUNCTIONS
from gis_server.webmap import config as webmap_config
from layers import registry
from layers.vocabulary import land_use
from tile_cache import mapproxy_config, sld, styles

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
    assert fill[1] == ["get", "class_code"]
    pairs = fill[2:-1]
    assert all(isinstance(pairs[i], list) and len(pairs[i]) == 1 for i in range(0, len(pairs), 2))
    return {pairs[i][0]: pairs[i + 1].lower() for i in range(0, len(pairs), 2)}


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
        literal = rule.find("ogc:Filter/ogc:Or/ogc:PropertyIsEqualTo/ogc:Literal", SLD_NS)
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
    assert sld_colours(sld.document(layer_id)) == expected


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
    assert "TextSymbolizer" in sld.document("wards_2025") and 'fieldName="name"' in styles.qml("wards_2025")
    assert "[name]" in mapproxy_config.mapnik_xml(["wards_2025"])
    assert doc["name"] == "Phường mới (từ 01/7/2025)"


def test_parcels_are_classed_by_the_first_land_use_code() -> None:
    """MapLibre matches the tiles' class_code (plain get: QGIS 3.22 has no slice/index-of); the others cut it."""
    expression = next(layer for layer in styles.maplibre("parcels")["layers"] if layer["type"] == "fill")
    fill = expression["paint"]["fill-color"]
    assert fill[:3] == ["match", ["get", "class_code"], ["ODT"]]
    assert not {"slice", "index-of", "length", "case"} & set(re.findall(r'"([a-z-]+)"', json.dumps(fill)))
    assert styles.class_source("parcels") == "land_use" and styles.class_source("wards") is None
    db = mapproxy_config.Database("h", "5432", "u", "", "d")
    assert "split_part(land_use, '+', 1) AS class_code" in mapproxy_config.mapnik_xml(["parcels"], db)
    assert "ODT+*" in sld.document("parcels")
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
    for layer_id in (*styles.style_ids(), styles.IOC):
        committed = json.loads((styles.STYLES_DIR / f"{layer_id}.json").read_text(encoding="utf-8"))
        assert committed == json.loads(json.dumps(styles.maplibre(layer_id))), f"regenerate styles/{layer_id}.json"


def test_unknown_layer_or_format_is_404(client: Client) -> None:
    assert client.get("/styles/owners.qml").status_code == 404
    assert client.get("/styles/parcels.shp").status_code == 404
    assert client.get("/styles/..%2Fsettings.json").status_code == 404


def _gets(node: object) -> set[str]:
    """Every field a MapLibre expression reads with ["get", name]."""
    if isinstance(node, list):
        found = {node[1]} if len(node) == 2 and node[0] == "get" and isinstance(node[1], str) else set()
        return found.union(*(_gets(child) for child in node))
    if isinstance(node, dict):
        return set().union(*(_gets(child) for child in node.values()))
    return set()


@pytest.mark.django_db
def test_ioc_style_draws_every_layer_from_the_ioc_tiles(client: Client) -> None:
    response = client.get("/styles/ioc.json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    doc = response.json()
    assert doc["version"] == 8 and doc["metadata"]["tanbinh:layer"] == "ioc"
    assert doc["sources"] == {"ioc": {"type": "vector", "url": "/tiles/ioc.json"}}
    tilejson = client.get("/tiles/ioc.json").json()
    carried = {layer["id"]: {"id", *layer["fields"]} for layer in tilejson["vector_layers"]}
    by_layer: dict[str, list[dict]] = {}
    for entry in doc["layers"]:
        assert entry["source"] == "ioc"
        by_layer.setdefault(entry["source-layer"], []).append(entry)
        assert _gets(entry) <= carried[entry["source-layer"]], entry["id"]
    assert set(by_layer) == set(registry.ids()) == set(carried)
    ids = [entry["id"] for entry in doc["layers"]]
    assert ids == [name for name in styles.DRAW_ORDER if name in ids] and len(ids) == len(styles.DRAW_ORDER)
    assert set(doc["metadata"]["tanbinh:legend"]) == set(registry.ids())


def test_web_map_draws_in_the_ioc_style_order() -> None:
    """The citizen map and the IOC style QGIS loads stack the same layers the same way, names last."""
    web = [entry["id"] for entry in webmap_config.map_style("http://x/tiles/ioc.json")["layers"][1:]]
    ioc = [entry["id"] for entry in styles.maplibre("ioc")["layers"]]
    assert web == ioc


@pytest.mark.parametrize("fmt", ["qml", "sld", "xml"])
def test_ioc_style_is_json_only(client: Client, fmt: str) -> None:
    response = client.get(f"/styles/ioc.{fmt}")
    assert response.status_code == 404
    assert "MapLibre JSON only" in response.content.decode()


@pytest.mark.parametrize("layer_id", ["parcels", "zoning"])
def test_sld_other_rule_has_an_explicit_filter_and_no_else_filter(layer_id: str) -> None:
    """QGIS 3.22 reads <ElseFilter/> as no filter at all; "other" is NOT(any class) OR no value."""
    text = sld.document(layer_id)
    root = ET.fromstring(text)
    assert root.find(".//sld:ElseFilter", SLD_NS) is None
    rules = root.findall(".//sld:Rule", SLD_NS)
    assert all(rule.find("ogc:Filter", SLD_NS) is not None for rule in rules)
    other = next(rule for rule in rules if rule.findtext("sld:Name", namespaces=SLD_NS) == "other")
    either = other.find("ogc:Filter/ogc:Or", SLD_NS)
    assert either is not None
    assert either.find("ogc:PropertyIsNull/ogc:PropertyName", SLD_NS) is not None
    negated = [str(e.text) for e in either.iterfind("ogc:Not/ogc:Or/ogc:PropertyIsEqualTo/ogc:Literal", SLD_NS)]
    assert negated == [entry["code"] for entry in styles.legend(layer_id) if entry["code"]]
    assert other.findtext("sld:PolygonSymbolizer/sld:Fill/sld:CssParameter[@name='fill']", None, SLD_NS) == "#dee2e6"
