"""OGC API test set-up: the API mounted at /ogc/ and a live HTTP server for real clients (GDAL, OWSLib).

pytest-django's ``live_server`` turns every test using it into a
TransactionTestCase, which TRUNCATEs every table afterwards — it would wipe
the sample district that ``tests/conftest.py`` loads once per session for
all later tests — and it serves from a thread, which GDAL starves (it holds
the GIL while it waits for some HTTP answers). ``ogc_server`` serves from a
separate process reading the committed sample data of the test database.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any
from urllib.request import urlopen

import pytest
from django.db import connection

URLCONF = "tests.ogc.urls"


@pytest.fixture(autouse=True)
def _fresh_api() -> Iterator[None]:
    """Each test starts without cached API objects, so extents are read from the test database."""
    from gis_server.ogc import service

    service.reset()
    yield
    service.reset()


@pytest.fixture(scope="session")
def ogc_server(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of the OGC API served by another process from the test database.

    Its rendered vector tiles go to a temporary file store, never to the checkout's cache.
    """
    db = connection.settings_dict
    url = f"postgis://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    log = (tmp_path_factory.mktemp("ogc_server") / "server.log").open("w")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "tests.ogc.server_settings",
        "GIS_TILE_CACHE_DIR": str(tmp_path_factory.mktemp("ogc_tiles")),
        "GIS_TILE_CACHE_URL": "",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.ogc.serve"], stdout=subprocess.PIPE, stderr=log, env=env, text=True
    )
    assert process.stdout is not None
    port = process.stdout.readline().strip()
    assert port.isdigit(), "the OGC test server did not start (see server.log)"
    yield f"http://127.0.0.1:{port}/ogc"
    process.terminate()
    process.wait(timeout=10)
    log.close()


def fetch_json(url: str) -> Any:
    with urlopen(url, timeout=30) as response:
        return json.load(response)


@pytest.fixture
def rows() -> Callable[..., list[tuple[Any, ...]]]:
    """Run SQL in the test database (the yardstick the API is compared with)."""

    def run(statement: str, params: Any = ()) -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            return list(cursor.fetchall())

    return run
