"""Stages 6 and 7 in the database: COPY into the stage, archive what changes, swap, record the load."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from django.db import DatabaseError, connection, transaction
from psycopg import sql
from psycopg.adapt import PyFormat

from layers import registry
from loaders import archive, history, parallel, rebuild, retire, staging
from loaders.pipeline import outcome
from loaders.progress import Advance, Progress
from tile_cache.purge import purge_on_commit

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
    """Write the load; the change to the live table is one transaction under the layer's lock."""
    progress.note(f"waiting for the {layer.id} lock")
    with _layer_lock(layer):
        built = _build_outside(layer, ready, mode, progress)
        try:
            load, written = _commit(layer, ready, mode, options, result, progress, built)
        except BaseException:
            if built is not None:
                _drop_next(layer)
            raise
    result.message = f"{layer.id}: loaded {written} features from {ready.path.name} (load {load.pk}, {mode})"
    result.message += outcome(result, f"'gis loads show {load.pk}' lists them")
    if "tile_purge" in result.notes:
        result.message += f"; but {result.notes['tile_purge']}"
    return result


def _commit(
    layer: registry.Layer,
    ready: Prepared,
    mode: str,
    options: LoadOptions,
    result: LoadResult,
    progress: Progress,
    built: _Built | None,
) -> tuple[Any, int]:
    """The load's transaction: stage (unless built already), archive, change the live table, record the load."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(*staging.lock(layer))
        reserved = built.reserved if built else ()
        load = history.begin(layer.id, str(ready.path), ready.digest, mode, options.recorded(), *reserved)
        target = built.target if built else _Target.choose(cursor, layer, mode, load.pk)
        if built is None:
            with progress.counter(len(ready.checked.keep), "staging") as advance, connection.wrap_database_errors:
                _copy(cursor.cursor, layer, ready, ready.checked.keep, target.table, advance)
            _fill_ward_2025(cursor, layer, ready, target.table)
        progress.note(f"swapping into {layer.table} ({mode})")
        old_extent = built.old_extent if built else _old_extent(cursor, layer, mode)
        staged_box = built.staged_box if built else _staged_box(ready)
        partitioned = retire.partitioned(cursor, layer)
        retires = target.indexes is not None and partitioned  # the old table becomes the archive partition
        if mode != "append" and not retires:
            _archive_by_copy(cursor, layer, load.pk, mode, partitioned)
        cursor.execute(*staging.changed_extent(old_extent, staged_box))
        changed = cursor.fetchone()[0]
        written = target.write(cursor, layer, load.pk, mode, len(ready.checked.keep), retires)
        if target.kept:
            result.notes["replace"] = f"{layer.table} has {target.kept}: rows were replaced in place (slower)"
        result.counts["written"] = written
        result.warnings = ready.warnings
        result.load_id = load.pk
        result.status = "done"
        history.finish(load, "done", result.counts, result.report(), changed)
        cursor.execute(staging.drop_stage())
        purge_on_commit(layer.id, load.changed_extent, result.notes)
    return load, written


def _archive_by_copy(cursor: Any, layer: registry.Layer, load_id: int, mode: str, partitioned: bool) -> None:
    """The rows this load replaces or overwrites, copied into the archive (into a partition of their own)."""
    if partitioned:
        cursor.execute(archive.open_partition(layer, load_id))
    cursor.execute(*archive.archive_rows(layer, load_id, keyed=mode == "upsert"))


@contextmanager
def _layer_lock(layer: registry.Layer) -> Iterator[None]:
    """The layer's advisory lock for the whole load, across the transactions of a replace built outside one.

    Inside a caller's transaction everything happens in it, under the transaction-scoped lock taken there. A
    session lock dies with its connection, so a killed load leaves no lock behind.
    """
    if connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(*staging.lock(layer, "lock"))
    try:
        yield
    finally:
        with suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute(*staging.lock(layer, "unlock"))


@dataclass(frozen=True)
class _Target:
    """Where the COPY goes: straight into a new table swapped in at the end (``--mode replace`` when nothing
    would be lost by it, see ``rebuild``), else into the stage, from which the live table changes in place."""

    table: str
    indexes: list[rebuild.Index] | None
    kept: str = ""  # for a replace done in place: what made the new-table way unsafe
    built: bool = False  # filled and indexed already, outside the transaction

    @classmethod
    def choose(cls, cursor: Any, layer: registry.Layer, mode: str, load_id: int) -> _Target:
        kept = ", ".join(rebuild.blockers(cursor, layer)) if mode == "replace" else ""
        if mode == "replace" and not kept:
            return cls(rebuild.next_table(layer), rebuild.open_next(cursor, layer, load_id))
        cursor.execute(staging.drop_stage())
        cursor.execute(staging.create_stage(layer))
        return cls(staging.STAGE, None, kept)

    def write(self, cursor: Any, layer: registry.Layer, load_id: int, mode: str, copied: int, retires: bool) -> int:
        """Swap the new table in (the old one becoming the load's archive partition when ``retires``, else dropped:
        its rows were archived by copy), or change the live table from the stage; returns the rows written."""
        if self.indexes is not None:
            retiring = load_id if retires else None
            (rebuild.swap_in if self.built else rebuild.close_next)(cursor, layer, self.indexes, retiring)
            return copied
        if mode == "replace":
            cursor.execute(staging.delete_all(layer))
        cursor.execute(*staging.insert_from_stage(layer, load_id, upsert=mode == "upsert"))
        return int(cursor.rowcount)


@dataclass(frozen=True)
class _Built:
    """A replace's new table, filled, indexed and analyzed before the load's transaction, waiting to be swapped in,
    with the extents the swap records: the live table's (read while the layer's lock kept it as it is) and the new
    rows'."""

    load_id: int
    started_at: datetime
    target: _Target
    old_extent: Any = None
    staged_box: str | None = None

    @property
    def reserved(self) -> tuple[int, datetime]:
        return self.load_id, self.started_at


def _build_outside(layer: registry.Layer, ready: Prepared, mode: str, progress: Progress) -> _Built | None:
    """Fill, index and analyze ``<table>__next``, committed but unseen by readers (see ``rebuild``); the index
    builds run side by side on several connections.

    None when the load is not a replace, the table has what a swap would lose, or a caller's transaction is open
    (then the load's own transaction does it all, on one connection).
    """
    if mode != "replace" or connection.in_atomic_block:
        return None
    with connection.cursor() as cursor:
        if rebuild.blockers(cursor, layer):
            return None
        reserved = history.reserve(cursor)
        indexes = rebuild.open_next(cursor, layer, reserved[0])
    table = rebuild.next_table(layer)
    try:
        keep = ready.checked.keep
        with connection.cursor() as cursor:
            first_id = rebuild.claim_ids(cursor, layer, len(keep))
        with progress.counter(len(keep), "staging") as advance:
            _copy_side_by_side(layer, ready, table, advance, first_id)
        with connection.cursor() as cursor:
            _fill_ward_2025(cursor, layer, ready, table)
        staged_box = _staged_box(ready)
        _let_go(ready)
        progress.note(f"indexing {table}")
        parallel.run([partial(_execute, statement) for statement in rebuild.build_statements(layer, indexes)])
        # Side by side (0.3 s each at a million parcels): no writer changes the live table while we hold the lock.
        old_extent: list[Any] = []
        parallel.run(
            [partial(_execute, rebuild.analyze(layer)), partial(_fetch, staging.extent(layer.table), old_extent)]
        )
    except BaseException:
        _drop_next(layer)
        raise
    return _Built(*reserved, _Target(table, indexes, built=True), old_extent[0], staged_box)


def _let_go(ready: Prepared) -> None:
    """Hand the features' values and geometries, which the new table now holds, to a thread that frees them.

    Freeing a million parcels' Python values and GEOS geometries takes half a
    second; done where the load ends, it came after the swap. In a thread it
    runs while this one waits on the server (index builds, ANALYZE, the swap).
    """
    held: list[Any] = [*ready.mapped.columns.values(), ready.checked.geoms, ready.checked.centrelines]
    ready.mapped.columns = {}
    ready.checked.geoms = np.empty(0, dtype=object)
    ready.checked.centrelines = None
    threading.Thread(target=_free, args=(held,), name="gis-free").start()


FREE_SLICE = 20_000


def _free(held: list[Any]) -> None:
    """Drop the values a slice at a time: freeing a slice holds the GIL, and between slices other threads get
    it (freeing a whole array at once kept the caller waiting for all of it: 0.5 s at a million parcels)."""
    while held:
        values = held.pop()
        if isinstance(values, list):
            while values:
                del values[-FREE_SLICE:]
        elif isinstance(values, np.ndarray) and values.dtype == object:
            for start in range(0, len(values), FREE_SLICE):
                values[start : start + FREE_SLICE] = None
        del values


def _copy_side_by_side(layer: registry.Layer, ready: Prepared, table: str, advance: Advance, first_id: int) -> None:
    """COPY the new table's rows a chunk at a time on several connections (``parallel``), each chunk committed
    when it ends, for the index builds to see.

    The server's side of the COPY is most of it: besides reading each
    geometry, PostgreSQL computes the generated Web-Mercator copy, a datum
    shift per vertex (a million parcels: 8.7 s into a table with it, 2.7 s
    without). Two backends share that out; the rows carry their ids, so
    they are the same however the chunks interleave.
    """
    keep = ready.checked.keep
    starts = range(0, len(keep), COPY_CHUNK)
    parallel.run([partial(_copy_chunk, layer, ready, table, advance, first_id, start) for start in starts])


def _copy_chunk(
    layer: registry.Layer, ready: Prepared, table: str, advance: Advance, first_id: int, start: int, cursor: Any
) -> None:
    _copy(cursor, layer, ready, ready.checked.keep[start : start + COPY_CHUNK], table, advance, first_id + start)


def _execute(statement: Any, cursor: Any) -> None:
    cursor.execute(statement)


def _fetch(statement: Any, into: list[Any], cursor: Any) -> None:
    """The statement's one value, appended to ``into`` (a job for ``parallel.run``, which returns nothing)."""
    cursor.execute(statement)
    into.append(cursor.fetchone()[0])


def _drop_next(layer: registry.Layer) -> None:
    """Best effort: a table left behind (the connection is gone) is dropped by the layer's next replace."""
    with suppress(DatabaseError), connection.cursor() as cursor:
        cursor.execute(rebuild.drop_next(layer))


def _fill_ward_2025(cursor: Any, layer: registry.Layer, ready: Prepared, table: str) -> None:
    """Only when a staged row lacks its 2025 ward: the UPDATE scans every staged row even when none matches."""
    derive = staging.assign_ward_2025(layer, registry.WARDS_2025.table, table)
    if derive is None:
        return
    values = ready.mapped.columns.get("ward_2025_code")
    if values is None or any(values[i] is None for i in ready.checked.keep.tolist()):
        cursor.execute(*derive)


def _staged_box(ready: Prepared) -> str | None:
    """The box around the rows this load writes, from the geometries in hand (ST_Extent would read them all back)."""
    geoms = ready.checked.geoms[ready.checked.keep]
    if not len(geoms):
        return None
    return shapely.box(*shapely.total_bounds(geoms)).wkt


def _old_extent(cursor: Any, layer: registry.Layer, mode: str) -> Any:
    if mode == "append":
        return None
    statement = staging.extent(layer.table) if mode == "replace" else staging.keyed_old_rows_extent(layer)
    cursor.execute(statement)
    return cursor.fetchone()[0]


def _wkb(geoms: Any) -> Any:
    """Plain WKB: PostGIS gives a geometry without an SRID its column's SRID (every column we COPY into declares
    one), and ``set_srid`` would copy every geometry first — 2.3 s of a million-parcel load, holding the GIL."""
    return shapely.to_wkb(geoms)


COPY_CHUNK = 50_000


def _c_bytes_dumper(cursor: Any) -> None:
    """COPY's ``set_types`` finds each column's dumper by type OID, and psycopg 3.3's for bytea is dbapi20's
    ``BinaryBinaryDumper``, a Python subclass: one Python call per geometry (1.0 s of a million-parcel load,
    holding the GIL). Registered again on this cursor only, bytes take psycopg's C dumper."""
    adapters = cursor.adapters
    adapters.register_dumper(bytes, adapters.get_dumper(bytes, PyFormat.BINARY))


def _chunk_rows(
    layer: registry.Layer, ready: Prepared, part: np.ndarray, lead: Sequence[int] | None
) -> Iterable[tuple[Any, ...]]:
    """Rows for COPY of the features at indices ``part``, after ``lead`` (feature or row ids) when given;
    geometry EWKB is made per chunk to bound memory."""
    mapped, checked = ready.mapped, ready.checked
    if len(part) and part[-1] - part[0] + 1 == len(part):  # a contiguous run (the usual case): slice, don't index
        span = slice(int(part[0]), int(part[-1]) + 1)
        columns: list[list[Any]] = [mapped.columns[name][span] for name in layer.field_names]
    else:
        columns = [[mapped.columns[name][i] for i in part] for name in layer.field_names]
    columns.append(list(_wkb(checked.geoms[part])))
    if layer.centreline:
        lines = checked.centrelines or [None] * len(ready.fids)
        columns.append([None if lines[i] is None else bytes(_wkb(lines[i])) for i in part])
    return staging.stage_rows(lead, columns)


def _copy(
    cursor: Any,
    layer: registry.Layer,
    ready: Prepared,
    keep: np.ndarray,
    table: str,
    advance: Advance,
    first_id: int | None = None,
) -> None:
    """Binary COPY of the features at ``keep`` on a psycopg cursor, chunk by chunk; with ``first_id``, the rows
    take ids from it on, in order."""
    with_fid, with_id = staging.with_fid(table), first_id is not None
    _c_bytes_dumper(cursor)
    with cursor.copy(staging.copy_into(layer, table, with_id)) as copy:
        copy.set_types(staging.copy_types(layer, table, with_id))
        for start in range(0, len(keep), COPY_CHUNK):
            part = keep[start : start + COPY_CHUNK]
            lead = ready.fids[part].tolist() if with_fid else None
            if first_id is not None:
                lead = range(first_id + start, first_id + start + len(part))
            for row in _chunk_rows(layer, ready, part, lead):
                copy.write_row(row)
            advance(len(part))
