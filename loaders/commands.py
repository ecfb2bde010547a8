"""What each `gis` sub-command does, called by `loaders.cli` with parsed arguments."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from gis_server.errors import UsageError
from layers import registry

# File kinds a delivery folder may hold, in the order they are tried for a layer.
DELIVERY_SUFFIXES = (".gpkg", ".shp", ".zip", ".gdb", ".geojson", ".csv", ".dxf", ".dgn", ".tif")


def _options(args: argparse.Namespace) -> Any:
    """``LoadOptions`` from ``gis load`` or ``gis load-dir`` arguments (the latter has no per-file ones)."""
    from dataclasses import fields

    from loaders.pipeline import LoadOptions

    given = {f.name: getattr(args, f.name) for f in fields(LoadOptions) if hasattr(args, f.name)}
    return LoadOptions(**given, progress=not (args.quiet or args.json))


def load(args: argparse.Namespace) -> dict[str, Any]:
    from loaders.pipeline import run

    return run(args.layer, args.file, _options(args)).as_dict()


def _delivery_file(folder: Path, layer_id: str) -> Path | None:
    return next((folder / f"{layer_id}{s}" for s in DELIVERY_SUFFIXES if (folder / f"{layer_id}{s}").exists()), None)


def load_dir(args: argparse.Namespace) -> dict[str, Any]:
    """Every ``<layer>.<ext>`` of a delivery folder, wards first (the parcels get their 2025 ward from them).

    Every file is read, validated and judged before any is written, and every refusal is reported: a file
    refused at the end of a delivery no longer leaves the files before it loaded. Each file is then its own
    load (its own record, its own rollback). The checks see the wards loaded now, not the delivery's.
    """
    from gis_server.errors import GisError
    from loaders.pipeline import check

    order = [*registry.LOAD_ORDER, *registry.raster_ids()]
    present = [(layer, path) for layer in order if (path := _delivery_file(args.folder, layer)) is not None]
    if not present:
        raise UsageError(f"{args.folder}: no <layer>.<ext> files for any of {', '.join(order)}")
    options = _options(args)
    checked, refused = [], []
    for layer, path in present:
        try:
            checked.append(check(layer, path, options))
        except GisError as error:
            refused.append((path, error))
    if refused:
        raise _refused_delivery(refused, len(present), options.dry_run)
    results = [one.finish() for one in checked]
    done = all(r.status in ("done", "unchanged", "dry-run") for r in results)
    return {
        "status": "done" if done else "partial",
        "message": "\n".join(r.message for r in results),
        "loads": [r.as_dict() for r in results],
    }


def _refused_delivery(refused: list[tuple[Path, Any]], files: int, dry_run: bool) -> Any:
    """One error for every refused file of a delivery, of the gravest kind among them (usage over data)."""
    worst = max((error for _, error in refused), key=lambda error: error.exit_code)
    verdict = "would be loaded" if dry_run else "was loaded"
    lines = [f"{len(refused)} of {files} files of {refused[0][0].parent.name}/ refused, so none {verdict}:"]
    lines += [f"  {error.user_message}" for _, error in refused]
    details = [{"file": path.name, **error.as_dict(), **error.details} for path, error in refused]
    return type(worst)("\n".join(lines), details={"refused": details})


def loads(args: argparse.Namespace) -> dict[str, Any]:
    from loaders import rollback as rollback_module
    from loaders.listing import list_loads, show_load

    if args.action == "list":
        return list_loads(args.layer, args.limit)
    if args.action == "show":
        return show_load(args.id)
    if args.action == "prune":
        from loaders.prune import prune

        return prune(args.keep, args.layer, args.older_than, args.dry_run)
    return rollback_module.rollback(args.id)


def layers(args: argparse.Namespace) -> dict[str, Any]:
    from gis_server.health import report

    counts = report()["layers"]
    lines = [f"{layer:16} {count:>10}" for layer, count in counts.items()]
    return {"status": "done", "layers": counts, "message": "\n".join(lines)}


def tiles(args: argparse.Namespace) -> dict[str, Any]:
    if args.action == "purge":
        from tile_cache import purge_command

        return purge_command.run_command(args)
    if args.action == "status":
        from tile_cache import cache_status

        return cache_status.run_command(args)
    from tile_cache.seed import run_command

    return run_command(args)


def dispatch(args: argparse.Namespace) -> dict[str, Any]:
    handlers = {"load": load, "load-dir": load_dir, "loads": loads, "layers": layers, "tiles": tiles}
    return handlers[args.command](args)
