"""`gis tiles purge`: cached vector and raster tiles deleted by hand over a ward, a box or everywhere — for the
layer and the IOC set that draws it, and nothing else."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import morecantile
import pytest
from django.db import connection
from django.test import Client

from loaders.cli import main
from tile_cache import raster_purge, store
from tile_cache.grid import address

pytestmark = pytest.mark.django_db
TMS = morecantile.tms.get("WebMercatorQuad")
Z = 17


@pytest.fixture(autouse=True)
def raster_cache(tmp_path: Path, settings: Any) -> Iterator[Path]:
    settings.GIS_MAPPROXY_CACHE_DIR = tmp_path / "mapproxy" / "cache_data"
    yield tmp_path / "mapproxy" / "cache_data"


def ward_tile(code: str) -> morecantile.Tile:
    """A z17 tile well inside the old ward ``code`` (around a point on its surface)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_PointOnSurface(ST_Union(geom)), 4326) p"
            " FROM layer_wards WHERE code = %s) s",
            [code],
        )
        lon, lat = cursor.fetchone()
    return TMS.tile(lon, lat, Z)


def cache_both(client: Client, tileset: str, tile: morecantile.Tile) -> tuple[Path, Path]:
    """The tile in the vector store (requested as a map would) and a raster tile in MapProxy's cache layout."""
    assert client.get(f"/tiles/{tileset}/{tile.z}/{tile.x}/{tile.y}.mvt")["X-Tile-Cache"] == "miss"
    vector = store.path_of(address(tileset, tile.z, tile.x, tile.y))
    raster = raster_purge.tile_path(tileset, tile.z, tile.x, tile.y)
    raster.parent.mkdir(parents=True, exist_ok=True)
    raster.write_bytes(b"\x89PNG\r\n\x1a\n")
    return vector, raster


def purge(*args: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["tiles", "purge", *args, "--json"]) == 0
    return dict(json.loads(capsys.readouterr().out))


def test_purge_over_a_ward_takes_its_tiles_from_both_caches_and_leaves_the_rest(
    client: Client, capsys: pytest.CaptureFixture[str]
) -> None:
    inside, elsewhere = ward_tile("26965"), ward_tile("27007")  # Phường 2, Phường 15: far apart
    gone = [*cache_both(client, "wards", inside), *cache_both(client, "ioc", inside)]
    kept = [*cache_both(client, "wards", elsewhere), *cache_both(client, "ioc", elsewhere)]
    kept += cache_both(client, "parcels", inside)  # another layer over the same ward

    out = purge("wards", "--ward", "26965", capsys=capsys)

    assert [path for path in gone if path.exists()] == []
    assert [path for path in kept if not path.exists()] == []
    assert out["vector"]["wards"] >= 1 and out["vector"]["ioc"] >= 1 and out["raster"]["wards"] >= 1
    assert "parcels" not in out["vector"] and out["deleted"] == sum(out["vector"].values()) + sum(
        out["raster"].values()
    )
    assert client.get(f"/tiles/wards/{Z}/{inside.x}/{inside.y}.mvt")["X-Tile-Cache"] == "miss", "rendered again"
    assert client.get(f"/tiles/wards/{Z}/{elsewhere.x}/{elsewhere.y}.mvt")["X-Tile-Cache"] == "hit"


def test_a_reused_ward_code_purges_both_wards_and_names_them(capsys: pytest.CaptureFixture[str]) -> None:
    out = purge("wards", "--ward", "26968", capsys=capsys)  # Phường 4 before 2025-07-01, Tân Sơn Nhất after
    assert "Phường 4 and Tân Sơn Nhất" in out["message"]


def test_purge_over_a_box_in_degrees(client: Client, capsys: pytest.CaptureFixture[str]) -> None:
    inside, elsewhere = ward_tile("26965"), ward_tile("27007")
    gone, kept = cache_both(client, "parcels", inside), cache_both(client, "parcels", elsewhere)
    b = TMS.bounds(inside)
    inset = (b.right - b.left) / 4  # well inside the tile: the buffer reaches its neighbours, not a ward away
    bbox = f"{b.left + inset},{b.bottom + inset},{b.right - inset},{b.top - inset}"

    out = purge("parcels", "--bbox", bbox, capsys=capsys)

    assert not any(path.exists() for path in gone) and all(path.exists() for path in kept)
    assert out["vector"]["parcels"] == 1 and out["raster"]["parcels"] == 1


def test_purge_without_an_extent_empties_the_named_layer_everywhere(
    client: Client, capsys: pytest.CaptureFixture[str]
) -> None:
    tiles = [ward_tile("26965"), ward_tile("27007")]
    gone = [path for tile in tiles for name in ("parcels", "ioc") for path in cache_both(client, name, tile)]
    kept = [path for tile in tiles for path in cache_both(client, "zoning", tile)]

    out = purge("parcels", capsys=capsys)

    assert [path for path in gone if path.exists()] == [] and all(path.exists() for path in kept)
    assert out["vector"] == {"parcels": 2, "ioc": 2} and out["raster"]["parcels"] == 2


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--bbox", "106.6,10.8"], "WEST,SOUTH,EAST,NORTH"),
        (["--bbox", "106.7,10.8,106.6,10.9"], "less than EAST"),
        (["--bbox", "600000,1190000,601000,1191000"], "not in degrees"),
        (["--bbox", "106.6,10.7,106.7,10.8", "--ward", "26965"], "not both"),
        (["--ward", "99999"], "no old or 2025 ward"),
        (["owners"], "unknown layer 'owners'"),
    ],
)
def test_a_bad_purge_request_says_what_to_give_and_deletes_nothing(
    client: Client, capsys: pytest.CaptureFixture[str], args: list[str], says: str
) -> None:
    cached = cache_both(client, "parcels", ward_tile("26965"))
    assert main(["tiles", "purge", *args]) == 2
    assert says in capsys.readouterr().err
    assert all(path.exists() for path in cached)


def test_a_tile_rendered_before_the_purge_is_not_stored_after_it(capsys: pytest.CaptureFixture[str]) -> None:
    from tile_cache import service

    tile = ward_tile("26965")
    found = service.get_tile("wards", tile.z, tile.x, tile.y)  # rendered from the rows being edited by hand
    purge("wards", capsys=capsys)
    service.keep(found)
    assert store.backend().get(found.address) is None


def test_status_counts_what_each_cache_holds(client: Client, capsys: pytest.CaptureFixture[str]) -> None:
    tiles = [ward_tile("26965"), ward_tile("27007")]
    cached = [path for tile in tiles for path in cache_both(client, "parcels", tile)]
    assert main(["tiles", "status", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)["tilesets"]
    vector, raster = found["parcels"]["vector"], found["parcels"]["raster"]
    assert vector == {"tiles": 2, "bytes": sum(p.stat().st_size for p in cached if p.suffix == ".mvt")}
    assert raster["tiles"] == 2 and found["zoning"]["vector"]["tiles"] == 0
    assert "vector" not in found["imagery"], "the orthophoto has raster tiles only"
    purge("parcels", capsys=capsys)
    assert main(["tiles", "status"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("parcels "))
    assert line.split()[1:] == ["0", "0.0", "MB", "0", "0.0", "MB"]
