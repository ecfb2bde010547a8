"""The `gis` command for data staff. Argument parsing only; the work is in `loaders.commands` and the stages."""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

EXAMPLES = """examples (one per format):
  gis load parcels thua_dat.gpkg --mode replace                 GeoPackage (--source-layer picks a layer)
  gis load parcels thua_dat.shp --mode upsert                   Shapefile; TCVN3/VNI/VISCII text is detected
  gis load parcels thua_dat.zip --crs vn2000-hcm --mode append  zipped Shapefile whose .prj lacks the datum shift
  gis load parcels ban_do.gdb --source-layer ThuaDat --mode replace      File Geodatabase (also zipped)
  gis load zoning quy_hoach.dxf --mode replace --crs vn2000-hcm          DXF drawing: lines polygonized, text joined
  gis load parcels to_12.dgn --mapping to_12.yaml --crs vn2000-hcm       DGN v7 drawing with a mapping file
  gis load alleys hem.geojson --mode replace                    GeoJSON centrelines: right-of-way from lộ giới
  gis load road_boundaries duong.csv --crs vn2000-hcm --mode replace     CSV with a WKT column (or X/Y columns)
  gis load imagery anh_2025.tif --crs vn2000-hcm                GeoTIFF orthophoto → Cloud-Optimized GeoTIFF
  gis load parcels thua_dat.shp --dry-run --json                validate only, machine-readable report
  gis load-dir giao_nop_2026_11/ --mode replace                 a delivery: all files checked, then loaded (or none)
  gis load-dir giao_nop_2026_11/ --dry-run --json               ... every file validated, nothing written
  gis loads list --layer parcels ; gis loads show 12 ; gis loads rollback 12
  gis loads prune --keep 5                                      keep the replaced rows of the 5 latest loads per layer
  gis loads prune --keep 5 --older-than 90                      ... and of every load from the last 90 days
  gis tiles seed parcels ioc --zooms 10-18                      fill the raster tile cache for the district
  gis tiles seed --vector --zooms 12-18                         ... and the vector tile cache (after a big load)
  gis tiles purge parcels --ward 26965                          drop cached tiles after editing rows by hand
  gis tiles status                                              how many tiles each cache holds

exit codes: 0 done, 1 data rejected (nothing written), 2 usage or environment (e.g. missing CRS,
or a tile cache that could not be purged after the data went in)
"""

MODES = ("replace", "append", "upsert")


def _formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=32)


def _load_arguments(load: argparse.ArgumentParser) -> None:
    load.add_argument("layer", help="layer id (see 'gis layers')")
    load.add_argument("file", type=Path, help="the source file (.gpkg .shp .zip .gdb .geojson .csv .dxf .dgn .tif)")
    load.add_argument("--mode", choices=MODES, help="how to change a layer that already has rows (required then)")
    load.add_argument("--crs", help="source CRS when the file has none or an incomplete one: vn2000-hcm, EPSG:n, PROJ")
    load.add_argument("--encoding", help="force the text encoding: utf-8, cp1258, tcvn3, vni, viscii")
    load.add_argument("--mapping", type=Path, help="YAML mapping file: field names, constants, value maps")
    load.add_argument("--source-layer", help="layer inside the file (GeoPackage or File Geodatabase with several)")
    load.add_argument("--max-errors", type=int, default=0, help="load the rest when at most N features are rejected")
    load.add_argument("--strict", action="store_true", help="treat warnings (overlaps, area gaps) as errors")
    load.add_argument("--force", action="store_true", help="load even if this exact file was the last one loaded")
    load.add_argument("--dry-run", action="store_true", help="read and validate everything, write nothing")
    _output_arguments(load)


def _output_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--quiet", action="store_true", help="print nothing on success")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gis",
        description="Load and inspect the Tân Bình GIS server's layers.",
        epilog=EXAMPLES,
        formatter_class=_formatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    load = commands.add_parser("load", help="load a file into a layer", epilog=EXAMPLES, formatter_class=_formatter)
    _load_arguments(load)
    folder = commands.add_parser(
        "load-dir", help="load every <layer>.<ext> file of a folder (wards first), none unless all pass the checks"
    )
    folder.add_argument("folder", type=Path, help="a folder of files named after layers (parcels.gpkg, zoning.dxf …)")
    folder.add_argument("--mode", choices=MODES, help="as for 'gis load'")
    folder.add_argument("--crs", help="as for 'gis load'")
    folder.add_argument("--max-errors", type=int, default=0, help="as for 'gis load', per file")
    folder.add_argument("--strict", action="store_true", help="as for 'gis load'")
    folder.add_argument("--force", action="store_true", help="as for 'gis load'")
    folder.add_argument(
        "--dry-run", action="store_true", help="validate every file (against the wards loaded now), write nothing"
    )
    _output_arguments(folder)
    _loads_parser(commands)
    _tiles_parser(commands)
    layers = commands.add_parser("layers", help="list the layers and their row counts")
    layers.add_argument("--json", action="store_true", help="print as JSON")
    return parser


def _loads_parser(commands: Any) -> None:
    """``gis loads list|show|rollback|prune``."""
    loads = commands.add_parser("loads", help="load history: list, show, rollback, prune")
    actions = loads.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="recent loads, newest first")
    listing.add_argument("--layer", help="one layer's loads (default: every layer's)")
    listing.add_argument("--limit", type=int, default=20, help="how many (default 20)")
    listing.add_argument("--json", action="store_true", help="print as JSON")
    for name, text in (("show", "one load in full"), ("rollback", "restore the layer to its state before a load")):
        action = actions.add_parser(name, help=text)
        action.add_argument("id", type=int, help="the load's id (see 'gis loads list')")
        _output_arguments(action)
    pruning = actions.add_parser(
        "prune", help="drop old loads' archived rows (the newest stays) and tables left by killed loads"
    )
    pruning.add_argument("--keep", type=int, help="per layer, the N latest archiving loads stay undoable")
    pruning.add_argument("--older-than", type=float, metavar="DAYS", help="only archives of loads older than this")
    pruning.add_argument("--dry-run", action="store_true", help="say what would be dropped, drop nothing")
    pruning.add_argument("--layer", help="one layer (default: every layer)")
    _output_arguments(pruning)


def _tiles_parser(commands: Any) -> None:
    """``gis tiles seed``, ``purge`` and ``status``."""
    tiles = commands.add_parser("tiles", help="tile caches: seed the district, purge by hand, status")
    tile_actions = tiles.add_subparsers(dest="action", required=True)
    seeding = tile_actions.add_parser("seed", help="render the district's raster (or --vector) tiles into the cache")
    seeding.add_argument("tilesets", nargs="*", help="default: every layer and ioc")
    seeding.add_argument("--zooms", default="10-18", help="FROM-TO (default 10-18)")
    seeding.add_argument("--concurrency", type=int, default=2, help="tiles rendered at once (default 2; 1-16)")
    seeding.add_argument("--vector", action="store_true", help="the vector tiles (/tiles/…mvt) instead of the raster")
    seeding.add_argument("--refresh", action="store_true", help="render cached tiles again too (after a style change)")
    _output_arguments(seeding)
    purging = tile_actions.add_parser(
        "purge", help="delete cached vector and raster tiles (after editing the database by hand or a style)"
    )
    purging.add_argument("layers", nargs="*", help="layer ids (default: every layer); ioc goes with each")
    purging.add_argument("--bbox", metavar="W,S,E,N", help="only over this box, in degrees (WGS 84)")
    purging.add_argument("--ward", metavar="CODE", help="only over this ward (old or 2025 GSO code)")
    _output_arguments(purging)
    _output_arguments(tile_actions.add_parser("status", help="how many tiles each cache holds, vector and raster"))


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis_server.settings")
    import django

    django.setup()


def _print(result: dict[str, Any], args: argparse.Namespace) -> None:
    if getattr(args, "json", False):
        print(json.dumps(result, ensure_ascii=False, default=str, indent=2))
    elif not getattr(args, "quiet", False) or result.get("status") not in ("done", "unchanged"):
        print(result["message"])


def _log_failure(args: argparse.Namespace) -> Path:
    from django.conf import settings

    log = Path(settings.GIS_DATA_DIR) / "log" / "gis-cli.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as handle:
        handle.write(f"--- gis {' '.join(sys.argv[1:]) or args.command}\n{traceback.format_exc()}\n")
    return log


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _setup_django()
    from django.db import DatabaseError, OperationalError

    from gis_server.errors import DatabaseUnavailable, GisError
    from loaders import commands

    try:
        result = commands.dispatch(args)
    except GisError as error:
        if getattr(args, "json", False):
            body = {"status": "error", "exit_code": error.exit_code, **error.as_dict(), **error.details}
            print(json.dumps(body, ensure_ascii=False, default=str))
        print(f"error: {error.user_message}", file=sys.stderr)
        return error.exit_code
    except OperationalError:
        print(f"error: {DatabaseUnavailable().user_message} Check DATABASE_URL or run 'make run'.", file=sys.stderr)
        return 2
    except DatabaseError as exc:  # the database's own words go to the log, not to the terminal
        where = _log_failure(args)
        print(f"error: the database refused the change ({type(exc).__name__}); nothing was written; details in {where}",
              file=sys.stderr)  # fmt: skip
        return 2
    except KeyboardInterrupt:
        print("error: interrupted; nothing was written", file=sys.stderr)
        return 130
    except Exception as exc:  # the last line of defence: one line here, the traceback in a log file
        where = _log_failure(args)
        print(f"error: unexpected failure ({type(exc).__name__}); nothing was written; details in {where}",
              file=sys.stderr)  # fmt: skip
        return 2
    _print(result, args)
    return _exit_code(result)


def _exit_code(result: dict[str, Any]) -> int:
    """1 when a delivery stopped part-way; 2 when the data went in but a tile cache could not be purged (the
    message says the command that finishes it): a nightly job must not take that for success."""
    if result.get("status") == "partial":
        return 1
    parts = [result, *result.get("loads", [])]
    return 2 if any("tile_purge" in (part.get("notes") or {}) for part in parts) else 0


if __name__ == "__main__":
    sys.exit(main())
