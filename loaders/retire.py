"""A replaced table becomes its load's archive partition: the rows a replace archives are never copied.

A replace that swaps a new table in (``rebuild``) used to copy every old row
into ``layer_x_archive`` first — 5.5 s and a second copy of the pages at a
million parcels, inside the swap's transaction. The archive is partitioned by
``archived_by`` (migration 0008), so the old table itself can be that
partition: renamed to ``layer_x_archive_<load>``, reshaped to the archive's
columns (``id`` → ``row_id``, ``archived_by`` added with the load's id as a
constant default, which PostgreSQL stores once, not per row, columns the
archive lacks such as ``geom_3857`` dropped), stripped of the indexes the
archive does not have and of its grants, and attached. The only per-row work
left is PostgreSQL's check that every row belongs in the partition, a read of
the table (0.1-0.3 s per million rows).

All of it happens in the swap's transaction, before the new table takes the
live names: a failure or ``kill -9`` leaves the live table and the archive as
they were.
"""

from __future__ import annotations

from typing import Any

from psycopg import sql

from layers.registry import Layer
from loaders import archive
from loaders.rebuild import Index, catalog, grants

_PARTITIONED = "SELECT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%(t)s))"

_COLUMNS = """
SELECT quote_ident(attname) FROM pg_attribute WHERE attrelid = %(t)s::regclass AND attnum > 0 AND NOT attisdropped
"""

_INDEX_SHAPES = """
SELECT split_part(pg_get_indexdef(indexrelid), ' USING ', 2) FROM pg_index WHERE indrelid = %(t)s::regclass
"""


def partitioned(cursor: Any, layer: Layer) -> bool:
    """Whether the layer's archive takes a retired table (an archive made by a later migration may not)."""
    cursor.execute(_PARTITIONED, {"t": archive.archive_table(layer)})
    return bool(cursor.fetchone()[0])


def retire(cursor: Any, layer: Layer, load_id: int, indexes: list[Index]) -> None:
    """Turn the live table, whose indexes are ``indexes``, into the archive partition of ``load_id``."""
    part = archive.partition_table(layer, load_id)
    table = sql.Identifier(part)
    cursor.execute(sql.SQL("ALTER TABLE {} RENAME TO {}").format(sql.Identifier(layer.table), table))
    _free_index_names(cursor, layer, part, indexes)
    _reshape(cursor, layer, part, load_id)
    for privilege, grantee in grants(cursor, part):  # readers of the live table are not readers of the archive
        cursor.execute(sql.SQL("REVOKE {} ON {} FROM {}").format(catalog(privilege), table, catalog(grantee)))
    cursor.execute(
        sql.SQL("ALTER TABLE {} ATTACH PARTITION {} FOR VALUES IN ({})").format(
            sql.Identifier(archive.archive_table(layer)), table, sql.Literal(load_id)
        )
    )


def _reshape(cursor: Any, layer: Layer, part: str, load_id: int) -> None:
    """The archive's columns exactly: ``id`` → ``row_id`` (no identity), ``archived_by`` (a constant default,
    stored once), and none of the live table's own (``geom_3857``); no row is rewritten."""
    table = sql.Identifier(part)
    cursor.execute(_COLUMNS, {"t": archive.archive_table(layer)})
    wanted = {row[0] for row in cursor.fetchall()}
    cursor.execute(_COLUMNS, {"t": part})
    for (column,) in cursor.fetchall():
        if column not in wanted and column != "id":
            cursor.execute(sql.SQL("ALTER TABLE {} DROP COLUMN {}").format(table, catalog(column)))
    cursor.execute(sql.SQL("ALTER TABLE {} ALTER COLUMN id DROP IDENTITY IF EXISTS").format(table))
    cursor.execute(sql.SQL("ALTER TABLE {} RENAME COLUMN id TO row_id").format(table))
    cursor.execute(
        sql.SQL("ALTER TABLE {} ADD COLUMN archived_by bigint NOT NULL DEFAULT {}").format(table, sql.Literal(load_id))
    )
    cursor.execute(sql.SQL("ALTER TABLE {} ALTER COLUMN archived_by DROP DEFAULT").format(table))


def _free_index_names(cursor: Any, layer: Layer, part: str, indexes: list[Index]) -> None:
    """The new table takes the live index names: keep (renamed) the indexes the archive has too, so the attach
    adopts them instead of building them; drop the rest."""
    cursor.execute(_INDEX_SHAPES, {"t": archive.archive_table(layer)})
    shapes = {row[0] for row in cursor.fetchall()}
    table = sql.Identifier(part)
    for number, index in enumerate(indexes):
        if index.definition.partition(" USING ")[2] in shapes and not index.constraint:
            renamed = sql.Identifier(f"{part}_{number}")
            cursor.execute(sql.SQL("ALTER INDEX {} RENAME TO {}").format(catalog(index.name), renamed))
        elif index.constraint:
            cursor.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(table, catalog(index.constraint)))
        else:
            cursor.execute(sql.SQL("DROP INDEX {}").format(catalog(index.name)))
