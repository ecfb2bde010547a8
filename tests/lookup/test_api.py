"""Finding a parcel: by ward + sheet + parcel (old or 2025 ward), by point (WGS84 or VN-2000), by text."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client

from layers import vocabulary
from layers.crs import transformer


def a_parcel() -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, ward_code, ward_2025_code, map_sheet, parcel_no, address, "
            "ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM layer_parcels "
            "WHERE address IS NOT NULL ORDER BY id LIMIT 1"
        )
        row = cursor.fetchone()
    keys = ("id", "ward_code", "ward_2025_code", "map_sheet", "parcel_no", "address", "x", "y")
    return dict(zip(keys, row, strict=True))


@pytest.mark.django_db
@pytest.mark.parametrize("form", ["name", "short", "number", "code"])
def test_by_key_accepts_every_way_of_naming_the_old_ward(client: Client, form: str) -> None:
    parcel = a_parcel()
    name = next(n for n, c in vocabulary.OLD_WARDS.items() if c == parcel["ward_code"])
    number = name.split()[-1]
    ward = {"name": name, "short": f"P{number}", "number": number, "code": parcel["ward_code"]}[form]
    body = client.get(
        "/api/parcels", {"ward": ward, "sheet": parcel["map_sheet"], "parcel": parcel["parcel_no"]}
    ).json()
    assert [p["id"] for p in body["parcels"]] == [parcel["id"]]
    assert body["parcels"][0]["ward_name"] == name
    assert "owner_name" not in body["parcels"][0]


@pytest.mark.django_db
def test_by_key_with_a_2025_ward_lists_candidates_from_each_old_ward(client: Client) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ward_2025_code, map_sheet, parcel_no, count(DISTINCT ward_code) FROM layer_parcels "
            "GROUP BY 1, 2, 3 HAVING count(DISTINCT ward_code) > 1 ORDER BY 1, 2, 3 LIMIT 1"
        )
        new_code, sheet, number, wards = cursor.fetchone()
    name = next(n for n, c in vocabulary.WARDS_2025.items() if c == new_code)
    body = client.get("/api/parcels", {"ward": vocabulary.fold(name), "sheet": sheet, "parcel": number}).json()
    assert body["ambiguous"] is True
    assert len({p["ward_code"] for p in body["parcels"]}) == wards


@pytest.mark.django_db
def test_by_point_in_wgs84_and_in_vn2000_find_the_same_parcel(client: Client) -> None:
    parcel = a_parcel()
    lon, lat = transformer(9210, 4326).transform(parcel["x"], parcel["y"])
    by_vn2000 = client.get("/api/parcels/at", {"x": parcel["x"], "y": parcel["y"]}).json()
    by_wgs84 = client.get("/api/parcels/at", {"lon": lon, "lat": lat}).json()
    assert [p["id"] for p in by_vn2000["parcels"]] == [parcel["id"]]
    assert [p["id"] for p in by_wgs84["parcels"]] == [parcel["id"]]


@pytest.mark.django_db
def test_search_without_diacritics_finds_the_street_first(client: Client) -> None:
    body = client.get("/api/search", {"q": "hoang van thu"}).json()
    assert body["results"][0]["label"] == "Hoàng Văn Thụ"
    assert body["results"][0]["kind"] == "road_boundaries"


@pytest.mark.django_db
def test_search_finds_an_address(client: Client) -> None:
    parcel = a_parcel()
    body = client.get("/api/search", {"q": vocabulary.fold(parcel["address"]), "limit": 50}).json()
    assert parcel["id"] in [r["parcel_id"] for r in body["results"]]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "query", "status"),
    [
        ("/api/parcels", {"ward": "P2", "sheet": "x", "parcel": "1"}, 400),
        ("/api/parcels", {"ward": "Phường 99", "sheet": "1", "parcel": "1"}, 400),
        ("/api/parcels", {"sheet": "1", "parcel": "1"}, 400),
        ("/api/parcels/at", {"lon": "nan", "lat": "10"}, 400),
        ("/api/parcels/at", {"x": "1e400", "y": "1"}, 400),
        ("/api/parcels/at", {"lon": "200", "lat": "100"}, 400),  # PostGIS cannot transform it: was a 500
        ("/api/parcels/at", {"lon": "-179.9", "lat": "-89.9"}, 200),  # far from the district, and no parcel
        ("/api/search", {"q": "a"}, 400),
        ("/api/search", {"q": "'; DROP TABLE layer_parcels; --"}, 200),
        ("/api/parcels/999999999/planning", {}, 404),
    ],
)
def test_bad_input_is_a_clear_4xx_never_a_500(client: Client, url: str, query: dict[str, str], status: int) -> None:
    response = client.get(url, query)
    assert response.status_code == status
    assert "error" in response.json() or status == 200


def test_openapi_document_lists_every_endpoint(client: Client) -> None:
    body = client.get("/api/openapi.json").json()
    assert body["openapi"].startswith("3.")
    assert set(body["paths"]) == {
        "/parcels", "/parcels/at", "/search", "/parcels/{parcel_id}", "/parcels/{parcel_id}/planning"
    }  # fmt: skip
