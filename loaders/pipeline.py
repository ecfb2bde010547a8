"""One load, stage by stage: read → decode → reproject → map → validate → stage → swap.

Everything before the swap works on arrays in memory and touches no live
table; the swap runs in one transaction under the layer's advisory lock, so a
failed or killed run leaves the live table exactly as it was.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from gis_server.errors import DataRejected, UsageError
from layers import registry
from loaders import history, memory, quality
from loaders.decode import decode_text
from loaders.mapping import MappedTable, Problem, map_fields
from loaders.profile import MappingProfile, load_profile
from loaders.progress import Progress
from loaders.read import SourceTable, cut_short
from loaders.reproject import describe, source_crs, start_vn2000, to_vn2000
from loaders.rightofway import derive_right_of_way
from loaders.validate import Validated, validate

MODES = ("replace", "append", "upsert")
MAX_LISTED = 20


@dataclass(frozen=True)
class LoadOptions:
    mode: str | None = None
    crs: str | None = None
    encoding: str | None = None
    mapping: Path | None = None
    source_layer: str | None = None
    max_errors: int = 0
    strict: bool = False
    force: bool = False
    dry_run: bool = False
    progress: bool = False

    def recorded(self) -> dict[str, Any]:
        """The options worth keeping in the load record."""
        return {k: str(v) if isinstance(v, Path) else v for k, v in self.__dict__.items() if v and k != "progress"}


@dataclass
class LoadResult:
    layer: str
    source: str
    load_id: int | None
    status: str
    counts: dict[str, int]
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    repaired: list[int] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)
    message: str = ""

    def report(self) -> dict[str, Any]:
        """Everything a person needs to fix the source: every finding with its feature id and field."""
        return {
            "counts": self.counts,
            "notes": self.notes,
            "repaired": self.repaired,
            "problems": [p.__dict__ for p in self.problems],
            "warnings": [p.__dict__ for p in self.warnings],
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "layer": self.layer,
            "source": self.source,
            "load_id": self.load_id,
            "status": self.status,
            "message": self.message,
            **self.report(),
        }


@dataclass
class Prepared:
    """A file read, decoded, reprojected, mapped and validated: ready to stage."""

    path: Path
    digest: str
    fids: np.ndarray
    mapped: MappedTable
    checked: Validated
    mapped_warnings: list[Problem]
    notes: dict[str, Any]
    # Overlap and area checks run in a thread while the database works; see `warnings`.
    pending: Future[list[Problem]] | None = None

    @property
    def warnings(self) -> list[Problem]:
        """All warnings; waits for the background checks the first time it is asked."""
        if self.pending is not None:
            self.mapped_warnings.extend(self.pending.result())
            self.pending = None
        return self.mapped_warnings

    def counts(self) -> dict[str, int]:
        rejected = len({p.fid for p in self.checked.rejected})
        return {"read": len(self.fids), "repaired": len(self.checked.repaired), "rejected": rejected}


def read(layer: registry.Layer, path: Path, options: LoadOptions, profile: MappingProfile) -> SourceTable:
    """Drawings (DXF/DGN) are polygonized with their labels joined; everything else is read as features."""
    if path.suffix.lower() in (".dxf", ".dgn"):
        from loaders.drawing import read_cad

        return read_cad(layer, path, profile.drawing)
    from loaders.read import read_source

    return read_source(path, options.source_layer)


def prepare(layer: registry.Layer, path: Path, options: LoadOptions, progress: Progress) -> Prepared:
    """Everything before the database transaction."""
    profile = load_profile(options.mapping, layer)
    progress.note(f"reading {path.name}")
    source = read(layer, path, options, profile)
    geoms = shapely.from_wkb(source.wkb)
    src = source_crs(source.crs, options.crs, geoms[~shapely.is_missing(geoms)], path.name)
    progress.note(f"{len(source.fids)} features; reprojecting from {describe(src, options.crs)} to VN-2000")
    # PROJ works on the other core while the text is decoded and mapped; ``geoms`` is reprojected in place.
    reprojected = start_vn2000(geoms, src)
    decoded = decode_text(source.columns, source.raw_text, options.encoding)
    # The raw WKB and undecoded text are not needed again: let them go (≈1 GB at a million parcels).
    source = dataclasses.replace(source, wkb=np.empty(0, dtype=object), columns={})
    memory.give_back()
    mapped = map_fields(layer, decoded.columns, source.fids, path.name, profile)
    encoding = {"encoding": decoded.encoding, "converted_values": decoded.converted, "encoding_reason": decoded.reason}
    del decoded
    geoms = reprojected()
    memory.give_back()
    derived = derive_right_of_way(layer, source.fids, geoms, mapped)
    del geoms  # ``derived.geoms`` is the same array, or holds the derived rights of way
    checked = validate(layer, source.fids, derived.geoms, mapped)
    derived.geoms = np.empty(0, dtype=object)  # the geometries before repair and promotion to multi types
    memory.give_back()
    checked.rejected.extend([*derived.problems, *source.problems])
    checked.centrelines = _centrelines(checked, derived.centrelines, src)
    progress.note("checking extent, overlaps and areas")
    pending = _quality(layer, source.fids, checked, mapped)
    notes = {
        **encoding,
        "source_crs": describe(src, options.crs),
        "source_layer": source.layer,
        "derived_right_of_way": derived.derived,
    }
    return Prepared(path, "", source.fids, mapped, checked, [*source.warnings, *mapped.warnings], notes, pending)


def _centrelines(checked: Validated, derived: np.ndarray | None, src: Any) -> list[Any] | None:
    """Centrelines from a WKT column (reprojected like the geometries) or from the lines a ROW was derived from."""
    lines = None if checked.centrelines is None else to_vn2000(np.array(checked.centrelines, dtype=object), src)
    if derived is None:
        return None if lines is None else list(lines)
    if lines is None:
        return list(derived)
    return [d if d is not None else w for d, w in zip(derived, lines, strict=True)]


def _quality(layer: registry.Layer, fids: np.ndarray, checked: Validated, mapped: MappedTable) -> Future[list[Problem]]:
    """Reject features outside the district now; start the overlap and area checks in the background."""
    from loaders.district import outline

    keep = checked.keep
    geoms = checked.geoms[keep]
    checked.rejected.extend(quality.outside(fids[keep], geoms, outline()))
    bad = {p.fid for p in checked.rejected}
    checked.keep = np.array([i for i in keep.tolist() if int(fids[i]) not in bad], dtype=np.int64)
    keep = checked.keep
    official = mapped.columns.get("area")
    areas = None if official is None else [official[i] for i in keep]
    kept_fids, kept_geoms = fids[keep], checked.geoms[keep]

    def warnings() -> list[Problem]:
        return [
            *quality.overlaps(layer, kept_fids, kept_geoms),
            *quality.area_gaps(layer, kept_fids, kept_geoms, areas),
        ]

    return _in_background(warnings)


def _in_background[T](func: Callable[..., T], *args: Any) -> Future[T]:
    """``func(*args)`` in a thread of its own; whoever needs the result waits on the future."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gis-background")
    future = pool.submit(func, *args)
    pool.shutdown(wait=False)
    return future


def _refuse_emptying(layer: registry.Layer, ready: Prepared) -> None:
    """A replace from a file with nothing to load would empty the layer: an empty export, not an intent."""
    from loaders.swap import has_rows, row_count

    if len(ready.checked.keep) or not has_rows(layer):
        return
    read = len(ready.fids)
    why = "the file has no features" if not read else f"none of its {read} features passed the checks"
    raise DataRejected(
        f"{ready.path.name}: {why}; a replace would empty {layer.id} (its {row_count(layer)} rows); nothing was "
        "written. Check the export (its layer: --source-layer)"
    )


def _check_mode(layer: registry.Layer, mode: str | None) -> str:
    from loaders.swap import has_rows, row_count

    if mode is None:
        if has_rows(layer):
            raise UsageError(
                f"{layer.id} already has {row_count(layer)} rows; say how to load: --mode replace, append or upsert"
            )
        return "append"
    if mode not in MODES:
        raise UsageError(f"--mode {mode!r} is not one of {', '.join(MODES)}")
    return mode


def _judge(layer: registry.Layer, ready: Prepared, options: LoadOptions, mode: str, result: LoadResult) -> None:
    """Refuse the load (recording why) when there are more rejects than allowed, or warnings under --strict."""
    rejected = result.counts["rejected"]
    findings = ready.checked.rejected if rejected > options.max_errors else []
    if not findings and options.strict and ready.warnings:
        findings = ready.warnings
    if not findings:
        return
    limit = "--strict" if rejected <= options.max_errors else f"more than --max-errors {options.max_errors}"
    if options.dry_run:  # nothing is recorded: the report is the list
        error = DataRejected(_refusal(ready, findings, limit, "--json lists them all"))
        error.details = result.report()
        raise error
    record = history.begin(layer.id, str(ready.path), ready.digest, mode, {**options.recorded(), "mode": mode})
    error = DataRejected(_refusal(ready, findings, limit, f"'gis loads show {record.pk}' lists them all"))
    error.details = {**result.report(), "load_id": record.pk}
    history.finish(record, "rejected", result.counts, {**result.report(), "message": error.user_message}, None)
    raise error


def _refusal(ready: Prepared, findings: list[Problem], limit: str, full_list: str) -> str:
    """The one line a refused load prints: the first finding, or what it means when no feature is in the district."""
    name, first = ready.path.name, findings[0]
    read = len(ready.fids)
    cut = cut_short(ready.path)
    if cut is not None:
        return (
            f"{name}: the file stops inside feature {cut} of {read} — cut short by an interrupted copy or download, so "
            f"features {cut}–{read - 1} have no geometry; copy the whole Shapefile (.shp, .shx, .dbf, .prj) again; "
            f"nothing was written"
        )
    outside = {p.fid for p in findings if p.message.startswith(quality.OUTSIDE)}
    if read and len(outside) == read:
        crs = ready.notes.get("source_crs") or "none"
        which = f"all {read} features lie" if read > 1 else "its one feature lies"
        return (
            f"{name}: {which} outside the district (its coordinate system: {crs}); if the coordinates are in "
            f"another one, say which with --crs (vn2000-hcm, EPSG:n); nothing was written"
        )
    return (
        f"{name}: {len(findings)} finding(s), {limit}; nothing was written. First: feature {first.fid}, "
        f"field {first.field}: {first.message}. Fix the source; {full_list}."
    )


ENCODING_NAMES = {"tcvn3": "TCVN3 (ABC)", "vni": "VNI-Windows", "cp1258": "Windows-1258", "viscii": "VISCII"}


def outcome(result: LoadResult, full_list: str) -> str:
    """What the load did to the data beyond copying it, for the one-line message: legacy text converted,
    right-of-way drawn from centrelines, geometries repaired, warnings (the first one in full); empty when none."""
    parts = []
    encoding = result.notes.get("encoding")
    if encoding in ENCODING_NAMES and result.notes.get("converted_values"):
        parts.append(f"text converted from {ENCODING_NAMES[encoding]} ({result.notes['converted_values']} values)")
    if result.notes.get("derived_right_of_way"):
        parts.append(f"right-of-way polygons drawn from {result.notes['derived_right_of_way']} centrelines")
    if result.repaired:
        parts.append(f"{len(result.repaired)} invalid geometries repaired (make-valid)")
    if result.warnings:
        first = result.warnings[0]
        parts.append(f"{len(result.warnings)} warning(s), first: feature {first.fid}, {first.field}: {first.message}")
    if not parts:
        return ""
    listed = f"; {full_list}" if result.repaired or result.warnings else ""
    return f"; {'; '.join(parts)}{listed}"


def unchanged(layer_id: str, path: Path, previous: Any) -> LoadResult:
    """The result of a file loaded before, byte for byte (``previous``: that load's record)."""
    message = f"{layer_id}: {path.name} unchanged since load {previous.pk} (same SHA-256); nothing to do (--force)"
    return LoadResult(layer_id, str(path), previous.pk, "unchanged", dict(previous.counts), message=message)


@dataclass
class Checked:
    """A file read, validated and judged, not written yet: ``write`` does that. None when there is nothing to
    write (unchanged, a dry run); ``result`` is then the final one."""

    result: LoadResult
    write: Callable[[], LoadResult] | None = None

    def finish(self) -> LoadResult:
        return self.result if self.write is None else self.write()


def run(layer_id: str, path: Path, options: LoadOptions) -> LoadResult:
    """Load one file into one layer; raises a GisError subclass with a one-line message on failure."""
    return check(layer_id, path, options).finish()


def check(layer_id: str, path: Path, options: LoadOptions) -> Checked:
    """Everything up to the first write (a refused load is recorded as such); ``gis load-dir`` checks a whole
    delivery this way before it writes any of it."""
    if layer_id in registry.raster_ids():
        from loaders.raster import check_raster

        return check_raster(layer_id, path, options)
    try:
        layer = registry.get(layer_id)
    except KeyError as exc:
        raise UsageError(str(exc.args[0])) from exc
    mode = _check_mode(layer, options.mode)
    if not path.exists():
        raise UsageError(f"{path}: no such file")
    # The file's SHA-256 (hashlib drops the GIL) is read beside the load, and first only when it decides.
    digest = _in_background(history.sha256, path)
    previous = None if options.force or options.dry_run else history.unchanged_since(layer.id, digest.result())
    if previous is not None:
        return Checked(unchanged(layer.id, path, previous))
    progress = Progress(options.progress)
    ready = prepare(layer, path, options, progress)
    ready.digest = digest.result()
    # Without --strict the warnings cannot stop the load: let the database work while they are computed.
    warnings = ready.warnings if options.strict or options.dry_run else []
    result = LoadResult(
        layer.id, str(path), None, "dry-run", ready.counts(), ready.checked.rejected, warnings,
        ready.checked.repaired, ready.notes,
    )  # fmt: skip
    _judge(layer, ready, options, mode, result)
    if mode == "replace":
        _refuse_emptying(layer, ready)
    if options.dry_run:
        result.message = f"{layer.id}: {path.name} would load {len(ready.checked.keep)} features"
        if mode == "replace":
            from loaders.swap import row_count

            result.message += f" in place of the {row_count(layer)} rows {layer.id} has"
        result.message += " (dry run)"
        result.message += outcome(result, "--json lists them")
        return Checked(result)
    from loaders.swap import swap

    return Checked(result, lambda: swap(layer, ready, mode, options, result, progress))
