"""Real clients against a real HTTP server: GDAL's OAPIF driver (through pyogrio) and OWSLib."""

from __future__ import annotations

import numpy as np
import pyogrio
import pyogrio.raw
import pytest
import shapely
from owslib.ogcapi.features import Features

from layers import registry
from tests.ogc.conftest import URLCONF

pytestmark = [pytest.mark.urls(URLCONF), pytest.mark.django_db]

BBOX_CRS84 = (106.655, 10.79, 106.66, 10.795)
PRIVATE = {"owner_name", "certificate_no", "load_id", "geom_3857"}


def test_gdal_lists_every_collection(ogc_server):
    names = [name for name, _ in pyogrio.list_layers(f"OAPIF:{ogc_server}")]
    assert sorted(names) == sorted(registry.ids())


def test_gdal_sees_only_public_fields(ogc_server):
    info = pyogrio.read_info(f"OAPIF:{ogc_server}", layer="parcels")
    assert set(info["fields"]) == {f.name for f in registry.PARCELS.public_fields}
    assert not PRIVATE & set(info["fields"])


def test_gdal_reads_a_bbox_in_wgs84(ogc_server, rows):
    expected = rows(
        "SELECT id FROM layer_parcels WHERE ST_Intersects(geom, "
        "ST_Transform(ST_Segmentize(ST_MakeEnvelope(%s, %s, %s, %s, 4326), 0.001), 9210)) ORDER BY id",
        BBOX_CRS84,
    )
    _, fids, geometry, _ = pyogrio.raw.read(
        f"OAPIF:{ogc_server}", layer="parcels", bbox=BBOX_CRS84, return_fids=True, CRS="OGC:CRS84"
    )
    assert len(expected) > 10
    assert sorted(fids.tolist()) == [row[0] for row in expected]
    assert len(geometry) == len(expected)


def test_gdal_reads_vn2000_to_the_centimetre(ogc_server, rows):
    meta, fids, geometry, _ = pyogrio.raw.read(
        f"OAPIF:{ogc_server}", layer="parcels", max_features=50, return_fids=True, CRS="EPSG:9210"
    )
    assert meta["crs"] == "EPSG:9210"
    database = dict(rows("SELECT id, ST_AsBinary(geom) FROM layer_parcels WHERE id = ANY(%s)", [fids.tolist()]))
    for fid, wkb in zip(fids.tolist(), geometry, strict=True):
        served = shapely.get_coordinates(shapely.from_wkb(wkb))
        stored = shapely.get_coordinates(shapely.from_wkb(bytes(database[fid])))
        assert np.abs(served - stored).max() < 0.01


def test_owslib_reads_items_and_queryables(ogc_server):
    api = Features(ogc_server)
    assert {c["id"] for c in api.collections()["collections"]} == set(registry.ids())
    items = api.collection_items("parcels", limit=3)
    assert len(items["features"]) == 3
    assert not PRIVATE & set(items["features"][0]["properties"])
    queryables = api.collection_queryables("parcels")
    assert set(queryables["properties"]) == {"geometry"} | {f.name for f in registry.PARCELS.public_fields}


def test_owslib_filters_with_cql2(ogc_server, rows):
    api = Features(ogc_server)
    items = api.collection_items("parcels", filter="land_use = 'ODT' AND map_sheet = 1", limit=1000)
    expected = rows("SELECT count(*) FROM layer_parcels WHERE land_use = 'ODT' AND map_sheet = 1")[0][0]
    assert len(items["features"]) == items["numberMatched"] == expected > 0
