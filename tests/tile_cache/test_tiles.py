"""Vector tiles decoded and compared with PostGIS; the cache purged by exactly what a load changed."""

from __future__ import annotations

from pathlib import Path

import mapbox_vector_tile
import morecantile
import pytest
import shapely
from django.db import connection
from django.test import Client

from layers import registry
from tile_cache import store, styles
from tile_cache.grid import address

TMS = morecantile.tms.get("WebMercatorQuad")


def busy_tile(z: int) -> morecantile.Tile:
    """The tile holding the most parcels of the sample at zoom z."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Transform(ST_Centroid(ST_Collect(geom)), 4326) c "
            "FROM layer_parcels) s"
        )
        lon, lat = cursor.fetchone()
    return TMS.tile(lon, lat, z)


def _ids_in_tile(layer: registry.Layer, tile: morecantile.Tile) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {layer.table} WHERE ST_Intersects(geom_3857, ST_TileEnvelope(%s, %s, %s)) "
            "AND ST_Area(ST_Intersection(geom_3857, ST_TileEnvelope(%s, %s, %s))) > 1",
            [tile.z, tile.x, tile.y] * 2,
        )
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db
@pytest.mark.parametrize("z", [16, 18])
def test_parcel_tile_matches_postgis_feature_by_feature(client: Client, z: int) -> None:
    tile = busy_tile(z)
    response = client.get(f"/tiles/parcels/{tile.z}/{tile.x}/{tile.y}.mvt")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    decoded = mapbox_vector_tile.decode(response.content)
    features = decoded["parcels"]["features"]
    ids = {f["id"] for f in features}
    assert _ids_in_tile(registry.PARCELS, tile) <= ids  # every parcel inside is there (plus buffer neighbours)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, map_sheet, parcel_no, land_use FROM layer_parcels WHERE id = ANY(%s)", [list(ids)])
        truth = {row[0]: row[1:] for row in cursor.fetchall()}
    for feature in features:
        props = feature["properties"]
        assert (props["map_sheet"], props["parcel_no"], props["land_use"]) == truth[feature["id"]]
        assert shapely.geometry.shape(feature["geometry"]).is_valid


@pytest.mark.django_db
@pytest.mark.parametrize(("layer_id", "source"), [("parcels", "land_use"), ("zoning", "function_code")])
def test_classed_layers_carry_the_first_code_as_class_code(client: Client, layer_id: str, source: str) -> None:
    """The class code in the tile is PostgreSQL's split_part of the classed field, feature by feature."""
    assert styles.class_source(layer_id) == source
    tile = busy_tile(16)
    decoded = mapbox_vector_tile.decode(client.get(f"/tiles/ioc/{tile.z}/{tile.x}/{tile.y}.mvt").content)
    features = decoded[layer_id]["features"]
    layer = registry.get(layer_id)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, split_part({source}, '+', 1) FROM {layer.table} WHERE id = ANY(%s)",
            [[f["id"] for f in features]],
        )
        truth = dict(cursor.fetchall())
    assert features and {f["id"]: f["properties"].get("class_code") for f in features} == truth
    compound = [f["properties"] for f in features if "+" in str(f["properties"].get(source, ""))]
    assert all(p["class_code"] == p[source].split("+")[0] for p in compound)


@pytest.mark.django_db
def test_compound_codes_reach_the_tiles_cut_to_their_first_code(client: Client) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_X(c), ST_Y(c), id, land_use FROM (SELECT id, land_use, "
            "ST_Transform(ST_PointOnSurface(geom), 4326) c FROM layer_parcels WHERE land_use LIKE '%%+%%' LIMIT 1) s"
        )
        row = cursor.fetchone()
    if row is None:
        pytest.skip("the sample has no compound land-use code")
    lon, lat, parcel_id, code = row
    tile = TMS.tile(lon, lat, 17)
    decoded = mapbox_vector_tile.decode(client.get(f"/tiles/parcels/{tile.z}/{tile.x}/{tile.y}.mvt").content)
    props = next(f["properties"] for f in decoded["parcels"]["features"] if f["id"] == parcel_id)
    assert props["land_use"] == code and props["class_code"] == code.split("+")[0]


@pytest.mark.django_db
@pytest.mark.parametrize("layer_id", [layer.id for layer in registry.LAYERS if styles.layer_style(layer.id).label])
@pytest.mark.parametrize("z", [12, 14])
def test_a_labelled_layer_carries_one_label_point_per_feature_in_one_tile(
    client: Client, layer_id: str, z: int
) -> None:
    """Across every tile over the district, each ward has exactly one point, at its ST_PointOnSurface, with its
    fields and without the polygon's feature id; MapLibre and QGIS label those, not each tile's piece."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT name, ST_X(p), ST_Y(p), ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT name,"
            f" ST_PointOnSurface(geom_3857) p, ST_Extent(geom_3857) OVER () e FROM layer_{layer_id}) s"
        )
        rows = cursor.fetchall()
    west, south, east, north = rows[0][3:]
    found: dict[str, list[tuple[float, float]]] = {}
    for tile in TMS.tiles(*TMS.lnglat(west, south), *TMS.lnglat(east, north), [z]):
        response = client.get(f"/tiles/{layer_id}/{tile.z}/{tile.x}/{tile.y}.mvt")
        if response.status_code == 204:
            continue
        bounds = TMS.xy_bounds(tile)
        for feature in mapbox_vector_tile.decode(response.content, default_options={"y_coord_down": True})[layer_id][
            "features"
        ]:
            if feature["geometry"]["type"] != "Point":
                continue
            assert "id" not in feature or feature["id"] == 0  # decoders report an absent id as 0
            px, py = feature["geometry"]["coordinates"]
            size = bounds.right - bounds.left
            found.setdefault(feature["properties"]["name"], []).append(
                (bounds.left + px / 4096 * size, bounds.top - py / 4096 * size)
            )
    assert sorted(found) == sorted(name for name, *_ in rows)
    pixel = (TMS.xy_bounds(TMS.tile(0, 0, z)).right - TMS.xy_bounds(TMS.tile(0, 0, z)).left) / 4096
    for name, x, y, *_ in rows:
        assert len(found[name]) == 1, f"{name} is labelled in {len(found[name])} tiles"
        assert found[name][0] == pytest.approx((x, y), abs=pixel)


@pytest.mark.django_db
def test_no_private_field_reaches_a_tile(client: Client) -> None:
    tile = busy_tile(16)
    decoded = mapbox_vector_tile.decode(client.get(f"/tiles/ioc/{tile.z}/{tile.x}/{tile.y}.mvt").content)
    for layer in registry.LAYERS:
        public = {f.name for f in layer.public_fields}
        derived = {f.name for f in styles.derived_tile_fields(layer)}
        for feature in decoded.get(layer.id, {"features": []})["features"]:
            assert set(feature["properties"]) <= public | derived


@pytest.mark.django_db
def test_ioc_tile_has_one_mvt_layer_per_layer_in_zoom(client: Client) -> None:
    tile = busy_tile(16)
    decoded = mapbox_vector_tile.decode(client.get(f"/tiles/ioc/{tile.z}/{tile.x}/{tile.y}.mvt").content)
    assert {"parcels", "zoning", "wards", "wards_2025"} <= set(decoded)
    low = busy_tile(12)
    decoded_low = mapbox_vector_tile.decode(client.get(f"/tiles/ioc/{low.z}/{low.x}/{low.y}.mvt").content)
    assert "parcels" not in decoded_low, "parcels start at z16"


@pytest.mark.django_db
def test_empty_tile_is_204_and_bad_addresses_are_404(client: Client) -> None:
    far = TMS.tile(106.0, 11.5, 16)  # countryside well outside the district
    assert client.get(f"/tiles/parcels/{far.z}/{far.x}/{far.y}.mvt").status_code == 204
    assert client.get("/tiles/parcels/3/1/1.mvt").status_code == 404  # below the layer's zoom range
    assert client.get("/tiles/parcels/16/70000/1.mvt").status_code == 404  # outside the matrix
    assert client.get("/tiles/owners/16/1/1.mvt").status_code == 404
    assert client.get("/tiles/..%2F..%2Fetc/16/1/1.mvt").status_code == 404


@pytest.mark.django_db
def test_etag_and_cache_headers(client: Client) -> None:
    tile = busy_tile(16)
    url = f"/tiles/parcels/{tile.z}/{tile.x}/{tile.y}.mvt"
    first = client.get(url)
    assert first["X-Tile-Cache"] == "miss"
    assert first["Cache-Control"].startswith("public, max-age=")
    second = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 304
    assert second["X-Tile-Cache"] == "hit"


@pytest.mark.django_db
@pytest.mark.parametrize("first_asks_gzip", [True, False])
def test_a_client_that_accepts_gzip_gets_the_tile_gzipped_as_stored(client: Client, first_asks_gzip: bool) -> None:
    """Browsers, QGIS and GDAL all send Accept-Encoding: gzip; a dense tile is a third of its size or less."""
    import gzip

    from tests.tile_cache.test_raster_tiles import centre_tile
    from tile_cache.compression import pack

    tile = centre_tile(16)  # the densest
    url = f"/tiles/parcels/{tile.z}/{tile.x}/{tile.y}.mvt"
    asks = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}
    first = client.get(url, **(asks if first_asks_gzip else {}))  # the miss, in either representation
    zipped, plain = client.get(url, **asks), client.get(url)
    assert first["X-Tile-Cache"] == "miss" and zipped["X-Tile-Cache"] == plain["X-Tile-Cache"] == "hit"
    assert zipped["Content-Encoding"] == "gzip" and not plain.has_header("Content-Encoding")
    assert zipped["Vary"] == plain["Vary"] == "Accept-Encoding"
    assert gzip.decompress(zipped.content) == plain.content and len(zipped.content) < len(plain.content) / 2, (
        len(zipped.content), len(plain.content))  # fmt: skip
    assert zipped.content == store.backend().get(address("parcels", tile.z, tile.x, tile.y)) == pack(plain.content)
    assert zipped["ETag"] != plain["ETag"] and zipped["ETag"].endswith('-gz"')
    assert first.content == (zipped.content if first_asks_gzip else plain.content)
    assert client.get(url, HTTP_IF_NONE_MATCH=zipped["ETag"], **asks).status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH=zipped["ETag"]).status_code == 200, "not the plain one's ETag"
    assert mapbox_vector_tile.decode(plain.content)["parcels"]["features"]


@pytest.mark.parametrize(
    ("header", "accepted"),
    [("gzip", True), ("GZIP", True), ("deflate, gzip;q=0.5", True), ("*", True), ("x-gzip", True),
     ("gzip;q=0", False), ("br", False), ("", False), (None, False), ("identity", False)],
)  # fmt: skip
def test_accept_encoding_is_read_as_http_says(header: str | None, accepted: bool) -> None:
    from tile_cache.compression import accepts_gzip

    assert accepts_gzip(header) is accepted


@pytest.mark.django_db
def test_tilejson_lists_public_fields_and_zooms(client: Client) -> None:
    body = client.get("/tiles/parcels.json").json()
    assert body["tilejson"] == "3.0.0"
    assert body["tiles"][0].endswith(f"/tiles/parcels/{{z}}/{{x}}/{{y}}.mvt?v={_last_load('parcels')}")
    fields = body["vector_layers"][0]["fields"]
    assert "owner_name" not in fields and "map_sheet" in fields
    assert list(fields) == [f.name for f in styles.tile_fields(registry.PARCELS)]
    assert fields["class_code"].startswith("String")
    assert body["minzoom"] == registry.PARCELS.min_zoom
    # Tiles stop at z18 (4 cm precision); MapLibre and QGIS overzoom to the layer's z22, and so does a style.
    assert body["maxzoom"] == body["vector_layers"][0]["maxzoom"] == 18 < registry.PARCELS.max_zoom
    west, south, east, north = body["bounds"]
    assert 106.6 < west < east < 106.7 and 10.7 < south < north < 10.9


def _last_load(*layers: str) -> int:
    from layers.models import Load

    return Load.objects.filter(layer__in=layers, status="done").latest("id").pk


def _version(client: Client, tileset: str) -> str:
    response = client.get(f"/tiles/{tileset}.json")
    assert response["Cache-Control"] == "no-cache", "clients read it again after a load, never a kept copy"
    again = client.get(f"/tiles/{tileset}.json", headers={"If-None-Match": response["ETag"]})
    assert (again.status_code, again.content) == (304, b""), "asking again costs no body while nothing changed"
    return str(response.json()["tiles"][0].rpartition("?v=")[2])


@pytest.mark.django_db
def test_the_tile_url_carries_the_last_load_of_the_tilesets_layers(client: Client) -> None:
    """A load of the wards gives the wards' and the operations centre's tilesets new tile URLs, not the parcels'
    (whose tiles did not change); a load still running, or one that failed, gives none."""
    from django.utils import timezone

    from layers.models import Load

    before = {name: _version(client, name) for name in ("parcels", "wards", "ioc")}
    assert before["ioc"] == str(_last_load(*(layer.id for layer in registry.LAYERS)))

    def record(status: str) -> int:
        return Load.objects.create(layer="wards", source="w.gpkg", sha256="", mode="replace", user="test",
                                   started_at=timezone.now(), status=status).pk  # fmt: skip

    record("running")
    record("failed")
    assert {name: _version(client, name) for name in before} == before
    done = record("done")
    assert {name: _version(client, name) for name in before} == {**before, "wards": str(done), "ioc": str(done)}
    tile = busy_tile(17)
    plain = client.get(f"/tiles/parcels/{tile.z}/{tile.x}/{tile.y}.mvt")
    versioned = client.get(f"/tiles/parcels/{tile.z}/{tile.x}/{tile.y}.mvt?v={done}")
    assert (versioned.status_code, versioned["ETag"], versioned.content) == (200, plain["ETag"], plain.content)


@pytest.mark.django_db
def test_a_load_purges_exactly_the_tiles_over_what_it_changed(
    client: Client, tmp_path: Path, django_capture_on_commit_callbacks: object
) -> None:
    from tests.loaders.test_load import lot_row, write_parcels

    tile = busy_tile(17)
    here = TMS.bounds(tile)
    far_tile = TMS.tile(here.left - 0.01, here.top + 0.01, 17)  # ~1 km away, still in the district
    urls = {name: f"/tiles/parcels/{t.z}/{t.x}/{t.y}.mvt" for name, t in (("here", tile), ("far", far_tile))}
    before = {name: client.get(url).content for name, url in urls.items()}
    far_file = store.path_of(address("parcels", far_tile.z, far_tile.x, far_tile.y))
    far_mtime = far_file.stat().st_mtime_ns
    # a new parcel in the middle of `tile`, loaded through the CLI
    from layers.crs import transformer

    cx, cy = transformer(4326, 9210).transform((here.left + here.right) / 2, (here.bottom + here.top) / 2)
    lot = shapely.box(cx - 2, cy - 2, cx + 2, cy + 2)
    path = write_parcels(tmp_path / "new.gpkg", [lot], [lot_row(999, 1, KyHieuMucDichSuDung="TMD", DienTich=16.0)])
    from loaders.cli import main

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        assert main(["load", "parcels", str(path), "--mode", "append", "--quiet"]) == 0
    after_here = client.get(urls["here"])
    assert after_here["X-Tile-Cache"] == "miss", "the tile over the change was purged"
    assert after_here.content != before["here"]
    props = [f["properties"] for f in mapbox_vector_tile.decode(after_here.content)["parcels"]["features"]]
    assert {"map_sheet": 999, "parcel_no": 1} in [{k: p[k] for k in ("map_sheet", "parcel_no")} for p in props]
    after_far = client.get(urls["far"])
    assert after_far["X-Tile-Cache"] == "hit", "tiles elsewhere stay cached"
    assert far_file.stat().st_mtime_ns == far_mtime
    assert after_far.content == before["far"]
    assert _version(client, "parcels") == str(_last_load("parcels")), "new tile URLs for clients to follow"


@pytest.mark.django_db
def test_a_load_whose_tile_cache_is_down_says_so_and_how_to_finish(
    tmp_path: Path, settings: object, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The purge runs after the commit: raising there made the CLI say "nothing was written" over loaded rows
    while the cache went on serving the old tiles. (The test's own transaction never commits: the load's
    commit hook runs at once here, as it does at the end of a load's transaction outside a test.)"""
    from layers.crs import transformer
    from layers.models import Parcel
    from loaders.cli import main
    from tests.loaders.test_load import lot_row, write_parcels

    tile = busy_tile(17)
    here = TMS.bounds(tile)
    cx, cy = transformer(4326, 9210).transform((here.left + here.right) / 2, (here.bottom + here.top) / 2)
    lot = shapely.box(cx - 2, cy - 2, cx + 2, cy + 2)
    path = write_parcels(tmp_path / "new.gpkg", [lot], [lot_row(998, 1, KyHieuMucDichSuDung="TMD", DienTich=16.0)])
    settings.GIS_TILE_CACHE_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    before = Parcel.objects.count()
    monkeypatch.setattr("tile_cache.purge.transaction.on_commit", lambda hook: hook())
    code = main(["load", "parcels", str(path), "--mode", "append"])
    out = capsys.readouterr().out
    assert code == 2 and Parcel.objects.count() == before + 1
    assert "parcels: loaded 1 features from new.gpkg" in out
    assert (
        "; but the tile caches were not purged (ConnectionError); once they are reachable run 'gis tiles purge " in out
    )
    bbox = out.split("--bbox ")[1].split("'")[0]
    west, south, east, north = map(float, bbox.split(","))
    lon, lat = (here.left + here.right) / 2, (here.bottom + here.top) / 2
    assert west < lon < east and south < lat < north and east - west < 0.001, "the box is the new lot's"


@pytest.mark.django_db
def test_tiles_carry_only_the_registry_tile_fields_and_render_identically(client: Client, tile_dir: Path) -> None:
    tile = busy_tile(16)
    url = f"/tiles/parcels/{tile.z}/{tile.x}/{tile.y}.mvt"
    first = client.get(url)
    props = mapbox_vector_tile.decode(first.content)["parcels"]["features"][0]["properties"]
    assert set(props) == {*(registry.PARCELS.tile_fields or ()), "class_code"}
    import shutil

    shutil.rmtree(tile_dir)
    assert client.get(url)["ETag"] == first["ETag"], "a re-render of unchanged data is byte-identical"


@pytest.mark.django_db
def test_a_tile_statement_is_planned_once_for_every_tile_of_its_zoom() -> None:
    """The server's session forces generic plans (gis_server.db_session): PostgreSQL's default planned each of a
    connection's first five tiles of a zoom for its own box (custom plans), one plan per tile."""
    from tile_cache import service

    start = busy_tile(17)
    for dx in range(3):
        service.get_tile("ioc", 17, start.x + dx, start.y)
    with connection.cursor() as cursor:
        cursor.execute("SELECT generic_plans, custom_plans FROM pg_prepared_statements")
        plans = cursor.fetchall()
    assert plans and all(custom == 0 for _, custom in plans), plans
    assert max(generic for generic, _ in plans) >= 3, plans
