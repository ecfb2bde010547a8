"""The benchmark database: ``<name>_bench`` beside the project's database, migrated like it.

Loads are measured in their own database so a benchmark never touches the
served data, while the server (and so its configuration, disks and caches)
is the one the project really runs on.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from bench.common import PYTHON, ROOT, BenchError, last_lines, say

SUFFIX = "_bench"


@dataclass(frozen=True)
class Database:
    """Where to connect, in the forms each contender wants (Django URL, libpq conninfo, environment)."""

    host: str
    port: str
    user: str
    password: str
    name: str

    @property
    def url(self) -> str:
        auth = quote(self.user, safe="") + (f":{quote(self.password, safe='')}" if self.password else "")
        return f"postgis://{auth}@{self.host}:{self.port}/{self.name}"

    @property
    def conninfo(self) -> str:
        """libpq key=value form, shared by psycopg and ogr2ogr's ``PG:``; the password travels in PGPASSWORD."""
        return make_conninfo(host=self.host, port=self.port, user=self.user, dbname=self.name)

    def env(self, **extra: str) -> dict[str, str]:
        """The environment every contender runs in: this database for Django, libpq and GDAL alike."""
        env = {**os.environ, "DATABASE_URL": self.url, **extra}
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.conninfo, password=self.password or None, autocommit=True, connect_timeout=10)


def bench_database() -> Database:
    """``$DATABASE_URL`` (else the settings' default, the project-local cluster) with ``_bench`` on its name."""
    from gis_server.settings import DATABASES

    config = DATABASES["default"]
    return Database(
        host=str(config.get("HOST") or "127.0.0.1"),
        port=str(config.get("PORT") or 5432),
        user=str(config.get("USER") or "postgres"),
        password=str(config.get("PASSWORD") or ""),
        name=f"{config['NAME']}{SUFFIX}",
    )


def run_quietly(argv: list[str], env: dict[str, str], what: str) -> None:
    """Run a set-up step; on failure, stop with the end of its output rather than a traceback."""
    done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BenchError(f"{what} failed (exit {done.returncode}): {last_lines(done.stdout + done.stderr)}")


def provision(db: Database) -> None:
    """Create the database with PostGIS and migrate it, exactly as `make run` provisions the main one."""
    say(f"preparing database {db.name} on {db.host}:{db.port}")
    run_quietly([PYTHON, "scripts/ensure_database.py"], db.env(), f"creating database {db.name}")
    run_quietly([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], db.env(), f"migrating {db.name}")


def server_versions(db: Database) -> dict[str, str]:
    """PostgreSQL and PostGIS (with the PROJ and GEOS it was built with) as the server reports them."""
    with db.connect() as conn:
        row = conn.execute(
            "SELECT current_setting('server_version'), postgis_lib_version(), postgis_proj_version(), "
            "postgis_geos_version()"
        ).fetchone()
    if row is None:
        raise BenchError(f"{db.name}: the server did not report its versions")
    return {"postgresql": row[0], "postgis": row[1], "postgis_proj": row[2], "postgis_geos": row[3]}


def execute(db: Database, *statements: str) -> None:
    """Untimed housekeeping between runs (resets, checkpoints)."""
    with db.connect() as conn:
        for statement in statements:
            conn.execute(statement)  # fixed SQL written in this package


def count(db: Database, table: str) -> int:
    """Rows in ``table``: every run is checked for exactly the features it was given."""
    with db.connect() as conn:
        row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()
    return int(row[0]) if row else 0
