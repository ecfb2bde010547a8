"""What the serving sections share: both servers and a database connection up together, SQL timing, load checks."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from bench import database, servers
from bench.common import say
from bench.database import Database
from bench.load import BUSY_WARNING
from bench.loadgen import Sample
from bench.measure import cpu_busy


def warn_if_busy(what: str) -> float:
    """The load section's check, before each timed pass: on a shared machine, figures under load are noise."""
    busy = cpu_busy()
    if busy > BUSY_WARNING:
        say(f"warning: other processes keep {busy:.0%} of the CPUs busy before {what}: figures will be noisy")
    return busy


def settle(db: Database, section: str) -> None:
    """No server pays for the load's after-effects: vacuumed (hint bits, visibility map), analysed, checkpointed.

    Right after a load, autovacuum of ``layer_parcels`` and its archive and a
    WAL checkpoint ran into the first timed pass (p95 ×8 for whoever came first).
    """
    database.execute(db, "VACUUM (ANALYZE) layer_parcels")
    try:
        database.execute(db, "CHECKPOINT")
    except psycopg.Error as error:  # needs superuser or pg_checkpoint: a warning, not a failure
        say(f"{section}: no CHECKPOINT before timing ({type(error).__name__}); the first pass may be noisier")


def sql_sample(conn: Any, statement: Any, params: Any, size: Callable[[Any], int], binary: bool = False) -> Sample:
    """One statement from send to the last row fetched, as the server's own cursor would fetch it: the tile
    server asks for its statement prepared and its bytea in binary (``tile_cache.service._fetch``), so must
    the floor (in text the tile crosses the socket as hex, twice its size)."""
    start = time.perf_counter()
    with conn.cursor(binary=binary) as cursor:
        rows = cursor.execute(statement, params, prepare=True if binary else None).fetchall()
    seconds = time.perf_counter() - start
    return Sample(seconds, sum(size(r) for r in rows))


def public_fields() -> list[str]:
    """The parcel attributes our tiles and API show; TiPg is given the same (never the owner's name)."""
    from layers import registry

    return [f.name for f in registry.PARCELS.public_fields]


@dataclass(frozen=True)
class Contenders:
    """Our server, TiPg and a plain psycopg connection, all on the benchmark database."""

    ours: servers.Server
    tipg: servers.Server
    conn: Any

    @classmethod
    @contextlib.contextmanager
    def start(cls, db: Database, scratch: Path, tile_cache: Path) -> Iterator[Contenders]:
        tile_cache.mkdir(parents=True, exist_ok=True)
        with (
            servers.ours(db, scratch, tile_cache) as ours,
            servers.tipg(db, scratch, public_fields()) as tipg,
            db.connect() as conn,
        ):
            same_session(conn)
            yield cls(ours, tipg, conn)


def same_session(conn: Any) -> None:
    """The floor's session is the server's (``gis_server.db_session``, with the ``GIS_DB_PARALLEL_WORKERS`` the
    server is started with): the same statement gets the same plan — a generic one, no parallel workers."""
    from gis_server.db_session import session

    for name, value in session(int(os.environ.get("GIS_DB_PARALLEL_WORKERS", "0"))).items():
        conn.execute("SELECT set_config(%s, %s, false)", (name, value))
