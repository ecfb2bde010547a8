"""Statements on several database connections at once, for the part of a replace no reader can see yet.

A million-parcel replace built the new table's six indexes one after
another in one backend (8.3 s, the other core idle but for the overlap
check); on two connections they took 4.8 s. ``rebuild`` fills and indexes
the new table before the swap transaction and runs the builds here, one
backend per core. Its COPY runs here too, a chunk per job: the server's
side of it (each geometry read, and its generated Web-Mercator copy
computed) is most of it. Interleaved million-parcel loads: the COPY took
7.5 / 6.8 / 8.0 s on two connections, 9.5 / 9.1 / 8.4 s on one.

Each job gets a cursor on its own autocommit connection (made from Django's
settings, so the same database, role and options); jobs are taken in list
order by whichever connection is free. The first error is raised in the
caller's thread once every connection has stopped, translated like Django's
own (``django.db.DatabaseError``), so the CLI reports it the same way.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from django.db import connection

from gis_server import threads

# One backend per core, at least two (index builds gain from the second even on two cores).
WORKERS = max(2, min(4, os.cpu_count() or 2))

Job = Callable[[Any], None]

# Django's own connection options that are Python objects, not libpq parameters.
_DJANGO_ONLY = ("cursor_factory", "context")


def connection_params() -> dict[str, Any]:
    """libpq parameters of Django's database, for connections outside Django's handling.

    Read in the caller's thread: Django's ``connection`` is per thread, and
    touching it from a worker would open a Django connection there, one that
    nothing closes (two idle sessions left behind by every in-process replace).
    """
    return {k: v for k, v in connection.get_connection_params().items() if k not in _DJANGO_ONLY}


def run(jobs: Sequence[Job], workers: int = WORKERS) -> None:
    """Run every job, in order, on up to ``workers`` connections; raise the first error after all have stopped."""
    params = connection_params()

    @contextmanager
    def cursor() -> Iterator[Any]:
        with psycopg.connect(**params, autocommit=True) as conn, conn.cursor() as opened:
            # The connections already share the cores: parallel maintenance workers would only queue behind them.
            opened.execute("SET max_parallel_maintenance_workers = 0")
            yield opened

    try:
        threads.each(jobs, min(workers, len(jobs)), lambda job, opened: job(opened), cursor, "gis-db")
    except Exception:
        with connection.wrap_database_errors:
            raise
