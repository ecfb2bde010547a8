"""Part 3 Filtering: CQL2 text and JSON return exactly what the equivalent SQL returns; sortby, properties."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from gis_server.ogc.crs import EPSG_URI
from layers.crs import transformer
from tests.ogc.conftest import URLCONF

pytestmark = [pytest.mark.urls(URLCONF), pytest.mark.django_db]
ITEMS = "/ogc/collections/parcels/items"


def served_ids(client: Client, **query: str) -> list[int]:
    response = client.get(ITEMS, {"limit": 10_000, "skipGeometry": "true", "sortby": "", **query})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["numberMatched"] == len(body["features"])
    return sorted(f["id"] for f in body["features"])


def sql_ids(rows, where: str, params: tuple = ()) -> list[int]:
    return [r[0] for r in rows(f"SELECT id FROM layer_parcels WHERE {where} ORDER BY id", params)]


CASES = [
    ("land_use = 'ODT'", "land_use = 'ODT'"),
    ("land_use <> 'ODT' AND area > 150", "land_use <> 'ODT' AND area > 150"),
    ("area BETWEEN 80 AND 100 OR map_sheet < 3", "area BETWEEN 80 AND 100 OR map_sheet < 3"),
    ("NOT (area >= 100)", "NOT (area >= 100)"),
    ("land_use IN ('CLN', 'TMD', 'DGD')", "land_use IN ('CLN', 'TMD', 'DGD')"),
    ("address LIKE '%Cộng Hòa%'", "address LIKE '%%Cộng Hòa%%'"),
    ("CASEI(address) LIKE CASEI('%CỘNG HÒA%')", "lower(address) LIKE lower('%%CỘNG HÒA%%')"),
    ("legal_area IS NULL", "legal_area IS NULL"),
    ("old_map_sheet IS NOT NULL AND old_map_sheet = map_sheet", "old_map_sheet = map_sheet"),
    ("ward_code = 26977", "ward_code = '26977'"),
    ("100 < area", "area > 100"),
]


@pytest.mark.parametrize(("cql", "where"), CASES)
def test_cql2_text_matches_sql(client: Client, rows, cql: str, where: str):
    expected = sql_ids(rows, where)
    assert expected, "the case must select something"
    assert served_ids(client, filter=cql) == expected


JSON_CASES = [
    ({"op": "=", "args": [{"property": "land_use"}, "ODT"]}, "land_use = 'ODT'"),
    (
        {
            "op": "and",
            "args": [
                {"op": ">", "args": [{"property": "area"}, 150]},
                {"op": "in", "args": [{"property": "land_use"}, ["CLN", "TMD"]]},
            ],
        },
        "area > 150 AND land_use IN ('CLN', 'TMD')",
    ),
    ({"op": "like", "args": [{"property": "address"}, "%Trường Chinh%"]}, "address LIKE '%%Trường Chinh%%'"),
    ({"op": "not", "args": [{"op": "isNull", "args": [{"property": "legal_area"}]}]}, "legal_area IS NOT NULL"),
]


@pytest.mark.parametrize(("cql", "where"), JSON_CASES)
def test_cql2_json_matches_sql(client: Client, rows, cql: dict, where: str):
    expected = sql_ids(rows, where)
    assert expected
    assert served_ids(client, filter=json.dumps(cql), **{"filter-lang": "cql2-json"}) == expected


def _polygon(lon: float, lat: float, d: float) -> str:
    return f"POLYGON(({lon} {lat}, {lon + d} {lat}, {lon + d} {lat + d}, {lon} {lat + d}, {lon} {lat}))"


@pytest.mark.parametrize("op", ["S_INTERSECTS", "S_WITHIN", "S_DISJOINT", "S_CONTAINS"])
def test_spatial_operators_in_crs84_match_sql(client: Client, rows, op: str):
    lon, lat, d = 106.655, 10.79, 0.004
    literal = "ST_Transform(ST_Segmentize(ST_GeomFromText(%s, 4326), 0.001), 9210)"
    function = {"S_INTERSECTS": "ST_Intersects", "S_WITHIN": "ST_Within", "S_DISJOINT": "ST_Disjoint"}.get(op)
    if function is None:  # S_CONTAINS: a parcel containing a point on one parcel
        x, y = rows("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM layer_parcels "
                    "WHERE id = 11) s")[0]  # fmt: skip
        plon, plat = transformer(9210, 4326).transform(x, y)
        wkt = f"POINT({plon} {plat})"
        function = "ST_Contains"
    else:
        wkt = _polygon(lon, lat, d)
    expected = sql_ids(rows, f"{function}(geom, {literal})", (wkt,))
    assert expected
    assert served_ids(client, filter=f"{op}(geometry, {wkt})") == expected


def test_filter_crs_epsg4326_is_lat_lon_and_vn2000_works(client: Client, rows):
    lon, lat, d = 106.655, 10.79, 0.004
    expected = served_ids(client, filter=f"S_INTERSECTS(geometry, {_polygon(lon, lat, d)})")
    assert expected
    ring = [(lat, lon), (lat, lon + d), (lat + d, lon + d), (lat + d, lon), (lat, lon)]
    swapped = "POLYGON((" + ", ".join(f"{a} {b}" for a, b in ring) + "))"
    assert served_ids(client, filter=f"S_INTERSECTS(geometry, {swapped})", **{"filter-crs": EPSG_URI.format(4326)}) == (
        expected
    )
    box = (599_000.0, 1_193_000.0, 599_600.0, 1_193_500.0)
    vn_expected = sql_ids(rows, "ST_Intersects(geom, ST_MakeEnvelope(%s, %s, %s, %s, 9210))", box)
    vn_filter = f"S_INTERSECTS(geometry, BBOX({','.join(map(str, box))}))"
    assert served_ids(client, filter=vn_filter, **{"filter-crs": EPSG_URI.format(9210)}) == vn_expected


def test_cql2_json_bbox_literal(client: Client, rows):
    box = [106.655, 10.79, 106.659, 10.794]
    cql = {"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": box}]}
    expected = served_ids(client, bbox=",".join(map(str, box)))
    assert expected
    assert served_ids(client, filter=json.dumps(cql), **{"filter-lang": "cql2-json"}) == expected


def test_filter_and_bbox_and_equality_parameter_combine(client: Client, rows):
    expected = sql_ids(rows, "land_use = 'ODT' AND map_sheet = 2 AND area > 90")
    assert expected
    assert served_ids(client, filter="area > 90", land_use="ODT", map_sheet="2") == expected


def test_sortby_and_properties(client: Client, rows):
    body = client.get(ITEMS, {"sortby": "+land_use,-area", "properties": "land_use,area", "limit": 50}).json()
    expected = rows("SELECT land_use, area FROM layer_parcels ORDER BY land_use, area DESC, id LIMIT 50")
    assert [(f["properties"]["land_use"], f["properties"]["area"]) for f in body["features"]] == expected
    assert all(set(f["properties"]) == {"land_use", "area"} for f in body["features"])


def test_next_link_keeps_the_filter(client: Client, rows):
    body = client.get(ITEMS, {"filter": "land_use = 'ODT'", "limit": 100}).json()
    href = next(link["href"] for link in body["links"] if link["rel"] == "next")
    assert "filter=" in href
    following = client.get(href.replace("http://testserver", "")).json()
    assert all(f["properties"]["land_use"] == "ODT" for f in following["features"])
