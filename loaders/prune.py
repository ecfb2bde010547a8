"""`gis loads prune`: drop the archived rows of old loads, and the tables that killed loads left behind.

Every replace keeps the whole table it replaced (``retire``): a million-parcel
layer replaced every week adds about 360 MB a week. Pruning drops the oldest
archive partitions whole (no row-by-row DELETE, no bloat left behind) and
marks their loads, so that rolling one of them back is refused with a reason
instead of removing its rows with nothing to put back.

What stays is said by rules, as backup tools do: ``--keep N`` (the N latest
archiving loads of each layer) and ``--older-than DAYS`` (anything newer);
with both, an archive goes only when neither keeps it. A layer's newest
archive always stays: it is what undoes the last load.

A replace killed with ``kill -9`` leaves its half-built ``<table>__next``
(the live table is untouched); it held disk until that layer's next replace.
Pruning drops it too. Each layer is pruned in one transaction under the
layer's advisory lock, which every load and rollback holds while it works, so
a ``__next`` seen there belongs to no running load, and pruning never races
one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from psycopg import sql

from gis_server.errors import UsageError
from layers import registry
from layers.models import Load
from loaders import archive, rebuild, retire, staging

PRUNED = "archive_pruned_at"
MAX_DAYS = 36_500  # a century: anything larger (or nan, inf) is a typing slip, not a retention rule

# The partitions of one archive, by the load they belong to (the LIST bound holds its id), newest first.
_PARTITIONS = """
SELECT (regexp_match(pg_get_expr(c.relpartbound, c.oid), '\\d+'))[1]::bigint AS load, c.oid::regclass::text,
       pg_total_relation_size(c.oid)
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = %(t)s::regclass ORDER BY 1 DESC
"""
_LEFTOVER = "SELECT pg_total_relation_size(c.oid) FROM pg_class c WHERE c.oid = to_regclass(%(t)s)"


@dataclass(frozen=True)
class Rules:
    """What stays: the ``keep`` newest archives of a layer, and every archive of a load finished after ``since``."""

    keep: int
    since: datetime | None

    @classmethod
    def parse(cls, keep: int | None, older_than_days: float | None) -> Rules:
        if keep is None and older_than_days is None:
            raise UsageError("say what to keep: --keep N (latest loads per layer), --older-than DAYS, or both")
        if keep is not None and keep < 1:
            raise UsageError("--keep must be at least 1: the last load's archive is what undoes it")
        if older_than_days is not None and not 0 <= older_than_days <= MAX_DAYS:
            raise UsageError(f"--older-than is a number of days from 0 to {MAX_DAYS}")
        since = None if older_than_days is None else timezone.now() - timedelta(days=older_than_days)
        return cls(keep or 1, since)

    def to_drop(self, partitions: list[tuple[int, str, int]], finished: dict[int, datetime | None]) -> list[Any]:
        """The partitions (newest first) past the ``keep`` newest whose load ended before ``since``."""
        old = partitions[self.keep :]
        if self.since is None:
            return old
        since = self.since
        return [p for p in old if (ended := finished.get(p[0])) is not None and ended < since]


def prune(
    keep: int | None, layer_id: str | None, older_than_days: float | None = None, dry_run: bool = False
) -> dict[str, Any]:
    """Prune every vector layer (or ``layer_id``); returns the loads pruned, the leftovers dropped, bytes freed.
    With ``dry_run`` the same report, and nothing dropped or marked."""
    rules = Rules.parse(keep, older_than_days)
    try:
        layers = [registry.get(layer_id)] if layer_id else list(registry.LAYERS)
    except KeyError as exc:
        raise UsageError(str(exc.args[0])) from exc
    pruned: dict[str, list[int]] = {}
    leftovers: list[str] = []
    freed = 0
    for layer in layers:
        loads, size, leftover = _prune_layer(layer, rules, dry_run)
        freed += size + leftover
        if loads:
            pruned[layer.id] = loads
        if leftover:
            leftovers.append(rebuild.next_table(layer))
    return {"status": "dry-run" if dry_run else "done", "pruned": pruned, "leftovers_dropped": leftovers,
            "freed_bytes": freed, "message": _message(pruned, leftovers, freed, dry_run)}  # fmt: skip


def _message(pruned: dict[str, list[int]], leftovers: list[str], freed: int, dry_run: bool) -> str:
    count = sum(len(v) for v in pruned.values())
    detail = "; ".join(f"{layer}: loads {', '.join(map(str, ids))}" for layer, ids in pruned.items())
    prune, drop, free = ("would prune", "would drop", "would free") if dry_run else ("pruned", "dropped", "freed")
    message = f"{prune} the archives of {count} load(s)" + (f" ({detail})" if detail else "")
    if leftovers:
        message += f"; {drop} {', '.join(leftovers)} left by an interrupted load"
    ending = f"; {free} {freed / 2**20:.1f} MB" if dry_run else f"; {freed / 2**20:.1f} MB freed"
    return ("dry run, nothing changed: " if dry_run else "") + message + ending


def _prune_layer(layer: registry.Layer, rules: Rules, dry_run: bool) -> tuple[list[int], int, int]:
    """(loads pruned, their bytes, bytes of a dropped leftover ``__next``) for one layer, under its lock."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(*staging.lock(layer))
        leftover = _drop_leftover(cursor, layer, dry_run)
        if not retire.partitioned(cursor, layer):
            return [], 0, leftover
        cursor.execute(_PARTITIONS, {"t": archive.archive_table(layer)})
        partitions = cursor.fetchall()
        finished = dict(Load.objects.filter(pk__in=[p[0] for p in partitions]).values_list("pk", "finished_at"))
        old = rules.to_drop(partitions, finished)
        if dry_run:
            return sorted(row[0] for row in old), sum(row[2] for row in old), leftover
        for _, table, _ in old:
            cursor.execute(sql.SQL("DROP TABLE {}").format(sql.SQL(table)))  # regclass text: quoted by PostgreSQL
        now = timezone.now().isoformat()
        for load in Load.objects.select_for_update().filter(pk__in=[row[0] for row in old]):
            load.report = {**load.report, PRUNED: now}
            load.save(update_fields=["report"])
    return sorted(row[0] for row in old), sum(row[2] for row in old), leftover


def _drop_leftover(cursor: Any, layer: registry.Layer, dry_run: bool) -> int:
    """Drop the layer's ``__next`` table, which under the lock no load is filling; returns the bytes it held."""
    cursor.execute(_LEFTOVER, {"t": sql.Identifier(rebuild.next_table(layer)).as_string(cursor.cursor)})
    row = cursor.fetchone()
    if row is None:
        return 0
    if not dry_run:
        cursor.execute(rebuild.drop_next(layer))
    return int(row[0])


def refuse_if_pruned(load: Load) -> None:
    """Rolling back a load whose replaced rows are gone would only delete what it wrote."""
    if PRUNED in load.report:
        raise UsageError(
            f"load {load.pk} cannot be rolled back: the rows it replaced were pruned on "
            f"{load.report[PRUNED][:10]} ('gis loads prune'); load the earlier file again instead"
        )
