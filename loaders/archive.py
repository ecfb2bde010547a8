"""SQL builders for the row archive: what a load replaced, and putting it back on rollback.

Each layer table ``layer_x`` has ``layer_x_archive`` with the same attributes
and geometry, the live row's id (``row_id``), the load that wrote the row
(``load_id``) and the load that replaced or overwrote it (``archived_by``).
The archive is partitioned by ``archived_by``, one partition per load
(``layer_x_archive_<load>``): a replace attaches the table it replaced
(``retire``), other loads insert into a partition opened for them, and a
rollback drops the partition it restored.
"""

from __future__ import annotations

from typing import Any

from psycopg import sql

from layers.registry import Layer
from loaders.rebuild import next_table
from loaders.staging import BOX, STAGE, data_columns


def archive_table(layer: Layer) -> str:
    return f"{layer.table}_archive"


def partition_table(layer: Layer, load_id: int) -> str:
    return f"{archive_table(layer)}_{int(load_id)}"


def open_partition(layer: Layer, load_id: int) -> sql.Composed:
    """The partition a load's archived rows go to, for loads that archive row by row (upsert, in-place replace)."""
    return sql.SQL("CREATE TABLE IF NOT EXISTS {} PARTITION OF {} FOR VALUES IN ({})").format(
        sql.Identifier(partition_table(layer, load_id)), sql.Identifier(archive_table(layer)), sql.Literal(int(load_id))
    )


def _names(names: list[str], prefix: str = "") -> sql.Composed:
    return sql.SQL(", ").join(sql.SQL(prefix) + sql.Identifier(n) for n in names)


def _key_match(left: str, right: str, layer: Layer) -> sql.Composed:
    return sql.SQL(" AND ").join(
        sql.SQL("{}.{} = {}.{}").format(
            sql.Identifier(left), sql.Identifier(k), sql.Identifier(right), sql.Identifier(k)
        )
        for k in layer.key
    )


def archive_rows(layer: Layer, load_id: int, keyed: bool) -> tuple[sql.Composed, list[Any]]:
    """Copy live rows into the archive before a load changes them: all rows, or (upsert) those with a staged key."""
    names = data_columns(layer)
    statement = sql.SQL(
        "INSERT INTO {archive} (row_id, {names}, load_id, archived_by) "
        "SELECT l.id, {lnames}, l.load_id, %s FROM {live} l"
    ).format(
        archive=sql.Identifier(archive_table(layer)),
        names=_names(names),
        lnames=_names(names, "l."),
        live=sql.Identifier(layer.table),
    )
    if keyed:
        statement += sql.SQL(" WHERE EXISTS (SELECT 1 FROM {stage} s WHERE {match})").format(
            stage=sql.Identifier(STAGE), match=_key_match("l", "s", layer)
        )
    return statement, [load_id]


def later_conflicts(layer: Layer, load_id: int) -> tuple[sql.Composed, list[Any]]:
    """Later loads that changed rows this load wrote, or wrote rows with keys this load replaced."""
    statement = sql.SQL(
        "SELECT archived_by FROM {archive} WHERE load_id = %s AND archived_by > %s "
        "UNION SELECT l.load_id FROM {live} l JOIN {archive} a ON {match} WHERE a.archived_by = %s AND l.load_id > %s "
        "ORDER BY 1"
    ).format(
        archive=sql.Identifier(archive_table(layer)),
        live=sql.Identifier(layer.table),
        match=_key_match("l", "a", layer),
    )
    return statement, [load_id, load_id, load_id, load_id]


def rollback_extent(layer: Layer, load_id: int) -> tuple[sql.Composed, list[Any]]:
    statement = sql.SQL(
        "SELECT {box} FROM (SELECT geom FROM {live} WHERE load_id = %s "
        "UNION ALL SELECT geom FROM {archive} WHERE archived_by = %s) g"
    ).format(box=BOX, live=sql.Identifier(layer.table), archive=sql.Identifier(archive_table(layer)))
    return statement, [load_id, load_id]


def remove_written(layer: Layer, load_id: int) -> tuple[sql.Composed, list[Any]]:
    return sql.SQL("DELETE FROM {} WHERE load_id = %s").format(sql.Identifier(layer.table)), [load_id]


def count_written(layer: Layer, load_id: int) -> tuple[sql.Composed, list[Any]]:
    return sql.SQL("SELECT count(*) FROM {} WHERE load_id = %s").format(sql.Identifier(layer.table)), [load_id]


def restore_archived(layer: Layer, load_id: int, into: str | None = None) -> tuple[sql.Composed, list[Any]]:
    """Put back, with their original ids, the rows this load had replaced: into the live table, or ``into``."""
    names = data_columns(layer)
    statement = sql.SQL(
        "INSERT INTO {live} (id, {names}, load_id) "
        "SELECT row_id, {names}, load_id FROM {archive} WHERE archived_by = %s"
    ).format(
        live=sql.Identifier(into or layer.table), names=_names(names), archive=sql.Identifier(archive_table(layer))
    )
    return statement, [load_id]


def keep_others(layer: Layer, load_id: int) -> tuple[sql.Composed, list[Any]]:
    """Copy into ``<table>__next`` the live rows other loads than ``load_id`` wrote (an append after it, say)."""
    names = data_columns(layer)
    statement = sql.SQL(
        "INSERT INTO {fresh} (id, {names}, load_id) SELECT id, {names}, load_id FROM {live} "
        "WHERE load_id IS DISTINCT FROM %s"
    ).format(fresh=sql.Identifier(next_table(layer)), names=_names(names), live=sql.Identifier(layer.table))
    return statement, [load_id]


def forget_archived(layer: Layer, load_id: int, partitioned: bool) -> tuple[sql.Composed, list[Any]]:
    """The restored rows leave the archive: their partition goes whole (a replace's may hold a million rows)."""
    if partitioned:
        return sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(partition_table(layer, load_id))), []
    return sql.SQL("DELETE FROM {} WHERE archived_by = %s").format(sql.Identifier(archive_table(layer))), [load_id]
