"""The `gis` command for data staff. Argument parsing only; the work is in the stage modules."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

EXAMPLES = """examples:
  gis load parcels thua_dat.gpkg --mode replace
  gis load zoning quy_hoach.gpkg --source-layer o_pho --mode upsert
  gis load parcels thua_dat.gpkg --crs vn2000-hcm --dry-run
  gis load-dir giao_nop_2026_11/ --mode replace
  gis layers
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gis",
        description="Load and inspect the Tân Bình GIS server's layers.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    load = commands.add_parser(
        "load", help="load a file into a layer", epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    load.add_argument("layer", help="layer id (see 'gis layers')")
    load.add_argument("file", type=Path, help="GeoPackage or any vector file GDAL reads")
    load.add_argument(
        "--mode",
        choices=("replace", "append", "upsert"),
        help="how to change a layer that already has rows (required then)",
    )
    load.add_argument("--crs", help="source CRS when the file has none or a wrong one: vn2000-hcm, EPSG:n, PROJ string")
    load.add_argument("--source-layer", help="layer inside the file (GeoPackage with several)")
    load.add_argument("--max-errors", type=int, default=0, help="load anyway when at most N features are rejected")
    load.add_argument("--force", action="store_true", help="load even if this exact file was the last one loaded")
    load.add_argument("--dry-run", action="store_true", help="read and validate everything, write nothing")
    load.add_argument("--json", action="store_true", help="print the report as JSON")
    load.add_argument("--quiet", action="store_true", help="print nothing on success")
    folder = commands.add_parser("load-dir", help="load every <layer>.gpkg of a folder, wards first")
    folder.add_argument("folder", type=Path)
    folder.add_argument("--mode", choices=("replace", "append", "upsert"), help="as for 'gis load'")
    folder.add_argument("--quiet", action="store_true", help="print nothing on success")
    commands.add_parser("layers", help="list the layers and their row counts")
    return parser


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis_server.settings")
    import django

    django.setup()


def cmd_load(args: argparse.Namespace) -> dict[str, Any]:
    from loaders.pipeline import LoadOptions, run

    options = LoadOptions(
        mode=args.mode,
        crs=args.crs,
        source_layer=args.source_layer,
        max_errors=args.max_errors,
        force=args.force,
        dry_run=args.dry_run,
    )
    return run(args.layer, args.file, options).as_dict()


def cmd_load_dir(args: argparse.Namespace) -> dict[str, Any]:
    from layers.registry import LOAD_ORDER
    from loaders.pipeline import LoadOptions, run

    files = [(layer, args.folder / f"{layer}.gpkg") for layer in LOAD_ORDER]
    present = [(layer, path) for layer, path in files if path.exists()]
    if not present:
        from gis_server.errors import UsageError

        raise UsageError(f"{args.folder}: no <layer>.gpkg files ({', '.join(LOAD_ORDER)})")
    results = [run(layer, path, LoadOptions(mode=args.mode)) for layer, path in present]
    done = all(r.status in ("done", "unchanged") for r in results)
    return {"status": "done" if done else "partial", "message": "\n".join(r.message for r in results)}


def cmd_layers(args: argparse.Namespace) -> dict[str, Any]:
    from gis_server.health import report

    return {"layers": report()["layers"]}


def _print(result: dict[str, Any], args: argparse.Namespace) -> None:
    if getattr(args, "json", False):
        print(json.dumps(result, ensure_ascii=False, default=str, indent=2))
    elif "layers" in result:
        for layer, count in result["layers"].items():
            print(f"{layer:16} {count:>10}")
    elif not getattr(args, "quiet", False) or result.get("status") not in ("done", "unchanged"):
        print(result["message"])


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _setup_django()
    from django.db import DatabaseError

    from gis_server.errors import DatabaseUnavailable, GisError

    handlers = {"load": cmd_load, "load-dir": cmd_load_dir, "layers": cmd_layers}
    try:
        result = handlers[args.command](args)
    except GisError as error:
        print(f"error: {error.user_message}", file=sys.stderr)
        return error.exit_code
    except DatabaseError:
        unavailable = DatabaseUnavailable()
        print(f"error: {unavailable.user_message} Check DATABASE_URL or run 'make run'.", file=sys.stderr)
        return unavailable.exit_code
    except KeyboardInterrupt:
        print("error: interrupted; nothing was written", file=sys.stderr)
        return 130
    _print(result, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
