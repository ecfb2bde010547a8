"""Part 1 Core: landing page, conformance, collections, items (GeoJSON, HTML), one item, limit and paging."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.test import Client

from gis_server.ogc import crs as ogc_crs
from gis_server.ogc import service
from layers import registry
from tests.ogc.conftest import URLCONF

pytestmark = [pytest.mark.urls(URLCONF), pytest.mark.django_db]
ITEMS = "/ogc/collections/parcels/items"


def test_landing_page_links_service_desc_conformance_and_data(client: Client):
    body = client.get("/ogc/").json()
    rels = {link["rel"]: link["href"] for link in body["links"]}
    assert rels["service-desc"].endswith("/ogc/openapi")
    assert rels["conformance"].endswith("/ogc/conformance")
    assert rels["data"].endswith("/ogc/collections")
    assert client.get("/ogc/openapi", HTTP_ACCEPT="application/json").json()["openapi"].startswith("3.0")


def test_conformance_lists_the_implemented_classes(client: Client):
    conforms = set(client.get("/ogc/conformance").json()["conformsTo"])
    features = "http://www.opengis.net/spec/ogcapi-features-{}/1.0/conf/{}"
    cql2 = "http://www.opengis.net/spec/cql2/1.0/conf/{}"
    for part, name in [(1, "core"), (1, "geojson"), (1, "html"), (1, "oas30"), (2, "crs"), (3, "filter")]:
        assert features.format(part, name) in conforms
    assert features.format(3, "features-filter") in conforms
    assert {cql2.format("cql2-text"), cql2.format("cql2-json")} <= conforms
    assert not any("create-replace-delete" in c for c in conforms)
    assert "<html" in client.get("/ogc/conformance?f=html").content.decode()


def test_every_registry_layer_is_a_collection_with_both_titles(client: Client):
    body = client.get("/ogc/collections").json()
    assert [c["id"] for c in body["collections"]] == list(registry.ids())
    english = {c["id"]: c["title"] for c in client.get("/ogc/collections?lang=en").json()["collections"]}
    vietnamese = {c["id"]: c["title"] for c in client.get("/ogc/collections?lang=vi").json()["collections"]}
    for layer in registry.LAYERS:
        assert english[layer.id] == layer.title_en
        assert vietnamese[layer.id] == layer.title_vi


def test_collection_extent_comes_from_the_data(client: Client, rows):
    body = client.get("/ogc/collections/parcels").json()
    minx, miny, maxx, maxy = body["extent"]["spatial"]["bbox"][0]
    lon0, lat0, lon1, lat1 = rows(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
        "(SELECT ST_Extent(ST_Transform(geom, 4326)) AS e FROM layer_parcels) s"
    )[0]
    # The VN-2000 box, reprojected: it covers every feature, within ~50 m of the tight extent.
    assert minx <= lon0 < minx + 5e-4 and miny <= lat0 < miny + 5e-4
    assert maxx - 5e-4 < lon1 <= maxx and maxy - 5e-4 < lat1 <= maxy
    assert body["storageCrs"] == ogc_crs.STORAGE_CRS
    assert set(body["crs"]) == set(ogc_crs.URIS)


def test_items_default_limit_numbers_and_geojson(client: Client, rows):
    response = client.get(ITEMS)
    assert response["Content-Type"].startswith("application/geo+json") or response["Content-Type"].startswith(
        "application/json"
    )
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert body["numberReturned"] == len(body["features"]) == 100
    assert body["numberMatched"] == rows("SELECT count(*) FROM layer_parcels")[0][0]
    feature = body["features"][0]
    assert feature["type"] == "Feature" and feature["geometry"]["type"] == "MultiPolygon"


def test_limit_is_capped_at_the_maximum(client: Client):
    assert len(client.get(ITEMS, {"limit": 10_000}).json()["features"]) == 2000
    assert len(client.get(ITEMS, {"limit": 20_000, "skipGeometry": "true"}).json()["features"]) == 2000


def _walk(client: Client, url: str) -> list[int]:
    ids: list[int] = []
    while url:
        body = client.get(url.replace("http://testserver", "")).json()
        ids += [f["id"] for f in body["features"]]
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), "")
    return ids


def test_next_links_walk_every_feature_once_by_keyset(client: Client, rows):
    first = client.get(ITEMS, {"limit": 300}).json()
    next_href = next(link["href"] for link in first["links"] if link["rel"] == "next")
    assert "cursor=" in next_href and "offset=" not in next_href
    ids = _walk(client, f"{ITEMS}?limit=300")
    assert ids == [row[0] for row in rows("SELECT id FROM layer_parcels ORDER BY id")]


def test_sorted_pages_use_offset_and_keep_the_order(client: Client, rows):
    ids = _walk(client, f"{ITEMS}?limit=700&sortby=-area")
    assert ids == [row[0] for row in rows("SELECT id FROM layer_parcels ORDER BY area DESC, id")]


def test_offset_still_works(client: Client, rows):
    body = client.get(ITEMS, {"offset": 1990, "limit": 100}).json()
    assert [f["id"] for f in body["features"]] == [r[0] for r in rows("SELECT id FROM layer_parcels ORDER BY id")][
        1990:
    ]


def test_item_by_id_and_404s(client: Client):
    body = client.get(f"{ITEMS}/7").json()
    assert body["id"] == 7 and body["type"] == "Feature"
    assert client.get(f"{ITEMS}/999999999").status_code == 404
    assert client.get(f"{ITEMS}/abc").status_code == 404
    assert client.get("/ogc/collections/nope/items").status_code == 404
    assert client.get("/ogc/collections/nope").status_code == 404


def test_html_pages(client: Client):
    for url in ["/ogc/?f=html", "/ogc/collections?f=html", "/ogc/collections/parcels?f=html", f"{ITEMS}?f=html"]:
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"].startswith("text/html"), url
    item = client.get(f"{ITEMS}/7?f=html").content.decode()
    assert "land_use" in item


def test_properties_and_skip_geometry(client: Client):
    body = client.get(ITEMS, {"properties": "land_use,area", "skipGeometry": "true", "limit": 5}).json()
    assert all(f["geometry"] is None for f in body["features"])
    assert all(set(f["properties"]) == {"land_use", "area"} for f in body["features"])


def test_result_type_hits(client: Client, rows):
    body = client.get(ITEMS, {"resulttype": "hits"}).json()
    assert body["features"] == [] and body["numberMatched"] == rows("SELECT count(*) FROM layer_parcels")[0][0]


def test_the_api_object_is_built_once(client: Client):
    client.get("/ogc/")
    api = service.api_for("http://testserver/ogc")
    client.get(ITEMS)
    client.get("/ogc/collections")
    assert service.api_for("http://testserver/ogc") is api


def test_static_files_and_head_requests(client: Client):
    assert client.get("/ogc/static/img/favicon.ico").status_code == 200
    assert client.head(ITEMS).status_code == 200
    assert client.post(ITEMS).status_code == 405


def test_datetime_on_a_layer_without_time_is_ignored(client: Client):
    """No layer has a time field; pygeoapi ignores datetime then, as Part 1 allows."""
    assert len(client.get(ITEMS, {"datetime": "2020-01-01", "limit": 1}).json()["features"]) == 1


def _links_resolve(client: Client, url: str) -> tuple[dict[str, Any], str]:
    """Every link of the JSON document at ``url``, and of its HTML form, that points into the API answers 200;
    returns the document and the server's root address."""
    body = client.get(url, {"f": "json"}).json()
    base = next(link["href"] for link in body["links"] if link["rel"] == "self").split("/ogc", 1)[0]
    html = client.get(url, {"f": "html"}).content.decode()
    nested = [link for key in ("collections", "tilesets") for item in body.get(key, []) for link in item["links"]]
    hrefs = {link["href"] for link in [*body["links"], *nested]} | set(re.findall(r'href="(http[^"]+)"', html))
    followed = [href for href in sorted(hrefs) if href.startswith(f"{base}/ogc") and "{" not in href]
    assert len(followed) >= 3, hrefs
    for href in followed:
        parts = urlsplit(href.replace("&amp;", "&"))
        response = client.get(parts.path, dict(parse_qsl(parts.query)), follow=True)
        assert response.status_code == 200, f"{url}: {href}"
    return dict(body), base


@pytest.mark.parametrize(
    "url", ["/ogc/collections", "/ogc/collections/parcels", "/ogc/collections/parcels/tiles", "/ogc/TileMatrixSets"]
)
def test_the_links_of_the_apis_documents_lead_somewhere(client: Client, url: str):
    """pygeoapi's list of tile matrix sets linked itself as /tileMatrixSets (the OGC API - Tiles spelling), which
    answered 404."""
    _links_resolve(client, url)


def test_every_link_of_the_landing_page_leads_somewhere(client: Client):
    """QGIS, OWSLib and crawlers follow the landing page's links (JSON and HTML): none may end in a 404, and
    "about" is the district's own map, not a placeholder."""
    body, base = _links_resolve(client, "/ogc/")
    about = next(link["href"] for link in body["links"] if link["rel"] == "about")
    assert about == f"{base}/"
    assert client.get("/ogc/processes").json()["processes"] == []
