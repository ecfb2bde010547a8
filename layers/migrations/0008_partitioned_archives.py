"""Archives partitioned by the load that archived the rows: a replace keeps the old table instead of copying it.

A replace used to copy every live row into ``layer_x_archive`` inside the
load's transaction: 5.5 s of a million-parcel replace, and as many pages
written again. Now each archive is partitioned by ``archived_by`` (LIST), and
a replace that swaps in a new table attaches the old one as its partition
(``loaders.retire``): no row is copied. Loads that archive row by row
(upsert, in-place replace) insert into a partition of their own.

The archive's own ``id`` served nothing (rows are found by ``archived_by`` and
``row_id``); a retired table has no value for it, so it goes, and the models
say the key is (``archived_by``, ``row_id``). The database does not enforce
that key: on a partitioned table it would cost a unique index build on every
retired table inside the swap (0.5 s per million rows) for rows that come
from a table whose ids were already unique. The ``archived_by`` index goes too:
the partitions are the index.

Existing archived rows move into one partition per load.
"""

from typing import Any

from django.db import migrations, models
from psycopg import sql

ARCHIVES = [
    ("alleyarchive", "layer_alleys_archive"),
    ("parcelarchive", "layer_parcels_archive"),
    ("roadboundaryarchive", "layer_road_boundaries_archive"),
    ("ward2025archive", "layer_wards_2025_archive"),
    ("wardarchive", "layer_wards_archive"),
    ("zoningzonearchive", "layer_zoning_archive"),
]

_INDEXES = """
SELECT quote_ident(ic.relname), pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
"""


def _partition(cursor: Any, table: str) -> None:
    archive, old = sql.Identifier(table), sql.Identifier(f"{table}__rows")
    cursor.execute(_INDEXES, [table])
    kept = [(name, definition.partition(" USING ")[2]) for name, definition in cursor.fetchall()]
    kept = [(name, using) for name, using in kept if using != "btree (archived_by)"]
    cursor.execute(sql.SQL("ALTER TABLE {} RENAME TO {}").format(archive, old))
    cursor.execute(sql.SQL("CREATE TABLE {} (LIKE {}) PARTITION BY LIST (archived_by)").format(archive, old))
    cursor.execute(sql.SQL("ALTER TABLE {} DROP COLUMN id").format(archive))
    cursor.execute(sql.SQL("SELECT DISTINCT archived_by FROM {} ORDER BY 1").format(old))
    for (load,) in cursor.fetchall():
        part = sql.Identifier(f"{table}_{int(load)}")
        cursor.execute(
            sql.SQL("CREATE TABLE {} PARTITION OF {} FOR VALUES IN ({})").format(part, archive, sql.Literal(int(load)))
        )
    cursor.execute(sql.SQL("ALTER TABLE {} DROP COLUMN id").format(old))
    cursor.execute(sql.SQL("INSERT INTO {} SELECT * FROM {}").format(archive, old))
    cursor.execute(sql.SQL("DROP TABLE {}").format(old))
    for name, using in kept:  # the catalog's own text (quote_ident, pg_get_indexdef)
        cursor.execute(sql.SQL("CREATE INDEX {} ON {} USING {}").format(sql.SQL(name), archive, sql.SQL(using)))


def partition(apps: Any, schema_editor: Any) -> None:
    with schema_editor.connection.cursor() as cursor:
        for _, table in ARCHIVES:
            _partition(cursor, table)


def _state(model: str) -> list[migrations.operations.base.Operation]:
    return [
        migrations.RemoveField(model_name=model, name="id"),
        migrations.AddField(
            model_name=model,
            name="pk",
            field=models.CompositePrimaryKey(
                "archived_by", "row_id", blank=True, editable=False, primary_key=True, serialize=False
            ),
        ),
        migrations.AlterField(
            model_name=model,
            name="archived_by",
            field=models.BigIntegerField(help_text="Load that replaced or overwrote it"),
        ),
    ]


class Migration(migrations.Migration):
    dependencies = [("layers", "0007_inlinable_fold")]
    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(partition)],
            state_operations=[operation for model, _ in ARCHIVES for operation in _state(model)],
        )
    ]
