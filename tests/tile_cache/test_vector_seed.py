"""`gis tiles seed --vector` fills the vector tile cache over the district, through the path a request takes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from gis_server.errors import UsageError
from loaders.cli import main
from tests import sessions
from tile_cache import store, vector_seed
from tile_cache.compression import unpack
from tile_cache.grid import address, tiles_over
from tile_cache.seed import district_box_3857


@pytest.mark.django_db
def test_seeding_caches_every_district_tile_once_as_a_request_would(client: Client, tile_dir: Path) -> None:
    started = sessions.now()
    report = vector_seed.seed(["wards", "parcels"], (16, 17), concurrency=2, progress=False)
    box = district_box_3857()
    planned = {(name, z, x, y) for name in ("wards", "parcels") for z in (16, 17) for x, y in tiles_over(box, z)}
    assert report.zooms == {"wards": (16, 17), "parcels": (16, 17)}
    assert report.total == len(planned) and sum(report.outcomes.values()) == len(planned)
    assert report.outcomes["rendered"] > 0 and report.outcomes["cached"] == 0
    assert all(store.path_of(address(*tile)).exists() for tile in planned)
    assert sessions.opened_since(started) == 0, "each seeding thread closed its connection"

    tile = next(t for t in sorted(planned) if unpack(store.path_of(address(*t)).read_bytes()))
    seeded = unpack(store.path_of(address(*tile)).read_bytes())
    assert client.get("/tiles/{}/{}/{}/{}.mvt".format(*tile))["X-Tile-Cache"] == "hit"
    store.path_of(address(*tile)).unlink()
    fresh = client.get("/tiles/{}/{}/{}/{}.mvt".format(*tile))
    assert fresh["X-Tile-Cache"] == "miss" and fresh.content == seeded, "the tile a request renders"

    again = vector_seed.seed(["wards", "parcels"], (16, 17), concurrency=1, progress=False)
    assert again.outcomes == {"rendered": 0, "empty": 0, "cached": len(planned)}
    redone = vector_seed.seed(["wards"], (16, 16), concurrency=1, progress=False, refresh=True)
    assert redone.outcomes["cached"] == 0 and sum(redone.outcomes.values()) == redone.total > 0


@pytest.mark.django_db
def test_the_cli_seeds_vector_tiles_and_refuses_what_it_cannot(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tiles", "seed", "--vector", "wards", "--zooms", "12-13", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "done" and sum(out["outcomes"].values()) == out["tiles"]["wards"] > 0
    with pytest.raises(UsageError, match="unknown vector tileset"):
        vector_seed.seed(["owners"], (12, 13))
    for threads in (0, 1000):
        with pytest.raises(UsageError, match="concurrency"):
            vector_seed.seed(["wards"], (12, 13), concurrency=threads)
    with pytest.raises(UsageError, match="zoom range"):
        vector_seed.plan(["wards"], (14, 13))
    with pytest.raises(UsageError, match="budget"):
        vector_seed.plan(["parcels"], (0, 22))
    assert main(["tiles", "seed", "--vector", "--zooms", "12"]) == 2
    assert "--zooms" in capsys.readouterr().err
