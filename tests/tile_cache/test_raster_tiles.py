"""Raster tiles through MapProxy inside Django: images decode and show the data, every OGC service answers,
capabilities list every layer and nothing private, the file cache is purged by exactly what a load changed."""

from __future__ import annotations

import io
import threading
from argparse import Namespace
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import morecantile
import numpy as np
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, connections
from django.test import Client
from PIL import Image

from gis_server.errors import UsageError
from layers import registry
from layers.crs import TAN_BINH_WGS84_BOUNDS
from tile_cache import mapproxy_app, mapproxy_config, raster_purge
from tile_cache.seed import plan, run_command

pytestmark = pytest.mark.django_db
TMS = morecantile.tms.get("WebMercatorQuad")
FAR = TMS.tile(106.0, 11.5, 17)  # countryside well outside the district
PRIVATE = sorted({name for layer in registry.LAYERS for f in layer.private_fields for name in (f.name, *f.aliases)})


@pytest.fixture(autouse=True)
def mapproxy_dir(tmp_path: Path, settings: Any) -> Iterator[Path]:
    settings.GIS_MAPPROXY_DIR = tmp_path / "mapproxy"
    settings.GIS_MAPPROXY_CACHE_DIR = tmp_path / "mapproxy" / "cache_data"
    settings.GIS_MAPNIK_PERSIST_CONNECTION = False  # pytest-django drops the test database at the end
    yield tmp_path / "mapproxy"
    mapproxy_app.reset()


def centre_tile(z: int, table: str = "layer_parcels", where: str = "TRUE") -> morecantile.Tile:
    """The tile at zoom z holding the most feature centres (of the rows matching ``where``)."""
    size = 2 * 20037508.342789244 / 2**z
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT floor((ST_X(c) + 20037508.342789244) / %s)::int x,"
            " floor((20037508.342789244 - ST_Y(c)) / %s)::int y"
            f" FROM (SELECT ST_PointOnSurface(geom_3857) c FROM {table} WHERE {where}) s"
            " GROUP BY 1, 2 ORDER BY count(*) DESC, 1, 2 LIMIT 1",
            [size, size],
        )
        x, y = cursor.fetchone()
    return morecantile.Tile(x, y, z)


def rgba(content: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(content))
    image.load()
    return np.asarray(image.convert("RGBA"))


def wmts(layer: str, tile: morecantile.Tile) -> str:
    return f"/mapproxy/wmts/{layer}/webmercator/{tile.z}/{tile.x}/{tile.y}.png"


def test_parcel_tile_shows_the_parcels_and_a_far_tile_is_transparent(client: Client) -> None:
    here = client.get(wmts("parcels", centre_tile(17)))
    assert here.status_code == 200 and here["Content-Type"] == "image/png"
    pixels = rgba(here.content)
    assert pixels.shape == (256, 256, 4)
    assert (pixels[..., 3] > 0).mean() > 0.3, "most of a tile over dense parcels is drawn"
    far = rgba(client.get(wmts("parcels", FAR)).content)
    assert (far[..., 3] == 0).all()


def test_tms_xyz_and_wmts_kvp_serve_the_same_tile(client: Client) -> None:
    tile = centre_tile(16)
    reference = rgba(client.get(wmts("ioc", tile)).content)
    flipped = 2**tile.z - 1 - tile.y
    # TMS 1.0.0's global-mercator profile counts levels from 1 and rows from the south.
    tms = client.get(f"/mapproxy/tms/1.0.0/ioc/EPSG3857/{tile.z - 1}/{tile.x}/{flipped}.png")
    xyz = client.get(f"/mapproxy/tiles/1.0.0/ioc/EPSG3857/{tile.z}/{tile.x}/{tile.y}.png?origin=nw")
    kvp = client.get(
        "/mapproxy/service?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=ioc&STYLE=default"
        f"&TILEMATRIXSET=webmercator&TILEMATRIX={tile.z:02d}&TILEROW={tile.y}&TILECOL={tile.x}&FORMAT=image/png"
    )
    for response in (tms, xyz, kvp):
        assert response.status_code == 200, response.content[:300]
        assert np.array_equal(rgba(response.content), reference)
    assert (reference[..., 3] > 0).any()


def test_raster_tiles_may_be_kept_as_long_as_vector_tiles(client: Client, settings: Any) -> None:
    """MapProxy's own default told browsers and proxies to keep a tile 72 hours: a purge after a load would not
    reach QGIS or the wall for three days."""
    tile = centre_tile(16)
    age = settings.GIS_TILE_MAX_AGE
    vector = client.get(f"/tiles/parcels/{tile.z}/{tile.x}/{tile.y}.mvt")
    assert vector["Cache-Control"] == f"public, max-age={age}"
    flipped = 2**tile.z - 1 - tile.y
    for url in (wmts("parcels", tile), f"/mapproxy/tms/1.0.0/parcels/EPSG3857/{tile.z - 1}/{tile.x}/{flipped}.png"):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Cache-Control"] == f"public, max-age={age}, s-maxage={age}", url


def test_wms_getmap_returns_an_image_of_the_district(client: Client) -> None:
    bounds = TMS.xy_bounds(centre_tile(16))
    response = client.get(
        "/mapproxy/service",
        {
            "SERVICE": "WMS",
            "VERSION": "1.3.0",
            "REQUEST": "GetMap",
            "LAYERS": "zoning,parcels",
            "STYLES": "",
            "CRS": "EPSG:3857",
            "BBOX": f"{bounds.left},{bounds.bottom},{bounds.right},{bounds.top}",
            "WIDTH": "400",
            "HEIGHT": "300",
            "FORMAT": "image/png",
            "TRANSPARENT": "TRUE",
        },
    )
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    pixels = rgba(response.content)
    assert pixels.shape == (300, 400, 4) and (pixels[..., 3] > 0).mean() > 0.3


def test_wmts_capabilities_parse_with_owslib_and_list_every_layer(client: Client) -> None:
    from owslib.wmts import WebMapTileService

    response = client.get("/mapproxy/wmts/1.0.0/WMTSCapabilities.xml")
    assert response.status_code == 200
    service = WebMapTileService("http://testserver/mapproxy/wmts/1.0.0/WMTSCapabilities.xml", xml=response.content)
    assert set(service.contents) == {*registry.ids(), mapproxy_config.IOC}
    assert service.contents["parcels"].title == "Thửa đất"
    assert "webmercator" in service.tilematrixsets
    template = service.contents["parcels"].resourceURLs[0]["template"]
    assert template.startswith("http://testserver/mapproxy/wmts/parcels/")
    body = response.content.decode()
    assert not [name for name in PRIVATE if name.lower() in body.lower()]


def test_wmts_capabilities_bound_every_layer_to_the_district(client: Client) -> None:
    """QGIS zooms to a layer's WGS84BoundingBox: the district's, not the world's."""
    from owslib.wmts import WebMapTileService

    for url in ("/mapproxy/wmts/1.0.0/WMTSCapabilities.xml", "/mapproxy/service?SERVICE=WMTS&REQUEST=GetCapabilities"):
        service = WebMapTileService(f"http://testserver{url}", xml=client.get(url).content)
        for name, layer in service.contents.items():
            assert layer.boundingBoxWGS84 == pytest.approx(TAN_BINH_WGS84_BOUNDS, abs=1e-6), name


def test_capabilities_and_ogc_api_never_mention_a_private_field(client: Client, mapproxy_dir: Path) -> None:
    urls = [
        "/mapproxy/service?SERVICE=WMS&REQUEST=GetCapabilities",
        "/mapproxy/service?SERVICE=WMTS&REQUEST=GetCapabilities",
        "/mapproxy/tms/1.0.0/",
        "/mapproxy/ogcapi/collections?f=json",
    ]
    generated = [p.read_text(encoding="utf-8") for p in mapproxy_dir.glob("**/*.*") if p.suffix in (".xml", ".yaml")]
    for text in [client.get(url).content.decode() for url in urls] + generated:
        assert text and not [name for name in PRIVATE if name.lower() in text.lower()]


def test_ogc_api_tiles_serve_a_collection_tile(client: Client) -> None:
    collections = client.get("/mapproxy/ogcapi/collections?f=json").json()
    assert {c["id"] for c in collections["collections"]} >= set(registry.ids())
    tilesets = client.get("/mapproxy/ogcapi/collections/parcels/map/tiles?f=json").json()["tilesets"]
    assert any("webmercator" in t["title"] for t in tilesets)
    tile = centre_tile(17)
    response = client.get(f"/mapproxy/ogcapi/collections/parcels/map/tiles/webmercator/17/{tile.y}/{tile.x}?f=png")
    assert response.status_code == 200, response.content[:300]
    assert (rgba(response.content)[..., 3] > 0).any()


WMS = {"SERVICE": "WMS", "VERSION": "1.3.0", "STYLES": "", "CRS": "EPSG:3857", "BBOX": "0,0,1,1", "WIDTH": "256",
       "HEIGHT": "256", "FORMAT": "image/png"}  # fmt: skip


@pytest.mark.parametrize(
    ("query", "status", "says"),
    [
        ({**WMS, "REQUEST": "GetMap", "LAYERS": "owners"}, 400, "LayerNotDefined"),
        ({**WMS, "REQUEST": "GetMap", "LAYERS": "parcels", "CRS": "EPSG:1234567"}, 400, "InvalidCRS"),
        ({**WMS, "REQUEST": "GetMap", "LAYERS": "parcels", "FORMAT": "image/bmp"}, 400, "InvalidFormat"),
        # QGIS's Identify tool on a WMS layer: the features are identified through OGC API Features instead.
        (
            {
                **WMS,
                "REQUEST": "GetFeatureInfo",
                "LAYERS": "parcels",
                "QUERY_LAYERS": "parcels",
                "I": "1",
                "J": "1",
                "INFO_FORMAT": "text/html",
            },
            400,
            "not queryable",
        ),
        ({"SERVICE": "WMTS", "REQUEST": "GetTile", "LAYER": "parcels"}, 400, "missing parameters"),
    ],
)
def test_a_bad_ogc_request_is_the_clients_error_not_the_servers(
    client: Client, query: dict[str, str], status: int, says: str
) -> None:
    """MapProxy's exception reports came with HTTP 500 ("Internal Server Error" in the log, an alarm on any
    monitor); a request's own mistake is a 4xx, with the report that says what is wrong."""
    response = client.get("/mapproxy/service", query)
    assert response.status_code == status and says in response.content.decode(), response.content
    assert "Exception" in response.content.decode()


def test_bad_addresses_do_not_escape_the_cache(client: Client, mapproxy_dir: Path) -> None:
    for url in (
        "/mapproxy/tms/1.0.0/..%2F..%2F..%2Fetc/EPSG3857/1/0/0.png",
        "/mapproxy/wmts/owners/webmercator/17/1/1.png",
        "/mapproxy/wmts/parcels/webmercator/17/999999999/1.png",
    ):
        assert client.get(url).status_code in (400, 404), url
    for bad in (("../x", 1, 0, 0), ("parcels", 23, 0, 0), ("parcels", 3, 8, 0), ("parcels", 3, 0, -1)):
        with pytest.raises(Exception, match=r"no raster tileset|outside"):
            raster_purge.tile_path(*bad)
    assert raster_purge.tile_path("parcels", 17, 5, 6) == mapproxy_dir / "cache_data" / "parcels" / "17" / "5" / "6.png"


def test_orthophoto_is_a_raster_base_layer_under_the_ioc(client: Client, tmp_path: Path) -> None:
    rasterio = pytest.importorskip("rasterio")
    from rasterio.transform import from_bounds

    from layers.models import RasterDataset

    tile = centre_tile(16)
    b = TMS.xy_bounds(tile)
    path = tmp_path / "ortho.tif"
    profile = {"driver": "GTiff", "width": 64, "height": 64, "count": 3, "dtype": "uint8", "crs": "EPSG:3857"}
    with rasterio.open(path, "w", transform=from_bounds(b.left, b.bottom, b.right, b.top, 64, 64), **profile) as out:
        out.write(np.stack([np.full((64, 64), value, dtype=np.uint8) for value in (30, 120, 60)]))
    box = f"POLYGON(({b.left} {b.bottom},{b.right} {b.bottom},{b.right} {b.top},{b.left} {b.top},{b.left} {b.bottom}))"
    RasterDataset.objects.create(
        layer="imagery", path=str(path), source_sha256="0" * 64, width=64, height=64, bands=3,
        resolution=(b.right - b.left) / 64, bounds=f"SRID=3857;{box}", load_id=10**9, active=True,
    )  # fmt: skip
    image = rgba(client.get(wmts("imagery", tile)).content)
    assert (image[..., 3] == 255).all() and abs(int(image[..., 1].mean()) - 120) < 3
    combined = rgba(client.get(wmts("ioc", tile)).content)
    assert (combined[..., 3] == 255).all(), "the orthophoto is the opaque base of the combined tileset"
    capabilities = client.get("/mapproxy/wmts/1.0.0/WMTSCapabilities.xml").content.decode()
    assert "<ows:Identifier>imagery</ows:Identifier>" in capabilities
    assert raster_purge.after_load("imagery", None) >= 2, "a new image purges its bounds in imagery and ioc"
    assert not cached("imagery", tile).exists() and not cached("ioc", tile).exists()


def cached(tileset: str, tile: morecantile.Tile) -> Path:
    return raster_purge.tile_path(tileset, tile.z, tile.x, tile.y)


def test_purge_removes_exactly_the_tiles_over_a_changed_ward(client: Client) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT code, ST_XMin(g), ST_YMin(g), ST_XMax(g), ST_YMax(g) FROM "
            "(SELECT code, ST_Extent(geom)::box2d g FROM layer_wards GROUP BY code ORDER BY code) s"
        )
        (code, *extent), *others = cursor.fetchall()
    inside = centre_tile(17, "layer_wards", f"code = '{code}'")
    far_code = others[-1][0]
    elsewhere = centre_tile(17, "layer_wards", f"code = '{far_code}'")
    for tileset in ("wards", "ioc", "parcels"):
        for tile in (inside, elsewhere):
            assert client.get(wmts(tileset, tile)).status_code == 200
    kept = {t: cached(t, elsewhere).stat().st_mtime_ns for t in ("wards", "ioc")}
    parcels_inside = cached("parcels", inside).stat().st_mtime_ns

    deleted = raster_purge.purge_raster("wards", tuple(extent))

    assert deleted >= 2
    assert not cached("wards", inside).exists() and not cached("ioc", inside).exists()
    assert {t: cached(t, elsewhere).stat().st_mtime_ns for t in ("wards", "ioc")} == kept
    assert cached("parcels", inside).stat().st_mtime_ns == parcels_inside, "other layers' tiles stay"
    assert client.get(wmts("wards", inside)).status_code == 200
    assert cached("wards", inside).exists(), "re-rendered on the next request"


def test_a_render_that_read_the_rows_a_load_replaced_is_not_kept(client: Client, monkeypatch: Any) -> None:
    """A load commits and purges while Mapnik renders from the old rows: the tiles are served, never cached."""
    tile = centre_tile(16)
    render = mapproxy_app.Mapnik4Source._render_mapfile

    def rendered_while_a_load_committed(source: Any, mapfile: str, query: Any) -> Any:
        image = render(source, mapfile, query)  # the rows read, then the load's purge
        raster_purge.purge_raster_3857("parcels", tuple(TMS.xy_bounds(tile)))
        return image

    monkeypatch.setattr(mapproxy_app.Mapnik4Source, "_render_mapfile", rendered_while_a_load_committed)
    assert client.get(wmts("parcels", tile)).status_code == 200
    assert not cached("parcels", tile).exists()
    monkeypatch.undo()
    assert client.get(wmts("parcels", tile)).status_code == 200
    assert cached("parcels", tile).exists(), "a render after the purge is kept"


def test_a_tile_rendered_alone_is_guarded_as_a_meta_tile_is(mapproxy_dir: Path) -> None:
    """MapProxy stores a tile rendered on its own (no meta tile) through ``store_tile``, not ``store_tiles``."""
    from mapproxy.cache.tile import Tile
    from mapproxy.image import ImageResult

    from tile_cache.raster_guard import GuardedFileCache, bump, rendering

    cache = GuardedFileCache(str(mapproxy_dir / "single"), "png", directory_layout="tms")
    image = io.BytesIO()
    Image.new("RGBA", (256, 256), (200, 0, 0, 255)).save(image, "PNG")

    def tile() -> Any:
        return Tile((5, 6, 17), ImageResult(io.BytesIO(image.getvalue())))

    rendering()
    bump()  # a load's purge while it rendered
    cache.store_tile(tile())
    assert not cache.is_cached(Tile((5, 6, 17)))
    rendering()
    cache.store_tile(tile())
    assert cache.is_cached(Tile((5, 6, 17)))


def test_a_purge_between_the_check_and_the_write_takes_the_tiles_back(client: Client, monkeypatch: Any) -> None:
    from mapproxy.cache.file import FileCache

    tile = centre_tile(16)
    store = FileCache.store_tile

    def purged_while_storing(cache: Any, stored: Any, dimensions: Any = None) -> Any:
        done = store(cache, stored, dimensions=dimensions)
        raster_purge.purge_raster_3857("parcels", tuple(TMS.xy_bounds(tile)))
        return done

    monkeypatch.setattr(FileCache, "store_tile", purged_while_storing)
    assert client.get(wmts("parcels", tile)).status_code == 200
    folder = cached("parcels", tile).parent.parent.parent
    assert not [path for path in folder.rglob("*.png")], "every tile of the meta tile removed again"


def test_after_load_hook_purges_over_the_load_extent(client: Client) -> None:
    from django.contrib.gis.geos import Polygon

    tile = centre_tile(16)
    client.get(wmts("parcels", tile))
    assert cached("parcels", tile).exists()
    b = TMS.bounds(tile)
    from layers.crs import transformer

    x, y = transformer(4326, 9210).transform((b.left + b.right) / 2, (b.bottom + b.top) / 2)
    extent = Polygon.from_bbox((x - 2, y - 2, x + 2, y + 2))
    assert raster_purge.after_load("parcels", extent) >= 1
    assert not cached("parcels", tile).exists()
    assert raster_purge.after_load("parcels", None) == 0
    with pytest.raises(UsageError):
        run_command(Namespace(tilesets=["owners"], zooms="10-12", concurrency=1))
    for workers in (0, -3, 17):  # MapProxy took 0 and negative counts without a word
        with pytest.raises(UsageError, match="--concurrency must be from 1 to 16"):
            run_command(Namespace(tilesets=["wards"], zooms="10-12", concurrency=workers))
    with pytest.raises(UsageError):
        plan(["parcels"], (0, 22))  # over the tile budget


def test_seed_fills_the_district_cache_within_the_zoom_range(mapproxy_dir: Path) -> None:
    report = plan(["wards"], (10, 12))
    assert report.zooms == {"wards": (10, 12)} and 0 < report.total < 50
    low = registry.PARCELS.min_zoom
    assert plan(["parcels"], (10, 16)).zooms == {"parcels": (low, 16)}, "parcels are drawn from their min zoom"
    result = run_command(Namespace(tilesets=["wards"], zooms="10-12", concurrency=1))
    assert result["status"] == "done" and result["tiles"] == {"wards": report.total}
    box = report.box_3857
    from tile_cache.grid import tiles_over

    planned = [(z, x, y) for z in range(10, 13) for x, y in tiles_over(box, z)]
    assert all(raster_purge.tile_path("wards", *address).exists() for address in planned)
    files = sorted((mapproxy_dir / "cache_data" / "wards").glob("*/*/*.png"))
    assert {int(p.parts[-3]) for p in files} == {10, 11, 12}  # whole 4×4 meta tiles, nothing deeper
    stamps = {p: p.stat().st_mtime_ns for p in files}
    run_command(Namespace(tilesets=["wards"], zooms="10-12", concurrency=1))
    assert {p: p.stat().st_mtime_ns for p in files} == stamps, "a second seed renders only what is missing"
    run_command(Namespace(tilesets=["wards"], zooms="10-12", concurrency=1, refresh=True))
    assert [p for p in files if p.stat().st_mtime_ns == stamps[p]] == [], "--refresh renders every tile again"


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[str]:
    """Django on a local port (no network), for clients that speak HTTP themselves: OWSLib, GDAL."""
    handler = WSGIHandler()

    def app(environ: dict, start_response: Any) -> Any:
        try:
            return handler(environ, start_response)
        finally:
            connections.close_all()

    server = make_server("127.0.0.1", 0, app, server_class=WSGIServer, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_owslib_gettile_and_gdal_wmts_driver_read_tiles(http_server: str) -> None:
    from owslib.wmts import WebMapTileService

    service = WebMapTileService(f"{http_server}/mapproxy/wmts/1.0.0/WMTSCapabilities.xml")
    tile = centre_tile(17)
    got = service.gettile(layer="parcels", tilematrixset="webmercator", tilematrix="17", row=tile.y, column=tile.x)
    assert (rgba(got.read())[..., 3] > 0).mean() > 0.3
    rasterio = pytest.importorskip("rasterio")
    source = f"WMTS:{http_server}/mapproxy/wmts/1.0.0/WMTSCapabilities.xml,layer=parcels,tilematrix=17"
    with rasterio.open(source) as dataset:
        row, col = dataset.index(*TMS.xy(*TMS.ul(tile)))
        window = rasterio.windows.Window(col, row, 256, 256)
        alpha = dataset.read(4, window=window)
    assert alpha.shape == (256, 256) and (alpha > 0).mean() > 0.3
