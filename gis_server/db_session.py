"""The PostgreSQL session settings of every server connection; the benchmark's raw-SQL floor runs with the same.

Plain data, importable without Django's settings (the benchmark harness is not a Django process).
"""

from __future__ import annotations


def session(parallel_workers: int = 0) -> dict[str, str]:
    """``-c`` options for every connection (``GIS_DB_PARALLEL_WORKERS`` gives ``parallel_workers``)."""
    return {
        # Parallel plans make ST_AsMVT output differ run to run (and larger) and gain nothing on small queries.
        "max_parallel_workers_per_gather": str(parallel_workers),
        # Affects prepared statements only, and only the tile statement is prepared (settings): one plan per
        # connection for every tile of a zoom, instead of a plan per tile for a connection's first five tiles of
        # it. Measured at 1,000,000 parcels, the same or faster at every zoom: parcels z17 p50 89 → 58 ms, ioc
        # z12–z15 about 5 → 3 ms.
        "plan_cache_mode": "force_generic_plan",
    }


def options(settings: dict[str, str]) -> str:
    """libpq's ``options`` connection parameter for ``settings``."""
    return " ".join(f"-c {name}={value}" for name, value in settings.items())
