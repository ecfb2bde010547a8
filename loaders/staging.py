"""Stages 6 and 7 — stage and swap: COPY into a temporary table, then change the live table in one go.

Named builders return ``(sql, params)``; identifiers come only from the
registry. The whole swap runs in the caller's transaction, under a
transaction-scoped advisory lock per layer, so two loads of one layer never
interleave and readers see the old rows or the new ones, never a mix.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from psycopg import sql

from layers.crs import VN2000_SRID
from layers.registry import Kind, Layer

STAGE = "gis_stage"
# First key of the two-key advisory lock: 'GISL' in ASCII, so our locks are recognisable in pg_locks.
LOCK_CLASS = 0x4749534C


def box(alias: str | None = None) -> sql.Composed:
    """Bounding box of a set of rows as a geometry: ST_Extent reads only each row's box, unlike ST_Collect."""
    column = sql.Identifier(alias, "geom") if alias else sql.Identifier("geom")
    return sql.SQL("ST_SetSRID(ST_Extent({})::geometry, {})").format(column, sql.Literal(VN2000_SRID))


BOX = box()

# SQL type per kind (int4 is integer, float8 double precision); the same names are the binary COPY wire types.
_SQL_TYPES = {Kind.TEXT: "text", Kind.INTEGER: "int4", Kind.REAL: "float8", Kind.DATE: "date"}


def data_columns(layer: Layer) -> list[str]:
    """Columns a load writes, in COPY order: attributes, geometry, optional centreline."""
    return [*layer.field_names, "geom", *(["centreline"] if layer.centreline else [])]


def drop_stage() -> sql.Composed:
    """ON COMMIT DROP does not fire inside an enclosing transaction (tests, nested atomics)."""
    return sql.SQL("DROP TABLE IF EXISTS pg_temp.{}").format(sql.Identifier(STAGE))


def create_stage(layer: Layer) -> sql.Composed:
    columns: list[sql.Composable] = [sql.SQL("fid bigint")]
    columns += [sql.SQL("{} {}").format(sql.Identifier(f.name), sql.SQL(_SQL_TYPES[f.kind])) for f in layer.fields]
    columns.append(sql.SQL("geom geometry({}, {})").format(sql.SQL(layer.geometry.value), sql.Literal(layer.srid)))
    if layer.centreline:
        columns.append(sql.SQL("centreline geometry(MultiLineString, {})").format(sql.Literal(layer.srid)))
    return sql.SQL("CREATE TEMPORARY TABLE {} ({}) ON COMMIT DROP").format(
        sql.Identifier(STAGE), sql.SQL(", ").join(columns)
    )


def with_fid(table: str) -> bool:
    """The stage keeps each row's source feature id (for reports); a new layer table does not."""
    return table == STAGE


def _copy_columns(layer: Layer, table: str, with_id: bool) -> list[tuple[str, str]]:
    """Each column a COPY row fills, with its binary wire type; geometries go as EWKB, which PostGIS's binary
    input (geometry_recv) reads. First the stage's feature id, or the row's id when the loader gives it."""
    lead = [("fid", "int8")] if with_fid(table) else [("id", "int8")] if with_id else []
    attributes = [(f.name, _SQL_TYPES[f.kind]) for f in layer.fields]
    geometries = [(name, "bytea") for name in data_columns(layer)[len(attributes) :]]
    return [*lead, *attributes, *geometries]


def copy_into(layer: Layer, table: str = STAGE, with_id: bool = False) -> sql.Composed:
    """Binary COPY into the stage or straight into a new layer table (``with_id``: each row with its id).

    Binary, because text COPY makes every geometry hex (twice its size) and every number text, both to be
    parsed again by the server: measured 2.7× slower for the same rows.
    """
    names = [name for name, _ in _copy_columns(layer, table, with_id)]
    return sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, names))
    )


def copy_types(layer: Layer, table: str = STAGE, with_id: bool = False) -> list[str]:
    """The binary wire type of each column ``copy_into`` names, in its order."""
    return [wire for _, wire in _copy_columns(layer, table, with_id)]


def lock(layer: Layer, scope: str = "xact_lock") -> tuple[str, list[Any]]:
    """The layer's advisory lock: ``xact_lock`` (released at the end of the transaction), ``lock`` (held by the
    session until ``unlock`` or disconnection: a killed load leaves none) or ``unlock``."""
    function = {"xact_lock": "pg_advisory_xact_lock", "lock": "pg_advisory_lock", "unlock": "pg_advisory_unlock"}
    return f"SELECT {function[scope]}(%s, hashtext(%s))", [LOCK_CLASS, layer.id]


def assign_ward_2025(layer: Layer, wards_2025_table: str, table: str = STAGE) -> tuple[sql.Composed, list[Any]] | None:
    """Fill a missing 2025 ward by geometry (Phường 15 is split between two new wards: names cannot tell)."""
    if "ward_2025_code" not in layer.field_names:
        return None
    statement = sql.SQL(
        "UPDATE {stage} s SET ward_2025_code = w.code FROM {wards} w "
        "WHERE s.ward_2025_code IS NULL AND ST_Intersects(w.geom, ST_PointOnSurface(s.geom))"
    ).format(stage=sql.Identifier(table), wards=sql.Identifier(wards_2025_table))
    return statement, []


def extent(source: str, where: sql.Composable | None = None) -> sql.Composed:
    """Bounding box (as a polygon) of the rows of ``source``."""
    return sql.SQL("SELECT {} FROM {} {}").format(
        BOX, sql.Identifier(source), where if where is not None else sql.SQL("")
    )


def changed_extent(old_extent: Any, staged_box: str | None) -> tuple[sql.Composed, list[Any]]:
    """Box around the rows a load removed or overwrote (``old_extent``) and the box of the rows it writes."""
    statement = sql.SQL(
        "SELECT {box} FROM (SELECT %s::geometry AS geom UNION ALL SELECT ST_GeomFromText(%s, {srid})) g"
    ).format(box=BOX, srid=sql.Literal(VN2000_SRID))
    return statement, [old_extent, staged_box]


def delete_all(layer: Layer) -> sql.Composed:
    return sql.SQL("DELETE FROM {}").format(sql.Identifier(layer.table))


def insert_from_stage(layer: Layer, load_id: int, upsert: bool = False) -> tuple[sql.Composed, list[Any]]:
    """INSERT … SELECT from the stage; with ``upsert`` rows whose key exists are updated in place."""
    names = data_columns(layer)
    target = sql.SQL(", ").join(map(sql.Identifier, [*names, "load_id"]))
    source = sql.SQL(", ").join(map(sql.Identifier, names))
    statement = sql.SQL("INSERT INTO {table} ({target}) SELECT {source}, %s FROM {stage}").format(
        table=sql.Identifier(layer.table), target=target, source=source, stage=sql.Identifier(STAGE)
    )
    if upsert:
        updates = [sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(n)) for n in [*names, "load_id"]]
        statement += sql.SQL(" ON CONFLICT ON CONSTRAINT {} DO UPDATE SET {}").format(
            sql.Identifier(f"{layer.table}_key"), sql.SQL(", ").join(updates)
        )
    return statement, [load_id]


def keyed_old_rows_extent(layer: Layer) -> sql.Composed:
    """Extent of live rows that an upsert will overwrite (same key as a staged row)."""
    match = sql.SQL(" AND ").join(sql.SQL("l.{0} = s.{0}").format(sql.Identifier(k)) for k in layer.key)
    return sql.SQL("SELECT {box} FROM {live} l JOIN {stage} s ON {match}").format(
        box=box("l"), live=sql.Identifier(layer.table), stage=sql.Identifier(STAGE), match=match
    )


def stage_rows(lead: Sequence[int] | None, columns: Sequence[Sequence[Any]]) -> Iterable[tuple[Any, ...]]:
    """Rows for COPY: the feature id or row id first when there is one, then the data columns in
    ``data_columns`` order."""
    return zip(*columns, strict=True) if lead is None else zip(lead, *columns, strict=True)
