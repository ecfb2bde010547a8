"""Shared by the loader tests: a scratch database where real `gis` processes commit, race and get killed.

It is separate from the test database the other tests share inside rolled-back transactions.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
GIS = [sys.executable, "-m", "loaders.cli"]


def _url(name: str) -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgis://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def _connect(name: str = "postgres", autocommit: bool = False) -> psycopg.Connection:
    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db["HOST"], port=db["PORT"] or None, user=db["USER"], password=db.get("PASSWORD") or None,
        dbname=name, autocommit=autocommit,
    )  # fmt: skip


class Scratch:
    """A migrated database holding the sample district, and a way to run `gis` against it."""

    def __init__(self, name: str, sample: Path) -> None:
        self.name = name
        self.sample = sample
        self.env = {**os.environ, "DATABASE_URL": _url(name)}

    def gis(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [*GIS, *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=300, check=False
        )
        if check and result.returncode != 0:
            raise AssertionError(f"gis {' '.join(args)} failed: {result.stderr}")
        return result

    def load_sample(self, mode: str = "replace") -> None:
        """The sample's parcels loaded again (``--force``: the file is unchanged), as data staff would."""
        self.gis("load", "parcels", str(self.sample / "parcels.gpkg"), "--mode", mode, "--force", "--quiet")

    def spawn(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [*GIS, *args], cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    def query(self, statement: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        with _connect(self.name) as conn:
            return conn.execute(statement, params).fetchall()

    def vacuum(self, table: str) -> None:
        """VACUUM ANALYZE ``table`` (a partitioned one with its partitions) now: autovacuum may do it at any moment
        after a load, and the free-space and visibility maps it adds change what ``pg_total_relation_size`` says."""
        with _connect(self.name, autocommit=True) as conn:
            conn.execute(f'VACUUM ANALYZE "{table}"')

    def parcels_checksum(self) -> tuple[Any, ...]:
        return self.query(
            "SELECT count(*), md5(string_agg(id || ':' || load_id || ':' || ward_code || ':' || map_sheet || ':' || "
            "parcel_no || ':' || land_use || ':' || md5(ST_AsEWKB(geom)::text), ',' ORDER BY id)) FROM layer_parcels"
        )[0]

    def latest_load(self, layer: str = "parcels") -> int:
        return int(self.query("SELECT max(id) FROM gis_load WHERE layer = %s AND status = 'done'", (layer,))[0][0])


@pytest.fixture(scope="session")
def scratch(sample_dir: Path, django_db_setup: None) -> Iterator[Scratch]:
    name = f"{settings.DATABASES['default']['NAME']}_scratch"
    with _connect(autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    db = Scratch(name, sample_dir)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=db.env, check=True, timeout=300)
    db.gis("load-dir", str(sample_dir), "--mode", "replace", "--quiet")
    yield db
    with _connect(autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
