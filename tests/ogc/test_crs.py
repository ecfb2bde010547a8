"""Part 2 CRS: crs and bbox-crs for CRS84, EPSG:4326 (lat/lon), EPSG:3857 and VN-2000; Content-Crs; storageCrs."""

from __future__ import annotations

import pytest
from django.test import Client

from gis_server.ogc.crs import CRS84, EPSG_URI
from layers.crs import transformer
from tests.ogc.conftest import URLCONF

pytestmark = [pytest.mark.urls(URLCONF), pytest.mark.django_db]
ITEM = "/ogc/collections/parcels/items/7"
ITEMS = "/ogc/collections/parcels/items"
EPSG4326 = EPSG_URI.format(4326)
VN2000 = EPSG_URI.format(9210)


def first_vertex(body: dict) -> list[float]:
    return body["geometry"]["coordinates"][0][0][0]


def stored_vertex(rows) -> tuple[float, float]:
    return rows("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointN(ST_ExteriorRing(ST_GeometryN(geom, 1)), 1) AS p "
                "FROM layer_parcels WHERE id = 7) s")[0]  # fmt: skip


def test_crs84_is_lon_lat_and_epsg4326_is_lat_lon(client: Client, rows):
    x, y = stored_vertex(rows)
    lon, lat = transformer(9210, 4326).transform(x, y)
    crs84 = client.get(ITEM, {"crs": CRS84})
    epsg4326 = client.get(ITEM, {"crs": EPSG4326})
    assert crs84["Content-Crs"] == f"<{CRS84}>"
    assert epsg4326["Content-Crs"] == f"<{EPSG4326}>"
    assert first_vertex(crs84.json()) == pytest.approx([lon, lat], abs=1e-7)
    assert first_vertex(epsg4326.json()) == pytest.approx([lat, lon], abs=1e-7)
    assert first_vertex(client.get(ITEM).json()) == first_vertex(crs84.json())


def test_vn2000_is_the_stored_geometry_and_3857_matches_pyproj(client: Client, rows):
    x, y = stored_vertex(rows)
    vn2000 = client.get(ITEM, {"crs": VN2000})
    assert vn2000["Content-Crs"] == f"<{VN2000}>"
    assert first_vertex(vn2000.json()) == pytest.approx([x, y], abs=0.001)
    mercator = client.get(ITEM, {"crs": EPSG_URI.format(3857)}).json()
    assert first_vertex(mercator) == pytest.approx(transformer(9210, 3857).transform(x, y), abs=0.01)
    items = client.get(ITEMS, {"crs": VN2000, "limit": 1})
    assert items["Content-Crs"] == f"<{VN2000}>"


def test_the_pinned_datum_shift_is_used_not_projs_default(client: Client, rows):
    """PROJ left to itself (EPSG:5194) lands ~0.8 m away in Tân Bình; the API must agree with EPSG:6960 instead."""
    from pyproj import Transformer

    x, y = stored_vertex(rows)
    served = first_vertex(client.get(ITEM, {"crs": CRS84}).json())
    pinned = transformer(9210, 4326).transform(x, y)
    default = Transformer.from_crs("EPSG:9210", "EPSG:4326", always_xy=True).transform(x, y)
    assert served == pytest.approx(pinned, abs=1e-7)
    assert abs(served[0] - default[0]) + abs(served[1] - default[1]) > 3e-6


def _ids(client: Client, **query: str) -> list[int]:
    return [f["id"] for f in client.get(ITEMS, {"limit": 10_000, "skipGeometry": "true", **query}).json()["features"]]


def test_bbox_in_every_crs_selects_the_same_parcels(client: Client, rows):
    lon0, lat0, lon1, lat1 = 106.655, 10.79, 106.66, 10.795
    expected = [
        r[0]
        for r in rows(
            "SELECT id FROM layer_parcels WHERE ST_Intersects(geom, ST_Transform(ST_Segmentize("
            "ST_MakeEnvelope(%s, %s, %s, %s, 4326), 0.001), 9210)) ORDER BY id",
            (lon0, lat0, lon1, lat1),
        )
    ]
    assert len(expected) > 10
    assert _ids(client, bbox=f"{lon0},{lat0},{lon1},{lat1}") == expected
    assert _ids(client, bbox=f"{lon0},{lat0},{lon1},{lat1}", **{"bbox-crs": CRS84}) == expected
    assert _ids(client, bbox=f"{lat0},{lon0},{lat1},{lon1}", **{"bbox-crs": EPSG4326}) == expected
    x0, y0 = transformer(4326, 3857).transform(lon0, lat0)
    x1, y1 = transformer(4326, 3857).transform(lon1, lat1)
    assert _ids(client, bbox=f"{x0},{y0},{x1},{y1}", **{"bbox-crs": EPSG_URI.format(3857)}) == expected


def test_bbox_in_vn2000_matches_sql(client: Client, rows):
    box = (599_000.0, 1_193_000.0, 599_600.0, 1_193_500.0)
    expected = rows(
        "SELECT id FROM layer_parcels WHERE ST_Intersects(geom, ST_MakeEnvelope(%s, %s, %s, %s, 9210)) ORDER BY id",
        box,
    )
    assert _ids(client, bbox=",".join(map(str, box)), **{"bbox-crs": VN2000}) == [r[0] for r in expected]


def test_a_world_bbox_is_not_an_error(client: Client, rows):
    total = rows("SELECT count(*) FROM layer_parcels")[0][0]
    assert len(_ids(client, bbox="-180,-90,180,90")) == total
    assert len(_ids(client, bbox="-90,-180,90,180", **{"bbox-crs": EPSG4326})) == total
