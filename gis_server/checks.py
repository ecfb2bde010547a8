"""System checks: library versions and the pinned VN-2000 SRID.

Library checks run with every ``manage.py`` command; the database checks run
with ``manage.py check --database default`` (``make run`` and ``make test``
do) and before ``migrate``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyproj
from django.contrib.gis.gdal import gdal_version
from django.contrib.gis.geos import geos_version
from django.core.checks import CheckMessage, Error, Tags, register
from django.db import DatabaseError, connections
from django.db.migrations.recorder import MigrationRecorder

from layers.crs import VN2000_SRID

MIN_GDAL = (3, 4)
MIN_GEOS = (3, 10)
MIN_PROJ = (9, 0)
MIN_POSTGIS = (3, 2)
MIN_POSTGIS_PROJ = (6, 0)


def parse_version(text: str) -> tuple[int, ...]:
    """Leading numeric components of a version string ('3.11.1-CAPI-1.17.1' → (3, 11, 1))."""
    head = text.strip().split()[0].split("-")[0]
    parts: list[int] = []
    for piece in head.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def _minimum(name: str, found: str, minimum: tuple[int, ...], hint: str, check_id: str) -> list[CheckMessage]:
    if parse_version(found) >= minimum:
        return []
    wanted = ".".join(map(str, minimum))
    return [Error(f"{name} {found} is older than the required {wanted}.", hint=hint, id=check_id)]


@register(Tags.compatibility)
def check_libraries(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """GDAL and GEOS as loaded by GeoDjango, PROJ as bundled with pyproj."""
    return [
        *_minimum("GDAL", gdal_version().decode(), MIN_GDAL, "Install Debian's gdal-bin (make run does).", "gis.E001"),
        *_minimum("GEOS", geos_version().decode(), MIN_GEOS, "Install Debian's libgeos-c1v5.", "gis.E002"),
        *_minimum("PROJ", pyproj.__proj_version__, MIN_PROJ, "Reinstall the pinned pyproj wheel.", "gis.E003"),
    ]


def _database_facts(alias: str) -> dict[str, Any]:
    """PostGIS availability, versions and the 9210 row, tolerating a database not yet migrated."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT extversion FROM pg_extension WHERE extname = 'postgis'), "
            "EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'postgis')"
        )
        installed, available = cursor.fetchone()
        facts: dict[str, Any] = {"installed": installed, "available": available}
        if installed is None:
            return facts
        cursor.execute("SELECT postgis_lib_version(), postgis_proj_version()")
        facts["postgis"], facts["proj"] = cursor.fetchone()
        cursor.execute("SELECT auth_name, proj4text FROM spatial_ref_sys WHERE srid = %s", [VN2000_SRID])
        facts["srs"] = cursor.fetchone()
    facts["migrated"] = ("layers", "0001_vn2000_srid") in MigrationRecorder(connection).applied_migrations()
    return facts


def _srid_messages(srs: tuple[str | None, str] | None) -> list[CheckMessage]:
    hint = "Run 'python manage.py migrate' (migration layers.0001 pins EPSG:6960)."
    if srs is None:
        return [
            Error(
                f"SRID {VN2000_SRID} (VN-2000 / TM-3 105-45) is missing from spatial_ref_sys.", hint=hint, id="gis.E010"
            )
        ]
    auth_name, proj4text = srs
    if auth_name is not None or "+towgs84=" not in proj4text:
        return [
            Error(
                f"SRID {VN2000_SRID} lets PROJ choose the VN-2000 datum shift (0.8 m off in Tân Bình).",
                hint=hint,
                id="gis.E011",
            )
        ]
    return []


def _postgis_messages(alias: str, facts: dict[str, Any]) -> list[CheckMessage]:
    if facts["installed"] is None:
        if facts["available"]:
            return []  # migrate creates the extension
        return [
            Error(
                f"The PostGIS extension is not available to database {alias!r}.",
                hint="Install the PostGIS package for this PostgreSQL major version "
                "(e.g. postgresql-15-postgis-3); make run does.",
                id="gis.E020",
            )
        ]
    messages = _minimum("PostGIS", facts["postgis"], MIN_POSTGIS, "Upgrade PostGIS.", "gis.E021")
    messages += _minimum("PROJ in PostGIS", facts["proj"], MIN_POSTGIS_PROJ, "Upgrade PROJ.", "gis.E022")
    if facts["migrated"]:  # before migrate, the migration itself writes the row
        messages += _srid_messages(facts["srs"])
    return messages


@register(Tags.database)
def check_database(databases: Sequence[str] | None = None, **kwargs: Any) -> list[CheckMessage]:
    """PostGIS version and the pinned VN-2000 row; silent unless asked to check databases."""
    messages: list[CheckMessage] = []
    for alias in databases or ():
        try:
            facts = _database_facts(alias)
        except DatabaseError:
            continue  # Django's own connection check reports an unreachable database
        messages += _postgis_messages(alias, facts)
    return messages
