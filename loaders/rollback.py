"""`gis loads rollback ID`: restore a layer to its state before one load.

For a replace or upsert the load's rows are removed and the rows it had
replaced come back from the archive with their ids; for an append its rows
are removed. A replace is undone as it was done, by building a new table
(its archived rows, plus the rows later loads added) and swapping it in. A
later load that touched the same rows makes the rollback refuse, naming
that load, because undoing it silently would lose its changes.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from gis_server.errors import UsageError
from layers import registry
from layers.models import Load
from loaders import archive, history, rebuild, retire, staging
from loaders.prune import refuse_if_pruned
from tile_cache.purge import purge_on_commit


def _load(load_id: int) -> Load:
    try:
        return Load.objects.get(pk=load_id)
    except Load.DoesNotExist:
        raise UsageError(f"there is no load {load_id}; 'gis loads list' shows them") from None


def _rollback_rows(cursor: Any, layer: registry.Layer, load_id: int, mode: str) -> tuple[dict[str, int], Any]:
    cursor.execute(*staging.lock(layer))
    cursor.execute(*archive.later_conflicts(layer, load_id))
    later = [row[0] for row in cursor.fetchall()]
    if later:
        names = ", ".join(map(str, later))
        raise UsageError(
            f"load(s) {names} changed rows of load {load_id} later; roll back {names} first (newest first)"
        )
    cursor.execute(*archive.rollback_extent(layer, load_id))
    extent = cursor.fetchone()[0]
    partitioned = retire.partitioned(cursor, layer)
    if mode == "replace" and partitioned and not rebuild.blockers(cursor, layer):
        counts = _rebuild_rows(cursor, layer, load_id)
    else:
        cursor.execute(*archive.remove_written(layer, load_id))
        removed = cursor.rowcount
        cursor.execute(*archive.restore_archived(layer, load_id))
        counts = {"removed": removed, "restored": cursor.rowcount}
    cursor.execute(*archive.forget_archived(layer, load_id, partitioned))
    return counts, extent


def _rebuild_rows(cursor: Any, layer: registry.Layer, load_id: int) -> dict[str, int]:
    """Undo a replace the way it was done: a new table from the archived rows (and the rows later loads added),
    indexed once and swapped in, instead of deleting and re-inserting every row into the indexed live table
    (a million parcels: 28 s, and as many dead rows left behind)."""
    cursor.execute(*archive.count_written(layer, load_id))
    removed = int(cursor.fetchone()[0])
    indexes = rebuild.open_next(cursor, layer, load_id)
    cursor.execute(*archive.restore_archived(layer, load_id, into=rebuild.next_table(layer)))
    restored = cursor.rowcount
    cursor.execute(*archive.keep_others(layer, load_id))
    rebuild.close_next(cursor, layer, indexes, None)
    return {"removed": removed, "restored": restored}


def rollback(load_id: int) -> dict[str, Any]:
    """Undo one completed load in one transaction; returns a small report with the new load record's id."""
    from loaders.raster import rollback_raster

    notes: dict[str, Any] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        load = Load.objects.select_for_update().filter(pk=load_id).first() or _load(load_id)
        if load.status != "done" or load.mode == "rollback":
            raise UsageError(f"load {load_id} is {load.status} ({load.mode}); only a completed load can be rolled back")
        refuse_if_pruned(load)
        if load.layer in registry.raster_ids():
            counts, extent = rollback_raster(load), load.changed_extent
        else:
            counts, extent = _rollback_rows(cursor, registry.get(load.layer), load_id, load.mode)
        load.status = "rolled_back"
        load.save(update_fields=["status"])
        record = history.begin(load.layer, load.source, load.sha256, "rollback", {"load": load_id})
        history.finish(record, "done", counts, {"rolled_back_load": load_id, "at": timezone.now().isoformat()}, extent)
        purge_on_commit(load.layer, record.changed_extent, notes)
    removed, restored = counts["removed"], counts["restored"]
    message = f"{load.layer}: rolled back load {load_id} ({removed} removed, {restored} restored; load {record.pk})"
    if "tile_purge" in notes:
        message += f"; but {notes['tile_purge']}"
    return {"status": "done", "load_id": record.pk, "layer": load.layer, "counts": counts, "message": message,
            "notes": notes}  # fmt: skip
