"""What /healthz reports: database reachable, library versions, rows per layer."""

from __future__ import annotations

from typing import Any

import pyogrio
import pyproj
from django.contrib.gis.gdal import gdal_full_version
from django.contrib.gis.geos import geos_version
from django.db import DatabaseError, connection

from gis_server.errors import DatabaseUnavailable
from layers import sql


def _fetch(builder: Any) -> list[dict[str, Any]]:
    statement, params = builder()
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def python_versions() -> dict[str, str]:
    """Libraries linked into this process (GeoDjango, pyogrio, pyproj)."""
    return {
        "gdal_geodjango": gdal_full_version().decode(),
        "geos_geodjango": geos_version().decode(),
        "gdal_pyogrio": pyogrio.__gdal_version_string__,
        "proj_pyproj": pyproj.__proj_version__,
    }


def report() -> dict[str, Any]:
    """The health document; raises DatabaseUnavailable when PostgreSQL cannot answer."""
    try:
        database = _fetch(sql.versions)[0]
        counts = {row["layer"]: row["n"] for row in _fetch(sql.row_counts)}
    except DatabaseError as exc:
        raise DatabaseUnavailable(log_message=f"health check failed: {exc}") from exc
    return {
        "status": "ok",
        "database": database,
        "libraries": python_versions(),
        "layers": counts,
    }
