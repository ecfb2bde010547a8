"""Stock pygeoapi as an anchor: its own Flask app under gunicorn, its own ``PostgreSQL`` provider.

Nothing of ours is involved: a configuration and an OpenAPI document are
written to a scratch folder (``PYGEOAPI_CONFIG``, ``PYGEOAPI_OPENAPI``, as
pygeoapi's documentation deploys it), and ``gunicorn pygeoapi.flask_app:APP``
serves them with as many threaded workers as our server has (``GIS_WORKERS``
or 3, ``GIS_THREADS`` or 4 threads, keep-alive), access log on, as
``scripts/serve.sh`` runs ours. The provider reads
``layer_parcels`` through SQLAlchemy + GeoAlchemy2 + psycopg2 (pygeoapi's
own requirements for it), with the storage CRS the table really has
(EPSG:9210, VN-2000): pygeoapi then reprojects the bbox and every output
geometry with pyproj in Python, which is what stock pygeoapi does with such
a table. Only our public parcel fields are published (``properties``).
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from bench import servers
from bench.common import BIN, BenchError
from bench.database import Database, run_quietly
from bench.loadgen import HOST

INSTALL = "GeoAlchemy2 psycopg2-binary"
COLLECTION = "parcels"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
STORAGE_CRS = "http://www.opengis.net/def/crs/EPSG/0/9210"
DEFAULT_WORKERS = "3"  # scripts/serve.sh's default
DEFAULT_THREADS = "4"  # scripts/serve.sh's default
LIMITS = {"default_items": 100, "max_items": 10_000}  # the same limits as our /ogc
METADATA: dict[str, Any] = {
    "identification": {
        "title": "bench",
        "description": "stock pygeoapi anchor",
        "keywords": ["bench"],
        "keywords_type": "theme",
        "terms_of_service": "",
        "url": "https://example.org",
    },
    "license": {"name": "MIT", "url": "https://opensource.org/license/mit"},
    "provider": {"name": "bench", "url": "https://example.org"},
    "contact": {
        "name": "bench",
        "position": "",
        "email": "",
        "url": "https://example.org",
        "role": "pointOfContact",
    },
}


def provider(db: Database, properties: list[str]) -> dict[str, Any]:
    """pygeoapi's stock PostgreSQL provider on the benchmark table, public fields only."""
    data = {"host": db.host, "port": int(db.port), "dbname": db.name, "user": db.user, "search_path": ["public"]}
    if db.password:
        data["password"] = db.password
    return {
        "type": "feature",
        "name": "PostgreSQL",
        "data": data,
        "table": "layer_parcels",
        "id_field": "id",
        "geom_field": "geom",
        "storage_crs": STORAGE_CRS,
        "crs": [CRS84, STORAGE_CRS],
        "properties": properties,
    }


def config(db: Database, properties: list[str], port: int) -> dict[str, Any]:
    """A minimal valid configuration: one collection, JSON not pretty-printed (as ours), logging at ERROR."""
    from layers.crs import TAN_BINH_WGS84_BOUNDS

    return {
        "server": {
            "bind": {"host": HOST, "port": port},
            "url": f"http://{HOST}:{port}",
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "languages": ["en-US"],
            "limits": {**LIMITS, "on_exceed": "throttle"},
            "pretty_print": False,
            "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "attribution": "OpenStreetMap"},
        },
        "logging": {"level": "ERROR"},
        "metadata": METADATA,
        "resources": {
            COLLECTION: {
                "type": "collection",
                "title": "Parcels",
                "description": "layer_parcels",
                "keywords": ["parcels"],
                "extents": {"spatial": {"bbox": list(TAN_BINH_WGS84_BOUNDS), "crs": CRS84}},
                "links": [],
                "providers": [provider(db, properties)],
            }
        },
    }


def write(db: Database, scratch: Path, properties: list[str], port: int) -> dict[str, str]:
    """The configuration (JSON is YAML) and the OpenAPI document pygeoapi generates from it; their env vars."""
    folder = scratch / "pygeoapi"
    folder.mkdir(parents=True, exist_ok=True)
    cfg, openapi = folder / "config.yml", folder / "openapi.yml"
    cfg.write_text(json.dumps(config(db, properties, port), indent=1), encoding="utf-8")
    env = db.env(PYGEOAPI_CONFIG=str(cfg), PYGEOAPI_OPENAPI=str(openapi), PORT=str(port))
    argv = [str(BIN / "pygeoapi"), "openapi", "generate", str(cfg), "--output-file", str(openapi)]
    run_quietly(argv, env, "generating stock pygeoapi's OpenAPI document")
    return env


def available() -> None:
    """The stock provider needs GeoAlchemy2 and psycopg2, which our server does not."""
    try:
        import geoalchemy2  # noqa: F401
        import psycopg2  # noqa: F401
    except ImportError:
        raise BenchError(f"stock pygeoapi's PostgreSQL provider needs: {BIN / 'pip'} install {INSTALL}") from None


def serve(db: Database, scratch: Path, properties: list[str]) -> contextlib.AbstractContextManager[servers.Server]:
    """``gunicorn pygeoapi.flask_app:APP`` on a free loopback port until the context ends."""
    available()
    env = write(db, scratch, properties, servers.free_port())
    workers = os.environ.get("GIS_WORKERS", DEFAULT_WORKERS)
    threads = os.environ.get("GIS_THREADS", DEFAULT_THREADS)
    argv = [str(BIN / "gunicorn"), "pygeoapi.flask_app:APP", "--bind", f"{HOST}:{env['PORT']}", "--workers", workers,
            "--worker-class", "gthread", "--threads", threads, "--keep-alive", "5",
            "--access-logfile", "-", "--error-logfile", "-", "--log-level", "warning"]  # fmt: skip
    return servers.running("pygeoapi", argv, env, scratch, f"/collections/{COLLECTION}?f=json")


def version() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    found = {}
    for package in ("pygeoapi", "flask", "sqlalchemy", "geoalchemy2", "psycopg2-binary"):
        try:
            found[package] = installed(package)
        except PackageNotFoundError:
            found[package] = "missing"
    return found
