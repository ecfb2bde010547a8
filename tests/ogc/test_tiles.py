"""OGC API - Tiles: each layer's vector tiles (WebMercatorQuad, MVT) under its collection, over real HTTP.

Tiles are decoded with mapbox_vector_tile and compared with the tables;
GDAL's OGCAPI driver reads them as a client would. The server process keeps
its rendered tiles in a temporary directory, never in the checkout's cache.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.request import urlopen

import mapbox_vector_tile
import morecantile
import pyogrio.raw
import pytest
import shapely
from django.db import connection
from django.test import Client

from gis_server.ogc import tiles_provider
from layers import registry
from tests.ogc.conftest import URLCONF, fetch_json
from tile_cache import styles
from tile_cache.compression import unpack

TMS = "WebMercatorQuad"
WEB_MERCATOR_QUAD_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
TILES_CORE = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core"
TILES_MVT = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt"
ZOOM = 17


@pytest.fixture(scope="module")
def tiles_server(ogc_server: str) -> str:
    """The OGC test server (which renders tiles into a temporary file store)."""
    return ogc_server


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urlopen(url, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except HTTPError as error:
        return error.code, dict(error.headers), error.read()


def tile_url(base: str, collection: str, z: int, x: int, y: int) -> str:
    return f"{base}/collections/{collection}/tiles/{TMS}/{z}/{y}/{x}?f=mvt"


@pytest.fixture(scope="module")
def parcel(django_db_blocker: Any, tiles_server: str) -> dict[str, Any]:
    """A parcel of the sample district, its tiled attributes (the class code too) and a point inside it (lon/lat)."""
    names = [f.name for f in styles.tile_fields(registry.get("parcels"))]
    columns = ", ".join(f"split_part(land_use, '+', 1) AS {n}" if n == styles.CLASS_COLUMN else n for n in names)
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, {columns}, ST_X(p), ST_Y(p) FROM (SELECT *, "
            "ST_Transform(ST_PointOnSurface(geom_3857), 4326) AS p FROM layer_parcels) s ORDER BY id LIMIT 1"
        )
        row = cursor.fetchone()
    return {"id": row[0], "properties": dict(zip(names, row[1:-2], strict=True)), "lonlat": row[-2:]}


def tile_of(parcel: dict[str, Any]) -> morecantile.Tile:
    lon, lat = parcel["lonlat"]
    return morecantile.tms.get(TMS).tile(lon, lat, ZOOM)


def decode(data: bytes) -> dict[str, Any]:
    return mapbox_vector_tile.decode(data)


def test_collection_landing_and_conformance_advertise_tiles(tiles_server: str):
    collection = fetch_json(f"{tiles_server}/collections/parcels?f=json")
    tiles_links = [link for link in collection["links"] if link["rel"].endswith("/tilesets-vector")]
    assert {link["href"].split("?")[0] for link in tiles_links} == {f"{tiles_server}/collections/parcels/tiles"}
    conforms = set(fetch_json(f"{tiles_server}/conformance")["conformsTo"])
    assert {TILES_CORE, TILES_MVT} <= conforms
    landing = fetch_json(f"{tiles_server}/?f=json")
    schemes = next(link["href"] for link in landing["links"] if link["rel"].endswith("/tiling-schemes"))
    assert TMS in [s["id"] for s in fetch_json(schemes)["tileMatrixSets"]]
    assert fetch_json(f"{tiles_server}/TileMatrixSets/{TMS}?f=json")["uri"] == WEB_MERCATOR_QUAD_URI


def test_tilesets_list_offers_web_mercator_quad(tiles_server: str):
    body = fetch_json(f"{tiles_server}/collections/zoning/tiles?f=json")
    [tileset] = body["tilesets"]
    assert tileset["tileMatrixSetURI"] == WEB_MERCATOR_QUAD_URI
    assert tileset["dataType"] == "vector"
    for link in tileset["links"]:  # every link answers, the tiling scheme included
        assert fetch(link["href"])[0] == 200, link
    [item] = [link for link in body["links"] if link["rel"] == "item"]
    assert item["templated"] and item["href"] == (
        f"{tiles_server}/collections/zoning/tiles/{TMS}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}?f=mvt"
    )


@pytest.mark.parametrize("suffix", ["", "/metadata"])
def test_tileset_metadata_document(tiles_server: str, suffix: str):
    layer = registry.get("parcels")
    body = fetch_json(f"{tiles_server}/collections/parcels/tiles/{TMS}{suffix}?f=json")
    assert body["tileMatrixSetURI"] == WEB_MERCATOR_QUAD_URI
    assert body["dataType"] == "vector"
    assert body["crs"].endswith("/EPSG/0/3857")
    limits = body["tileMatrixSetLimits"]
    assert [int(limit["tileMatrix"]) for limit in limits] == list(range(layer.min_zoom, min(layer.max_zoom, 18) + 1))
    assert all(lim["minTileRow"] <= lim["maxTileRow"] and lim["minTileCol"] <= lim["maxTileCol"] for lim in limits)
    [described] = body["layers"]
    assert described["id"] == "parcels"
    assert set(described["propertiesSchema"]["properties"]) == {"id", *(f.name for f in styles.tile_fields(layer))}
    rels = {link["rel"]: link for link in body["links"]}
    assert rels["http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"]["href"].endswith(
        f"/TileMatrixSets/{TMS}?f=json"
    )
    item = rels["item"]
    assert item["templated"] is True
    assert item["type"] == "application/vnd.mapbox-vector-tile"
    assert "{tileMatrix}/{tileRow}/{tileCol}" in item["href"]


def test_tilejson_points_at_working_tiles(tiles_server: str, parcel: dict[str, Any]):
    body = fetch_json(f"{tiles_server}/collections/parcels/tiles/{TMS}/metadata?f=tilejson")
    assert body["tilejson"] == "3.0.0"
    tile = tile_of(parcel)
    [template] = body["tiles"]
    status, _, data = fetch(template.format(z=tile.z, x=tile.x, y=tile.y))
    assert status == 200
    assert parcel["id"] in {f["id"] for f in decode(data)["parcels"]["features"]}


@pytest.mark.django_db
def test_tile_over_a_parcel_holds_it_with_public_fields_only(tiles_server: str, parcel: dict[str, Any], rows):
    tile = tile_of(parcel)
    status, headers, data = fetch(tile_url(tiles_server, "parcels", ZOOM, tile.x, tile.y))
    assert status == 200
    assert headers["Content-Type"] == "application/vnd.mapbox-vector-tile"
    layers = decode(data)
    assert list(layers) == ["parcels"]
    features = {f["id"]: f["properties"] for f in layers["parcels"]["features"]}
    assert features[parcel["id"]] == {k: v for k, v in parcel["properties"].items() if v is not None}
    private = {f.name for f in registry.get("parcels").private_fields}
    assert all(private.isdisjoint(props) for props in features.values())
    # Every parcel inside the tile is in it; none from beyond its buffer.
    envelope = "ST_TileEnvelope(%s, %s, %s{})"
    inside = {r[0] for r in rows(f"SELECT id FROM layer_parcels WHERE ST_Intersects(geom_3857, {envelope.format('')})",
                                 [ZOOM, tile.x, tile.y])}  # fmt: skip
    near = {r[0] for r in rows(f"SELECT id FROM layer_parcels WHERE geom_3857 && {envelope.format(', margin => 1')}",
                               [ZOOM, tile.x, tile.y])}  # fmt: skip
    assert inside <= set(features) <= near


@pytest.mark.django_db
def test_same_bytes_as_the_tiles_endpoint(tiles_server: str, parcel: dict[str, Any], settings, tmp_path: Path):
    from tile_cache import service

    settings.GIS_TILE_CACHE_DIR, settings.GIS_TILE_CACHE_URL = tmp_path, ""
    tile = tile_of(parcel)
    with_ogc = fetch(tile_url(tiles_server, "zoning", ZOOM, tile.x, tile.y))[2]
    assert with_ogc == service.get_tile("zoning", ZOOM, tile.x, tile.y).data


def test_addresses_outside_the_layer_or_matrix_are_404(tiles_server: str):
    parcels = registry.get("parcels")
    for z, x, y in [(parcels.min_zoom - 1, 0, 0), (parcels.max_zoom + 1, 0, 0), (16, 2**16, 0), (16, -1, 0)]:
        assert fetch(tile_url(tiles_server, "parcels", z, x, y))[0] == 404, (z, x, y)
    assert fetch(f"{tiles_server}/collections/parcels/tiles/{TMS}/abc/0/0?f=mvt")[0] == 404
    assert fetch(f"{tiles_server}/collections/parcels/tiles/WorldCRS84Quad/16/0/0?f=mvt")[0] == 404
    assert fetch(f"{tiles_server}/collections/parcels/tiles/WorldCRS84Quad?f=json")[0] == 404
    assert fetch(f"{tiles_server}/collections/nope/tiles?f=json")[0] == 404
    assert fetch(f"{tiles_server}/collections/nope/tiles/{TMS}/16/0/0?f=mvt")[0] == 404


def test_empty_tile_is_204(tiles_server: str):
    """A tile of the matrix far from the district (at the layer's zoom) has no features."""
    z = registry.get("wards").min_zoom
    status, _, data = fetch(tile_url(tiles_server, "wards", z, 0, 0))
    assert (status, data) == (204, b"")


def test_gdal_reads_a_tile(tiles_server: str, parcel: dict[str, Any]):
    """GDAL's MVT driver decodes a tile, placed in Web Mercator by its address, with the parcel inside.

    GDAL's OGCAPI driver (3.12) finds the tileset, the tiling scheme and the tile
    template, but reads the collection's CRS84 extent as Web-Mercator metres for
    vector tiles and so asks only for tiles near (0°, 0°): not usable here yet.
    """
    tile = tile_of(parcel)
    url = f"/vsicurl/{tile_url(tiles_server, 'parcels', ZOOM, tile.x, tile.y)}"
    address = {"X": str(tile.x), "Y": str(tile.y), "Z": str(ZOOM)}
    meta, _, geometry, fields = pyogrio.raw.read(url, layer="parcels", **address)
    assert meta["crs"] == "EPSG:3857"
    assert list(meta["fields"]) == ["mvt_id", *(f.name for f in styles.tile_fields(registry.get("parcels")))]
    mine = shapely.from_wkb(geometry[fields[0].tolist().index(parcel["id"])])
    inside = shapely.Point(morecantile.tms.get(TMS).xy(*parcel["lonlat"]))
    assert mine.distance(inside) < 0.5  # metres: the tile grid is ~7 cm at z17


@pytest.mark.django_db
@pytest.mark.urls(URLCONF)
def test_tiles_in_the_openapi_document(client: Client):
    paths = client.get("/ogc/openapi", HTTP_ACCEPT="application/json").json()["paths"]
    for layer_id in registry.ids():
        assert f"/collections/{layer_id}/tiles" in paths
        assert f"/collections/{layer_id}/tiles/{{tileMatrixSetId}}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}" in paths
    assert tiles_provider.SCHEME == TMS


@pytest.mark.django_db
@pytest.mark.urls(URLCONF)
@pytest.mark.parametrize(
    "page",
    ["/ogc/collections/parcels/tiles?f=html", f"/ogc/collections/parcels/tiles/{TMS}/metadata?f=html",
     f"/ogc/TileMatrixSets/{TMS}?f=html", "/ogc/?f=html"],
)  # fmt: skip
def test_html_pages(client: Client, page: str):
    response = client.get(page)
    assert response.status_code == 200
    assert "<html" in response.content.decode()


@pytest.mark.django_db
def test_a_rendered_tile_is_kept_for_the_next_request(parcel: dict[str, Any], settings: Any, tmp_path: Path) -> None:
    """The provider hands a fresh tile to the keeper: stored (for /tiles and OGC alike) without the answer waiting."""
    from gis_server.ogc.config import tile_provider
    from gis_server.ogc.tiles_provider import RegistryTileProvider
    from tile_cache import keeper, store
    from tile_cache.grid import address

    settings.GIS_TILE_CACHE_DIR, settings.GIS_TILE_CACHE_URL = tmp_path, ""
    provider = RegistryTileProvider(tile_provider(registry.get("parcels"), [106.6, 10.78, 106.68, 10.83]))
    tile = tile_of(parcel)
    data = provider.get_tiles("parcels", TMS, str(ZOOM), str(tile.y), str(tile.x), "mvt")
    keeper.wait()
    kept = store.backend().get(address("parcels", ZOOM, tile.x, tile.y))
    assert data and kept is not None and unpack(kept) == data, "stored gzipped"
