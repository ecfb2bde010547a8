"""One load, stage by stage: read → reproject → map → validate → stage → swap.

The stages are pure functions over arrays except the last two, which run in a
single database transaction: nothing is written unless everything succeeds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from django.db import connection, transaction

from gis_server.errors import DataRejected, UsageError
from layers import registry
from layers.crs import VN2000_SRID
from loaders import history, staging
from loaders.mapping import MappedTable, Problem, map_fields
from loaders.read import read_source
from loaders.reproject import source_crs, to_vn2000
from loaders.validate import Validated, validate

MODES = ("replace", "append", "upsert")
MAX_LISTED = 20


@dataclass(frozen=True)
class LoadOptions:
    mode: str | None = None
    crs: str | None = None
    source_layer: str | None = None
    max_errors: int = 0
    force: bool = False
    dry_run: bool = False


@dataclass
class LoadResult:
    layer: str
    source: str
    load_id: int | None
    status: str
    counts: dict[str, int]
    problems: list[Problem] = field(default_factory=list)
    repaired: list[int] = field(default_factory=list)
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "layer": self.layer,
            "source": self.source,
            "load_id": self.load_id,
            "status": self.status,
            "counts": self.counts,
            "message": self.message,
            "repaired": self.repaired[:MAX_LISTED],
            "problems": [p.__dict__ for p in self.problems[:MAX_LISTED]],
        }


@dataclass
class Prepared:
    """A file read, reprojected, mapped and validated: ready to stage."""

    path: Path
    digest: str
    fids: np.ndarray
    mapped: MappedTable
    checked: Validated


def prepare(layer: registry.Layer, path: Path, options: LoadOptions) -> tuple[np.ndarray, MappedTable, Validated]:
    """Everything before the database: read, reproject, map and validate."""
    source = read_source(path, options.source_layer)
    geoms = shapely.from_wkb(source.wkb)
    src = source_crs(source.crs, options.crs, geoms[~shapely.is_missing(geoms)], path.name)
    geoms = to_vn2000(geoms, src)
    mapped = map_fields(layer, source.columns, source.fids, path.name)
    checked = validate(layer, source.fids, geoms, mapped)
    if checked.centrelines is not None:
        lines = np.array(checked.centrelines, dtype=object)
        checked.centrelines = list(to_vn2000(lines, src))
    return source.fids, mapped, checked


def _rejection_message(path: Path, problems: list[Problem], limit: int) -> str:
    first = problems[0]
    return (
        f"{path.name}: {len(problems)} feature problem(s), more than --max-errors {limit}; nothing was written. "
        f"First: feature {first.fid}, field {first.field}: {first.message}. Fix the source or raise --max-errors."
    )


def _check_mode(layer: registry.Layer, mode: str | None) -> str:
    existing = _row_count(layer)
    if mode is None:
        if existing:
            raise UsageError(
                f"{layer.id} already has {existing} rows; say how to load: --mode replace, append or upsert"
            )
        return "append"
    if mode not in MODES:
        raise UsageError(f"--mode {mode!r} is not one of {', '.join(MODES)}")
    return mode


def _row_count(layer: registry.Layer) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{layer.table}"')  # noqa: S608 - identifier from the registry
        return int(cursor.fetchone()[0])


def run(layer_id: str, path: Path, options: LoadOptions) -> LoadResult:
    """Load one file into one layer; raises a GisError subclass with a one-line message on failure."""
    try:
        layer = registry.get(layer_id)
    except KeyError as exc:
        raise UsageError(str(exc.args[0])) from exc
    mode = _check_mode(layer, options.mode)
    digest = history.sha256(path) if path.exists() else ""
    previous = None if options.force else history.unchanged_since(layer.id, digest)
    if previous is not None:
        message = f"{layer.id}: {path.name} unchanged since load {previous.pk} (same SHA-256); nothing to do (--force)"
        return LoadResult(layer.id, str(path), previous.pk, "unchanged", dict(previous.counts), message=message)
    fids, mapped, checked = prepare(layer, path, options)
    counts = {"read": len(fids), "repaired": len(checked.repaired), "rejected": len({p.fid for p in checked.rejected})}
    if counts["rejected"] > options.max_errors:
        raise DataRejected(_rejection_message(path, checked.rejected, options.max_errors))
    result = LoadResult(layer.id, str(path), None, "dry-run", counts, checked.rejected, checked.repaired)
    if options.dry_run:
        result.message = f"{layer.id}: {path.name} would load {len(checked.keep)} features (dry run, nothing written)"
        return result
    return swap(layer, Prepared(path, digest, fids, mapped, checked), mode, options, result)


def swap(layer: registry.Layer, ready: Prepared, mode: str, options: LoadOptions, result: LoadResult) -> LoadResult:
    """Stage with COPY and change the live table, all in one transaction under the layer's lock."""
    path = ready.path
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(*staging.lock(layer))
        load = history.begin(layer.id, path, ready.digest, mode, {k: v for k, v in options.__dict__.items() if v})
        _copy(cursor, layer, ready)
        derive = staging.assign_ward_2025(layer, registry.WARDS_2025.table)
        if derive is not None:
            cursor.execute(*derive)
        old_extent = _old_extent(cursor, layer, mode)
        if mode == "replace":
            cursor.execute(staging.delete_all(layer))
        cursor.execute(*staging.insert_from_stage(layer, load.pk, upsert=mode == "upsert"))
        written = cursor.rowcount
        cursor.execute(*staging.changed_extent(old_extent))
        changed = cursor.fetchone()[0]
        result.counts["written"] = written
        result.load_id = load.pk
        result.status = "done"
        report = {"repaired": result.repaired, "problems": [p.__dict__ for p in result.problems]}
        history.finish(load, "done", result.counts, report, changed)
        cursor.execute(staging.drop_stage())
    result.message = f"{layer.id}: loaded {written} features from {path.name} (load {load.pk}, {mode})"
    return result


def _old_extent(cursor: Any, layer: registry.Layer, mode: str) -> Any:
    if mode == "append":
        return None
    statement = staging.extent(layer.table) if mode == "replace" else staging.keyed_old_rows_extent(layer)
    cursor.execute(statement)
    return cursor.fetchone()[0]


def _copy(cursor: Any, layer: registry.Layer, ready: Prepared) -> None:
    fids, mapped, checked = ready.fids, ready.mapped, ready.checked
    cursor.execute(staging.drop_stage())
    cursor.execute(staging.create_stage(layer))
    keep = checked.keep
    geoms = shapely.to_wkb(shapely.set_srid(checked.geoms[keep], VN2000_SRID), hex=True, include_srid=True)
    columns: list[list[Any]] = [[mapped.columns[name][i] for i in keep] for name in layer.field_names]
    columns.append(list(geoms))
    if layer.centreline:
        lines = checked.centrelines or [None] * len(fids)
        columns.append([_hex(lines[i]) for i in keep])
    with cursor.cursor.copy(staging.copy_stage(layer)) as copy:
        for row in staging.stage_rows(fids[keep].tolist(), columns):
            copy.write_row(row)


def _hex(geom: Any) -> str | None:
    if geom is None:
        return None
    return str(shapely.to_wkb(shapely.set_srid(geom, VN2000_SRID), hex=True, include_srid=True))
