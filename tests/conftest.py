"""Shared test set-up: a real PostGIS test database holding a small sample district loaded by `gis load`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyogrio
import pyproj
import pytest

SAMPLE_SEED = 1536
SAMPLE_PARCELS = 2_000


def pytest_report_header(config: pytest.Config) -> list[str]:
    """PostgreSQL, PostGIS, GEOS, PROJ and GDAL versions of the run, so results can be compared."""
    lines = [f"pyogrio GDAL {pyogrio.__gdal_version_string__}, pyproj PROJ {pyproj.__proj_version__}"]
    lines.append(f"QGIS (tests/qgis): {_debian_version('python3-qgis')}")
    try:
        import django

        django.setup()
        from gis_server.health import python_versions

        lines.append("GeoDjango: " + ", ".join(f"{k}={v}" for k, v in python_versions().items()))
        import psycopg
        from django.conf import settings

        db = settings.DATABASES["default"]
        with psycopg.connect(
            host=db["HOST"], port=db["PORT"] or None, user=db["USER"], dbname=db["NAME"], connect_timeout=5
        ) as conn:
            row = conn.execute(
                "SELECT version(), postgis_full_version() FROM (SELECT 1) s"
                " WHERE EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'postgis')"
            ).fetchone()
        if row:
            lines += [str(row[0]), str(row[1])]
    except Exception as exc:  # the header must never stop the run
        lines.append(f"database versions unavailable: {type(exc).__name__}")
    return lines


def _debian_version(package: str) -> str:
    import subprocess

    found = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True, check=False)
    return found.stdout.strip() or "not installed"


CACHE_SETTINGS = ("GIS_TILE_CACHE_DIR", "GIS_MAPPROXY_DIR", "GIS_MAPPROXY_CACHE_DIR")


@pytest.fixture(scope="session", autouse=True)
def own_tile_caches(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The suite's tile caches are its own, for this process and the CLIs and servers it starts.

    By default they were the ones `make run` serves from var/: every test load purged the running server's
    tiles, and a tile that server had cached from its own database could have been served to a test.
    Tests that need a cache of their own still set one.
    """
    from django.test.utils import override_settings

    root = tmp_path_factory.mktemp("caches")
    paths = dict(
        zip(CACHE_SETTINGS, (root / "tiles", root / "mapproxy", root / "mapproxy" / "cache_data"), strict=True)
    )
    with pytest.MonkeyPatch.context() as environment, override_settings(**paths):
        for name, path in paths.items():
            environment.setenv(name, str(path))
        yield


@pytest.fixture(scope="session")
def sample_district() -> Any:
    """The sample district in memory, from the same generator `make run` uses."""
    from fixtures.district import generate

    return generate(seed=SAMPLE_SEED, parcels=SAMPLE_PARCELS)


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory, sample_district: Any) -> Path:
    """The sample district as data staff receive it: GeoPackages, plus legacy/ and broken/ files."""
    from fixtures.broken import write_broken
    from fixtures.legacy import write_legacy
    from fixtures.write import write_district

    out = tmp_path_factory.mktemp("sample")
    write_district(sample_district, out)
    write_legacy(sample_district, out)
    write_broken(sample_district, out)
    return out


@pytest.fixture(scope="session")
def django_db_setup(
    django_db_setup: None, django_db_blocker: pytest.FixtureRequest, sample_dir: Path
) -> Iterator[None]:
    """Load the sample district into the test database once, through the `gis` CLI."""
    from loaders.cli import main

    with django_db_blocker.unblock():
        assert main(["load-dir", str(sample_dir), "--mode", "replace", "--quiet"]) == 0
    yield
