"""Both tile stores (files, Redis): served from cache, purged by range, and never keeping a tile that raced a load."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from tests.tile_cache.test_tiles import busy_tile
from tile_cache import purge, service, store
from tile_cache.compression import pack, unpack
from tile_cache.grid import address, tiles_over
from tile_cache.redis_store import RedisStore

REDIS_URL = "redis://127.0.0.1:6379/15"


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.fixture(params=["files", "redis"])
def tile_store(request: Any, settings: Any, tmp_path: Path) -> Iterator[store.TileStore]:
    settings.GIS_TILE_CACHE_DIR = tmp_path / "tiles"
    settings.GIS_TILE_CACHE_URL = ""
    if request.param == "redis":
        if not _redis_up():
            pytest.skip("no Redis on 127.0.0.1:6379 (the file store is tested without it)")
        settings.GIS_TILE_CACHE_URL = REDIS_URL  # database 15, emptied of our keys before and after
        redis_store = RedisStore(REDIS_URL)
        _flush(redis_store)
        yield redis_store
        _flush(redis_store)
        return
    yield store.backend()


def _flush(redis_store: RedisStore) -> None:
    from tile_cache.redis_store import client

    for key in client(redis_store.url).scan_iter(match=f"{redis_store.prefix}:*"):
        client(redis_store.url).delete(key)


@pytest.mark.django_db
def test_second_request_is_a_hit_in_either_store(client: Client, tile_store: store.TileStore) -> None:
    tile = busy_tile(17)
    url = f"/tiles/parcels/{tile.z}/{tile.x}/{tile.y}.mvt"
    first, second = client.get(url), client.get(url)
    assert (first["X-Tile-Cache"], second["X-Tile-Cache"]) == ("miss", "hit")
    assert first.content == second.content
    assert unpack(store.backend().get(address("parcels", tile.z, tile.x, tile.y)) or b"") == first.content


@pytest.mark.django_db
def test_a_render_that_raced_a_purge_is_not_kept(tile_store: store.TileStore) -> None:
    tile = busy_tile(17)
    found = service.get_tile("parcels", tile.z, tile.x, tile.y)
    store.backend().bump_generation()  # a load committed and began its purge while we rendered
    service.keep(found)
    assert store.backend().get(found.address) is None
    calm = service.get_tile("parcels", tile.z, tile.x, tile.y)
    service.keep(calm)
    assert store.backend().get(calm.address) == pack(calm.data)


@pytest.mark.django_db
def test_purge_removes_the_range_and_nothing_else(client: Client, tile_store: store.TileStore) -> None:
    tile = busy_tile(17)
    near, far = (tile.x, tile.y), (tile.x + 6, tile.y)
    for x, y in (near, far):
        client.get(f"/tiles/parcels/17/{x}/{y}.mvt")
    here = tiles_over(_bounds_3857(17, *near), 17)
    assert store.backend().delete_range("parcels", here) == 1
    assert store.backend().get(address("parcels", 17, *near)) is None
    assert store.backend().get(address("parcels", 17, *far)) is not None
    assert purge.purge("parcels", None) == 0


def _bounds_3857(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    from tile_cache.grid import tms

    b = tms().xy_bounds(x, y, z)
    inset = 1.0  # metres inside the tile, so the range is this tile alone
    return b.left + inset, b.bottom + inset, b.right - inset, b.top - inset


@pytest.mark.django_db
def test_an_unreachable_redis_serves_tiles_uncached(client: Client, settings: Any) -> None:
    settings.GIS_TILE_CACHE_URL = "redis://127.0.0.1:9/0"  # discard port: nothing listens
    tile = busy_tile(17)
    response = client.get(f"/tiles/parcels/{tile.z}/{tile.x}/{tile.y}.mvt")
    assert response.status_code == 200
    assert response["X-Tile-Cache"] == "miss"


def test_an_unknown_store_url_is_a_configuration_error(settings: Any) -> None:
    settings.GIS_TILE_CACHE_URL = "memcached://127.0.0.1:11211"
    with pytest.raises(ImproperlyConfigured, match="GIS_TILE_CACHE_URL"):
        store.backend()


def test_tiles_of_an_older_tile_statement_are_never_served(monkeypatch: Any, settings: Any, tmp_path: Path) -> None:
    """New tile fields or SQL without a load: the cache moves to a new version folder instead of serving stale tiles."""
    from tile_cache import mvt

    settings.GIS_TILE_CACHE_DIR, settings.GIS_TILE_CACHE_URL = tmp_path, ""
    tile = address("parcels", 17, 104000, 61000)
    before = store.path_of(tile)
    assert before.is_relative_to(tmp_path / f"v-{mvt.schema_version()}")
    original = mvt._statement
    monkeypatch.setattr(mvt, "_statement", lambda name, z: original(name, z) + b" -- changed")
    mvt.statements_digest.cache_clear()
    try:
        assert store.path_of(tile) != before
    finally:
        monkeypatch.undo()
        mvt.statements_digest.cache_clear()


@pytest.mark.django_db
def test_clear_empties_one_tileset_and_nothing_else(client: Client, tile_store: store.TileStore) -> None:
    tile = busy_tile(17)
    for url in (f"/tiles/parcels/17/{tile.x}/{tile.y}.mvt", f"/tiles/parcels/17/{tile.x + 6}/{tile.y}.mvt",
                f"/tiles/ioc/17/{tile.x}/{tile.y}.mvt"):  # fmt: skip
        assert client.get(url)["X-Tile-Cache"] == "miss"
    assert store.backend().count("parcels")[0] == 2 and store.backend().count("ioc")[0] == 1
    assert store.backend().count("parcels")[1] == sum(
        len(store.backend().get(address("parcels", 17, x, tile.y)) or b"") for x in (tile.x, tile.x + 6)
    )
    assert store.backend().clear("parcels") == 2
    assert store.backend().count("parcels") == (0, 0)
    assert store.backend().get(address("parcels", 17, tile.x, tile.y)) is None
    assert store.backend().get(address("ioc", 17, tile.x, tile.y)) is not None
    assert store.backend().clear("parcels") == 0
