"""OGC API test set-up: the API mounted at /ogc/ and a live HTTP server for real clients (GDAL, OWSLib).

pytest-django's ``live_server`` turns every test using it into a
TransactionTestCase, which TRUNCATEs every table afterwards — it would wipe
the sample district that ``tests/conftest.py`` loads once per session for
all later tests — and it serves from a thread, which GDAL starves (it holds
the GIL while it waits for some HTTP answers). ``ogc_server`` serves from a
separate process (``tests/server_process.py``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.request import urlopen

import pytest
from django.db import connection

from tests.server_process import served

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
    """Base URL of the OGC API served by another process from the test database."""
    with served("tests.ogc.server_settings", tmp_path_factory.mktemp("ogc_server")) as base:
        yield f"{base}/ogc"


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
