"""`gis loads prune --keep N`: drop the archived rows of all but a layer's N most recent archiving loads.

Every replace keeps the whole table it replaced (``retire``): a million-parcel
layer replaced every week adds about 360 MB a week. Pruning drops the oldest
archive partitions whole (no row-by-row DELETE, no bloat left behind) and
marks their loads, so that rolling one of them back is refused with a reason
instead of removing its rows with nothing to put back. It runs per layer in
one transaction under the layer's advisory lock, so it never races a load or
a rollback of that layer.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from psycopg import sql

from gis_server.errors import UsageError
from layers import registry
from layers.models import Load
from loaders import archive, retire, staging

PRUNED = "archive_pruned_at"

# The partitions of one archive, by the load they belong to (the LIST bound holds its id), newest first.
_PARTITIONS = """
SELECT (regexp_match(pg_get_expr(c.relpartbound, c.oid), '\\d+'))[1]::bigint AS load, c.oid::regclass::text,
       pg_total_relation_size(c.oid)
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = %(t)s::regclass ORDER BY 1 DESC
"""


def prune(keep: int, layer_id: str | None) -> dict[str, Any]:
    """Prune every vector layer (or ``layer_id``); returns the loads pruned and the bytes freed."""
    if keep < 1:
        raise UsageError("--keep must be at least 1: the last load's archive is what undoes it")
    try:
        layers = [registry.get(layer_id)] if layer_id else list(registry.LAYERS)
    except KeyError as exc:
        raise UsageError(str(exc.args[0])) from exc
    pruned: dict[str, list[int]] = {}
    freed = 0
    for layer in layers:
        loads, size = _prune_layer(layer, keep)
        if loads:
            pruned[layer.id] = loads
            freed += size
    count = sum(len(v) for v in pruned.values())
    detail = "; ".join(f"{layer}: loads {', '.join(map(str, ids))}" for layer, ids in pruned.items())
    message = f"pruned the archives of {count} load(s), {freed / 2**20:.1f} MB freed"
    message += f" ({detail})" if detail else ""
    return {"status": "done", "pruned": pruned, "freed_bytes": freed, "message": message}


def _prune_layer(layer: registry.Layer, keep: int) -> tuple[list[int], int]:
    with transaction.atomic(), connection.cursor() as cursor:
        if not retire.partitioned(cursor, layer):
            return [], 0
        cursor.execute(*staging.lock(layer))
        cursor.execute(_PARTITIONS, {"t": archive.archive_table(layer)})
        old = cursor.fetchall()[keep:]
        for _, table, _ in old:
            cursor.execute(sql.SQL("DROP TABLE {}").format(sql.SQL(table)))  # regclass text: quoted by PostgreSQL
        now = timezone.now().isoformat()
        for load in Load.objects.select_for_update().filter(pk__in=[row[0] for row in old]):
            load.report = {**load.report, PRUNED: now}
            load.save(update_fields=["report"])
    return sorted(row[0] for row in old), sum(row[2] for row in old)


def refuse_if_pruned(load: Load) -> None:
    """Rolling back a load whose replaced rows are gone would only delete what it wrote."""
    if PRUNED in load.report:
        raise UsageError(
            f"load {load.pk} cannot be rolled back: the rows it replaced were pruned on "
            f"{load.report[PRUNED][:10]} ('gis loads prune'); load the earlier file again instead"
        )
