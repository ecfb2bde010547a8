"""Named SQL builders over registry layers, each returning ``(sql, params)``.

Identifiers come only from the registry (validated ids); values are always
parameters.
"""

from __future__ import annotations

from typing import Any

from psycopg import sql

from layers import registry


def row_counts() -> tuple[sql.Composed, list[Any]]:
    """One statement counting the rows of every layer table, in registry order."""
    parts = [
        sql.SQL("SELECT {id}::text AS layer, count(*) AS n FROM {table}").format(
            id=sql.Literal(layer.id), table=sql.Identifier(layer.table)
        )
        for layer in registry.LAYERS
    ]
    return sql.SQL(" UNION ALL ").join(parts), []


def versions() -> tuple[str, list[Any]]:
    """Server-side versions of PostgreSQL, PostGIS and the libraries PostGIS was built with."""
    return (
        "SELECT current_setting('server_version') AS postgresql, postgis_lib_version() AS postgis, "
        "postgis_geos_version() AS geos, postgis_proj_version() AS proj",
        [],
    )


def district_outline() -> tuple[sql.Composed, list[Any]]:
    """The district as the union of its 2025 wards, else its old wards (NULL before any ward is loaded)."""
    statement = sql.SQL(
        "SELECT ST_AsBinary(COALESCE((SELECT ST_Union(geom) FROM {}), (SELECT ST_Union(geom) FROM {})))"
    )
    return statement.format(sql.Identifier(registry.WARDS_2025.table), sql.Identifier(registry.WARDS.table)), []
