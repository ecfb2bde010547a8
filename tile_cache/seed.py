"""Fill MapProxy's raster cache for the district (`gis tiles seed`), through MapProxy's own seeding API.

Only missing tiles are rendered; ``--refresh`` renders every tile again, for
a changed style (MapProxy's ``refresh_before``). ``--vector`` seeds the
vector tiles instead (``tile_cache.vector_seed``).

Bounded on purpose: only the district's extent (the ward layers, else every
layer), only z10–z18 by default, each tileset only within its layers' zoom
range, and a tile budget that refuses a run far larger than the district.
Progress is a tqdm bar when stderr is a terminal; MapProxy's own chatter goes
to the log.
"""

from __future__ import annotations

import contextlib
import io
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from mapproxy.seed.util import ProgressLog
from psycopg import sql
from tqdm import tqdm

from gis_server.errors import UsageError
from layers import registry
from tile_cache.grid import tiles_over
from tile_cache.mapproxy_config import GRID, IOC, MAX_ZOOM, active_rasters, tileset_members

log = logging.getLogger(__name__)
Box = tuple[float, float, float, float]
DEFAULT_ZOOMS = (10, 18)
MAX_CONCURRENCY = 16
MAX_TILES = 250_000  # z10–z18 over the district is ~3,000 tiles per tileset; far more means a wrong extent


@dataclass
class SeedReport:
    """What a seed run covered: tile counts per tileset (planned, before MapProxy skips cached tiles)."""

    box_3857: Box
    zooms: dict[str, tuple[int, int]] = field(default_factory=dict)
    tiles: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.tiles.values())


class _TqdmProgress(ProgressLog):
    """MapProxy's progress callbacks drawn as one tqdm bar per tileset (percent of the task)."""

    def __init__(self, bar: Any) -> None:
        super().__init__(out=io.StringIO(), silent=True, verbose=False)
        self.bar = bar

    def log_step(self, progress: Any) -> None:
        self.bar.n = round(progress.progress * 100, 1)
        self.bar.refresh()

    def log_progress(self, progress: Any, level: Any, bbox: Any, tiles: Any) -> None:
        self.log_step(progress)


def district_box_3857() -> Box:
    """The district's Web-Mercator extent: the ward outlines, or every layer when no ward is loaded."""
    layers = [registry.get("wards_2025"), registry.get("wards")]
    for candidates in (layers, registry.LAYERS):
        parts = sql.SQL(" UNION ALL ").join(
            sql.SQL("SELECT geom_3857 FROM {}").format(sql.Identifier(layer.table)) for layer in candidates
        )
        statement = sql.SQL(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)"
            " FROM (SELECT ST_Extent(geom_3857)::box2d e FROM ({}) s) t"
        ).format(parts)
        with connection.cursor() as cursor:
            cursor.execute(statement)
            row = cursor.fetchone()
        if row and row[0] is not None:
            return (float(row[0]), float(row[1]), float(row[2]), float(row[3]))
    raise UsageError("Chưa có dữ liệu để tạo sẵn ô bản đồ / nothing loaded yet: load the wards first")


def check_concurrency(concurrency: int, holds: str) -> None:
    """Seeding workers are bounded: each holds ``holds`` for the whole seed."""
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise UsageError(f"--concurrency must be from 1 to {MAX_CONCURRENCY} (each worker holds {holds})")


def check_zooms(zooms: tuple[int, int]) -> None:
    if not 0 <= zooms[0] <= zooms[1] <= MAX_ZOOM:
        raise UsageError(f"zoom range {zooms[0]}–{zooms[1]} must lie within 0–{MAX_ZOOM}")


def _zoom_limits(layer_id: str) -> tuple[int, int]:
    if layer_id in registry.ids():
        layer = registry.get(layer_id)
        return layer.min_zoom, layer.max_zoom
    raster = next(r for r in registry.RASTERS if r.id == layer_id)
    return raster.min_zoom, raster.max_zoom


def _zoom_range(members: tuple[str, ...], zooms: tuple[int, int]) -> tuple[int, int]:
    """The requested zooms cut to where the tileset's layers are drawn (parcels start at z15)."""
    limits = [_zoom_limits(member) for member in members]
    return max(zooms[0], min(lo for lo, _ in limits)), min(zooms[1], max(hi for _, hi in limits))


def plan(names: Sequence[str] | None = None, zooms: tuple[int, int] = DEFAULT_ZOOMS) -> SeedReport:
    """Which tilesets and zooms a seed covers, and how many tiles; refuses a run over the budget."""
    check_zooms(zooms)
    members = tileset_members(active_rasters())
    unknown = sorted(set(names or ()) - set(members))
    if unknown:
        raise UsageError(f"unknown raster tileset(s) {', '.join(unknown)}; known: {', '.join(members)}")
    report = SeedReport(district_box_3857())
    for name in names or members:
        low, high = _zoom_range(members[name], zooms)
        if low > high:
            continue
        report.zooms[name] = (low, high)
        report.tiles[name] = sum(len(tiles_over(report.box_3857, z)) for z in range(low, high + 1))
    if report.total > MAX_TILES:
        raise UsageError(f"{report.total} tiles exceed the seeding budget of {MAX_TILES}; narrow the zooms")
    return report


# MapProxy's ``refresh_before``: cached tiles older than this are rendered again. A date before any tile was
# cached sends only the missing tiles to the workers (without it MapProxy walks every tile through them); "now"
# renders every tile again (``--refresh``).
ONLY_MISSING = {"time": "1971-01-01T00:00:00"}
EVERY_TILE = {"seconds": 0}


def _seed_conf(report: SeedReport, refresh: bool = False) -> dict[str, Any]:
    seeds = {
        name: {
            "caches": [f"{name}_cache"],
            "grids": [GRID],
            "coverages": ["district"],
            "levels": {"from": lo, "to": hi},
            "refresh_before": EVERY_TILE if refresh else ONLY_MISSING,
        }
        for name, (lo, hi) in report.zooms.items()
    }
    return {"coverages": {"district": {"bbox": list(report.box_3857), "srs": "EPSG:3857"}}, "seeds": seeds}


def seed(
    names: Sequence[str] | None = None,
    zooms: tuple[int, int] = DEFAULT_ZOOMS,
    concurrency: int = 2,
    progress: bool | None = None,
    refresh: bool = False,
) -> SeedReport:
    """Render and cache every missing tile of the district for ``names`` (default: every tileset incl. ``ioc``);
    with ``refresh``, every tile, cached or not (after a style change)."""
    from mapproxy.seed.config import SeedingConfiguration
    from mapproxy.seed.seeder import seed as mapproxy_seed

    from tile_cache import mapproxy_app

    report = plan(names, zooms)
    seeding = SeedingConfiguration(_seed_conf(report, refresh), mapproxy_conf=mapproxy_app.configuration(seed=True))
    show = sys.stderr.isatty() if progress is None else progress
    for task in seeding.seeds(list(report.zooms)):
        name = task.md["name"]
        with tqdm(total=100, desc=f"{name} z{report.zooms[name][0]}–{report.zooms[name][1]}", disable=not show) as bar:
            chatter = io.StringIO()
            with contextlib.redirect_stdout(chatter):
                mapproxy_seed([task], concurrency=concurrency, progress_logger=_TqdmProgress(bar))
            bar.n = 100
        log.debug("seeded %s: %s", name, chatter.getvalue().strip().replace("\n", " | "))
    return report


def run_command(args: Any) -> dict[str, Any]:
    """`gis tiles seed [TILESET …] [--zooms 10-18] [--concurrency 2] [--vector] [--refresh]`: the CLI's result."""
    low, _, high = str(getattr(args, "zooms", None) or f"{DEFAULT_ZOOMS[0]}-{DEFAULT_ZOOMS[1]}").partition("-")
    if not (low.isdigit() and high.isdigit()):
        raise UsageError(f"--zooms takes FROM-TO, e.g. 10-18, not {args.zooms!r}")
    names, zooms = getattr(args, "tilesets", None) or None, (int(low), int(high))
    concurrency = int(getattr(args, "concurrency", 2))
    refresh = bool(getattr(args, "refresh", False))
    if getattr(args, "vector", False):
        from tile_cache import vector_seed

        found = vector_seed.seed(names, zooms, concurrency, refresh=refresh)
        return {"status": "done", "tiles": found.tiles, "outcomes": found.outcomes,
                "message": vector_seed.message(found)}  # fmt: skip
    check_concurrency(concurrency, "a MapProxy process with its own Mapnik maps")
    report = seed(names, zooms, concurrency, refresh=refresh)
    lines = tileset_lines(report.zooms, report.tiles)
    return {"status": "done", "tiles": report.tiles, "message": "\n".join([*lines, f"seeded {report.total} tiles"])}


def tileset_lines(zooms: dict[str, tuple[int, int]], tiles: dict[str, int]) -> list[str]:
    """One line per tileset seeded: its name, zooms and tile count (raster and vector seeds alike)."""
    return [f"{name:16} z{lo}–{hi} {tiles[name]:>8} tiles" for name, (lo, hi) in zooms.items()]


__all__ = [
    "DEFAULT_ZOOMS", "IOC", "MAX_CONCURRENCY", "SeedReport", "check_concurrency", "check_zooms", "district_box_3857",
    "plan", "run_command", "seed", "tileset_lines",
]  # fmt: skip
