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
    """Every ``<layer>.<ext>`` of a delivery folder, wards first (the others are checked against them); each file
    is its own load, and the first refusal stops the rest — ``--dry-run`` checks them all first."""
    from loaders.pipeline import run

    order = [*registry.LOAD_ORDER, *(r.id for r in registry.RASTERS)]
    present = [(layer, path) for layer in order if (path := _delivery_file(args.folder, layer)) is not None]
    if not present:
        raise UsageError(f"{args.folder}: no <layer>.<ext> files for any of {', '.join(order)}")
    options = _options(args)
    results = [run(layer, path, options) for layer, path in present]
    done = all(r.status in ("done", "unchanged", "dry-run") for r in results)
    return {
        "status": "done" if done else "partial",
        "message": "\n".join(r.message for r in results),
        "loads": [r.as_dict() for r in results],
    }


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
    from tile_cache.seed import run_command

    return run_command(args)


def dispatch(args: argparse.Namespace) -> dict[str, Any]:
    handlers = {"load": load, "load-dir": load_dir, "loads": loads, "layers": layers, "tiles": tiles}
    return handlers[args.command](args)
