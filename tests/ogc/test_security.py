"""Private fields never leave the server; every bad parameter is a 400 with an OGC exception body, never a 500."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client

from layers import registry
from tests.ogc.conftest import URLCONF

pytestmark = [pytest.mark.urls(URLCONF), pytest.mark.django_db]
ITEMS = "/ogc/collections/parcels/items"
HIDDEN = ("owner_name", "certificate_no", "load_id", "geom_3857", "Tên chủ", "Owner name", "certificate number")


@pytest.fixture
def owner_values() -> list[str]:
    """Real private values from the sample (they must not appear in any response either)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT owner_name, certificate_no FROM layer_parcels WHERE owner_name IS NOT NULL LIMIT 3")
        return [value for row in cursor.fetchall() for value in row if value]


PAGES = [
    "/ogc/",
    "/ogc/?f=html",
    "/ogc/openapi",
    "/ogc/openapi?f=html",
    "/ogc/collections",
    "/ogc/collections?f=html",
    "/ogc/collections/parcels",
    "/ogc/collections/parcels?f=html",
    "/ogc/collections/parcels/queryables",
    "/ogc/collections/parcels/queryables?f=html",
    "/ogc/collections/parcels/schema",
    "/ogc/collections/parcels/schema?f=html",
    f"{ITEMS}?limit=50",
    f"{ITEMS}?limit=50&f=html",
    f"{ITEMS}?limit=50&f=jsonld",
    f"{ITEMS}/1",
    f"{ITEMS}/1?f=html",
    f"{ITEMS}/1?f=jsonld",
]


@pytest.mark.parametrize("url", PAGES)
def test_private_fields_appear_nowhere(client: Client, owner_values: list[str], url: str):
    response = client.get(url)
    assert response.status_code == 200, url
    text = response.content.decode()
    decoded = json.dumps(json.loads(text), ensure_ascii=False) if text.startswith("{") else text
    for word in HIDDEN:
        assert word not in decoded, (url, word)
    assert owner_values
    for value in owner_values:
        assert value not in decoded, url


def test_private_field_as_query_parameter_filters_nothing(client: Client):
    body = client.get(ITEMS, {"owner_name": "x", "limit": 5}).json()
    assert len(body["features"]) == 5


BAD = [
    {"limit": "abc"},
    {"limit": "0"},
    {"limit": "-5"},
    {"limit": "1.5"},
    {"offset": "-1"},
    {"bbox": "1,2,3"},
    {"bbox": "a,b,c,d"},
    {"bbox": "106.7,10.8,106.6,10.7"},
    {"bbox": "nan,1,2,3"},
    {"bbox": "106.6,10.7,106.7,10.8", "bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/2154"},
    {"bbox": "106.6,10.7,106.7,10.8", "bbox-crs": "EPSG:4326"},
    {"bbox": "106.6,10.7,106.7,10.8", "bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/4326"},
    {"crs": "http://www.opengis.net/def/crs/EPSG/0/2154"},
    {"crs": "'; DROP TABLE layer_parcels; --"},
    {"filter-crs": "http://www.opengis.net/def/crs/EPSG/0/27700", "filter": "area > 1"},
    {"filter": "owner_name = 'Nguyễn Văn A'"},
    {"filter": "certificate_no IS NOT NULL"},
    {"filter": "load_id > 0"},
    {"filter": "geom_3857 IS NULL"},
    {"filter": "nosuchfield = 1"},
    {"filter": "area >"},
    {"filter": "area = 1; DROP TABLE layer_parcels"},
    {"filter": "area = 1) OR (1=1"},
    {"filter": "land_use = 'x' OR 1=1 --"},
    {"filter": '"area; DROP TABLE layer_parcels" = 1'},
    {"filter": "pg_sleep(5) = 1"},
    {"filter": "area = 'text'"},
    {"filter": "map_sheet = TRUE"},
    {"filter": "decision_date = DATE('2020-01-01')"},
    {"filter": "area + 1 > 2"},
    {"filter": "S_INTERSECTS(geometry, POINT(400 400))"},
    {"filter": "S_INTERSECTS(geometry, POLYGON((0 0, 1 1, 1 0, 0 1, 0 0)))"},
    {"filter": "S_INTERSECTS(area, POINT(1 1))"},
    {"filter": "S_TOUCHES(geometry, POINT(106.6 10.8))"},
    {"filter": '{"op": "=", "args": [{"property": "owner_name"}, "x"]}', "filter-lang": "cql2-json"},
    {"filter": "{not json", "filter-lang": "cql2-json"},
    {"filter": '{"op": "drop", "args": []}', "filter-lang": "cql2-json"},
    {"filter": "area > 1", "filter-lang": "sql"},
    {"filter": "NOT (" * 3000 + "area > 1" + ")" * 3000},
    {"filter": "x" * 30_000},
    {"sortby": "owner_name"},
    {"sortby": "-certificate_no"},
    {"sortby": "area;DROP TABLE layer_parcels"},
    {"sortby": "area desc, (SELECT 1)"},
    {"sortby": "nosuchfield"},
    {"properties": "owner_name"},
    {"properties": "area,certificate_no"},
    {"properties": "load_id"},
    {"properties": "area) FROM layer_parcels; --"},
    {"skipGeometry": "maybe"},
    {"cursor": "abc"},
    {"cursor": "1", "sortby": "area"},
    {"map_sheet": "one"},
    {"f": "xml"},
]


@pytest.mark.parametrize("query", BAD, ids=[json.dumps(q, ensure_ascii=False)[:60] for q in BAD])
def test_bad_parameters_are_400_with_an_ogc_exception(client: Client, query: dict[str, str]):
    response = client.get(ITEMS, query)
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["code"] in ("InvalidParameterValue", "NoApplicableCode", "InvalidQuery")
    assert body["description"]
    assert "owner_name" not in body["description"] or "owner_name" in json.dumps(query)


def test_the_table_is_still_there(client: Client):
    for query in BAD:
        client.get(ITEMS, query)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM layer_parcels")
        assert cursor.fetchone()[0] == 2000


def test_every_collection_hides_load_id_and_geom_3857(client: Client):
    for layer in registry.LAYERS:
        body = client.get(f"/ogc/collections/{layer.id}/items", {"limit": 3}).json()
        for feature in body["features"]:
            assert set(feature["properties"]) == {f.name for f in layer.public_fields}
