"""The servers the serving sections measure, each on a free loopback port for the length of a section.

- ours: ``scripts/serve.sh`` exactly as ``make run`` serves (gunicorn, its
  threaded workers, ``GIS_WORKERS`` or 3 with ``GIS_THREADS`` or 4 threads,
  keep-alive, access log on), pointed at the benchmark
  database, with its data and tile-cache directories in a scratch folder;
- TiPg: ``uvicorn tipg.main:app`` (one process, asyncpg pool) over the same
  database, restricted to ``public.layer_parcels`` with our parcels' public
  fields, tiles from ``geom_3857`` (the column our tiles use, so neither side
  reprojects per tile), the same 64-pixel buffer and no feature cap per tile
  (TiPg's default of 10,000 would cut the densest tiles short).

Each server runs in its own session and is stopped by its own process-group id.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from bench.common import BIN, ROOT, BenchError, last_lines, say
from bench.database import Database
from bench.loadgen import HOST

READY_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 15.0
TIPG_INSTALL = "tipg==1.6.1 uvicorn==0.54.0"
PARCELS = "public.layer_parcels"


@dataclass(frozen=True)
class Server:
    name: str
    port: int
    log: Path


def free_port() -> int:
    """A port nobody listens on right now (the kernel's pick); serve.sh refuses a taken one anyway."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _answers(port: int, path: str) -> bool:
    connection = http.client.HTTPConnection(HOST, port, timeout=5)
    try:
        connection.request("GET", path)
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def _wait_ready(process: subprocess.Popen[bytes], server: Server, health: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = last_lines(server.log.read_text(errors="replace"))
            raise BenchError(f"{server.name} exited with {process.returncode} before serving: {tail}")
        if _answers(server.port, health):
            return
        time.sleep(0.2)
    raise BenchError(f"{server.name} did not answer {health} on port {server.port} within {READY_TIMEOUT_S:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's own process group (its session), SIGKILL if it lingers."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def running(name: str, argv: list[str], env: dict[str, str], scratch: Path, health: str) -> Iterator[Server]:
    """Start, wait for ``health`` to answer 200, yield, stop; the log stays in ``scratch`` for a post-mortem."""
    server = Server(name, int(env["PORT"]), scratch / f"{name}.log")
    say(f"starting {name} on {HOST}:{server.port}")
    with server.log.open("wb") as log:
        process = subprocess.Popen(argv, env=env, cwd=scratch, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)  # fmt: skip
        try:
            _wait_ready(process, server, health)
            yield server
        finally:
            _stop(process)


# The tile byte budget the server runs with; the SQL floor renders the same statement with the same budget.
TILE_MAX_BYTES = 500_000


def ours(db: Database, scratch: Path, tile_cache: Path) -> contextlib.AbstractContextManager[Server]:
    """``scripts/serve.sh`` on the benchmark database; its tile cache in ``tile_cache`` (emptied by the caller)."""
    env = db.env(PORT=str(free_port()), GIS_DATA_DIR=str(scratch / "data"), GIS_TILE_CACHE_DIR=str(tile_cache),
                 GIS_LOG_LEVEL="WARNING", GIS_TILE_MAX_BYTES=str(TILE_MAX_BYTES))  # fmt: skip
    return running("gunicorn", ["bash", str(ROOT / "scripts" / "serve.sh")], env, scratch, "/healthz")


def tipg_url(db: Database) -> str:
    auth = quote(db.user, safe="") + (f":{quote(db.password, safe='')}" if db.password else "")
    return f"postgresql://{auth}@{db.host}:{db.port}/{db.name}"


def tipg_env(db: Database, properties: list[str]) -> dict[str, str]:
    """Only our parcels table, its public fields, ``geom_3857``; no catalog refresh in the middle of a run."""
    config = "TIPG_TABLE_CONFIG__public_layer_parcels__"
    return db.env(
        PORT=str(free_port()), DATABASE_URL=tipg_url(db), TIPG_DB_SCHEMAS='["public"]',
        TIPG_DB_TABLES=json.dumps([PARCELS]), TIPG_DB_EXCLUDE_FUNCTION_SCHEMAS='["public"]',
        TIPG_CATALOG_TTL="0", TIPG_MAX_FEATURES_PER_TILE="10000000", TIPG_TILE_BUFFER="64",
        **{f"{config}GEOMCOL": "geom_3857", f"{config}PK": "id", f"{config}PROPERTIES": json.dumps(properties)},
    )  # fmt: skip


def tipg(db: Database, scratch: Path, properties: list[str]) -> contextlib.AbstractContextManager[Server]:
    """TiPg under uvicorn; it reads ``.env`` from its working directory, so it runs in ``scratch``."""
    uvicorn = BIN / "uvicorn"
    if not uvicorn.exists():
        raise BenchError(f"TiPg is not installed: {BIN / 'pip'} install {TIPG_INSTALL}")
    env = tipg_env(db, properties)
    argv = [str(uvicorn), "tipg.main:app", "--host", HOST, "--port", env["PORT"], "--log-level", "warning"]
    return running("tipg", argv, env, scratch, "/healthz")


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for package in ("gunicorn", "tipg", "uvicorn", "asyncpg"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "missing"
    return found
