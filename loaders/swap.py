"""Stages 6 and 7 in the database: COPY into the stage, archive what changes, swap, record the load."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from django.db import connection, transaction
from psycopg import sql

from layers import registry
from layers.crs import VN2000_SRID
from loaders import archive, history, rebuild, staging
from loaders.progress import Progress
from tile_cache.purge import after_load

if TYPE_CHECKING:
    from loaders.pipeline import LoadOptions, LoadResult, Prepared


def has_rows(layer: registry.Layer) -> bool:
    """Whether the live table holds anything: one row read, not a count of a million."""
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("SELECT EXISTS (SELECT FROM {})").format(sql.Identifier(layer.table)))
        return bool(cursor.fetchone()[0])


def row_count(layer: registry.Layer) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(layer.table)))
        return int(cursor.fetchone()[0])


def swap(
    layer: registry.Layer, ready: Prepared, mode: str, options: LoadOptions, result: LoadResult, progress: Progress
) -> LoadResult:
    """COPY and change the live table, all in one transaction under the layer's lock."""
    with transaction.atomic(), connection.cursor() as cursor:
        progress.note(f"waiting for the {layer.id} lock")
        cursor.execute(*staging.lock(layer))
        load = history.begin(layer.id, str(ready.path), ready.digest, mode, options.recorded())
        target = _Target.choose(cursor, layer, mode, load.pk)
        _copy(cursor, layer, ready, progress, target.table)
        derive = staging.assign_ward_2025(layer, registry.WARDS_2025.table, target.table)
        if derive is not None:
            cursor.execute(*derive)
        progress.note(f"swapping into {layer.table} ({mode})")
        old_extent = _old_extent(cursor, layer, mode)
        if mode != "append":
            cursor.execute(*archive.archive_rows(layer, load.pk, keyed=mode == "upsert"))
        cursor.execute(*staging.changed_extent(old_extent, target.table))
        changed = cursor.fetchone()[0]
        written = target.write(cursor, layer, load.pk, mode, len(ready.checked.keep))
        if target.kept:
            result.notes["replace"] = f"{layer.table} has {target.kept}: rows were replaced in place (slower)"
        result.counts["written"] = written
        result.warnings = ready.warnings
        result.load_id = load.pk
        result.status = "done"
        history.finish(load, "done", result.counts, result.report(), changed)
        cursor.execute(staging.drop_stage())
        transaction.on_commit(partial(after_load, layer.id, load.changed_extent))
    result.message = f"{layer.id}: loaded {written} features from {ready.path.name} (load {load.pk}, {mode})"
    if result.warnings:
        result.message += f"; {len(result.warnings)} warning(s), see 'gis loads show {load.pk}'"
    return result


@dataclass(frozen=True)
class _Target:
    """Where the COPY goes: straight into a new table swapped in at the end (``--mode replace`` when nothing
    would be lost by it, see ``rebuild``), else into the stage, from which the live table changes in place."""

    table: str
    indexes: list[rebuild.Index] | None
    kept: str = ""  # for a replace done in place: what made the new-table way unsafe

    @classmethod
    def choose(cls, cursor: Any, layer: registry.Layer, mode: str, load_id: int) -> _Target:
        kept = ", ".join(rebuild.blockers(cursor, layer)) if mode == "replace" else ""
        if mode == "replace" and not kept:
            return cls(rebuild.next_table(layer), rebuild.open_next(cursor, layer, load_id))
        cursor.execute(staging.drop_stage())
        cursor.execute(staging.create_stage(layer))
        return cls(staging.STAGE, None, kept)

    def write(self, cursor: Any, layer: registry.Layer, load_id: int, mode: str, copied: int) -> int:
        """Swap the new table in, or change the live table from the stage; returns the rows written."""
        if self.indexes is not None:
            rebuild.close_next(cursor, layer, self.indexes)
            return copied
        if mode == "replace":
            cursor.execute(staging.delete_all(layer))
        cursor.execute(*staging.insert_from_stage(layer, load_id, upsert=mode == "upsert"))
        return int(cursor.rowcount)


def _old_extent(cursor: Any, layer: registry.Layer, mode: str) -> Any:
    if mode == "append":
        return None
    statement = staging.extent(layer.table) if mode == "replace" else staging.keyed_old_rows_extent(layer)
    cursor.execute(statement)
    return cursor.fetchone()[0]


def _ewkb(geoms: Any) -> Any:
    return shapely.to_wkb(shapely.set_srid(geoms, VN2000_SRID), include_srid=True)


COPY_CHUNK = 50_000


def _chunk_rows(layer: registry.Layer, ready: Prepared, part: np.ndarray, with_fid: bool) -> Iterator[tuple[Any, ...]]:
    """Rows for COPY of the features at indices ``part``; geometry EWKB is made per chunk to bound memory."""
    mapped, checked = ready.mapped, ready.checked
    if len(part) and part[-1] - part[0] + 1 == len(part):  # a contiguous run (the usual case): slice, don't index
        span = slice(int(part[0]), int(part[-1]) + 1)
        columns: list[list[Any]] = [mapped.columns[name][span] for name in layer.field_names]
    else:
        columns = [[mapped.columns[name][i] for i in part] for name in layer.field_names]
    columns.append(list(_ewkb(checked.geoms[part])))
    if layer.centreline:
        lines = checked.centrelines or [None] * len(ready.fids)
        columns.append([None if lines[i] is None else bytes(_ewkb(lines[i])) for i in part])
    if not with_fid:
        return zip(*columns, strict=True)
    return iter(staging.stage_rows(ready.fids[part].tolist(), columns))


def _copy(cursor: Any, layer: registry.Layer, ready: Prepared, progress: Progress, table: str) -> None:
    keep = ready.checked.keep
    parts = (keep[start : start + COPY_CHUNK] for start in range(0, len(keep), COPY_CHUNK))
    rows = (row for part in parts for row in _chunk_rows(layer, ready, part, staging.with_fid(table)))
    with cursor.cursor.copy(staging.copy_into(layer, table)) as copy:
        copy.set_types(staging.copy_types(layer, table))
        for row in progress.iterate(rows, len(keep), "staging"):
            copy.write_row(row)
