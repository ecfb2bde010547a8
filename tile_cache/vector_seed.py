"""`gis tiles seed --vector`: the district's vector tiles rendered into the tile cache before anyone asks.

A load's purge leaves what it changed uncached, and an uncached tile is a
database query: at a million parcels a z16 parcel tile is 170 ms of SQL
(``make bench``), and the operations centre's wall asks for dozens at once.
Seeding renders them beforehand through the very path a request takes
(``service.get_tile`` then ``keep``: the same byte budget, the same guard
against a load that commits mid-render), over the district's extent within
each tileset's zoom range, and skips tiles already cached, so a second run
costs one file read per tile.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection
from tqdm import tqdm

from gis_server import threads
from gis_server.errors import UsageError
from tile_cache import service, store
from tile_cache.grid import address, tiles_over, tilesets
from tile_cache.seed import MAX_TILES, check_concurrency, check_zooms, district_box_3857, tileset_lines

Job = tuple[str, int, int, int]


@dataclass
class VectorSeedReport:
    """Tiles per tileset (and its zooms), and what became of them: rendered, empty (kept as such) or cached."""

    zooms: dict[str, tuple[int, int]] = field(default_factory=dict)
    tiles: dict[str, int] = field(default_factory=dict)
    outcomes: dict[str, int] = field(default_factory=lambda: {"rendered": 0, "empty": 0, "cached": 0})

    @property
    def total(self) -> int:
        return sum(self.tiles.values())


def plan(names: Sequence[str] | None, zooms: tuple[int, int]) -> tuple[VectorSeedReport, list[Job]]:
    """The tiles a seed covers, tileset by tileset and zoom by zoom; refuses a run over the tile budget."""
    check_zooms(zooms)
    sets = tilesets()
    unknown = sorted(set(names or ()) - set(sets))
    if unknown:
        raise UsageError(f"unknown vector tileset(s) {', '.join(unknown)}; known: {', '.join(sets)}")
    box = district_box_3857()
    report = VectorSeedReport()
    for name in names or sets:
        low, high = max(zooms[0], sets[name].min_zoom), min(zooms[1], sets[name].max_zoom)
        count = sum(len(tiles_over(box, z)) for z in range(low, high + 1))
        if count:
            report.zooms[name], report.tiles[name] = (low, high), count
    if report.total > MAX_TILES:
        raise UsageError(f"{report.total} tiles exceed the seeding budget of {MAX_TILES}; narrow the zooms")
    jobs = [(name, z, x, y) for name, (low, high) in report.zooms.items()
            for z in range(low, high + 1) for x, y in tiles_over(box, z)]  # fmt: skip
    return report, jobs


def _one(job: Job, refresh: bool) -> str:
    if refresh:
        store.backend().delete(address(*job))
    found = service.get_tile(*job)
    if found.cached:
        return "cached"
    service.keep(found)
    return "empty" if found.empty else "rendered"


@contextmanager
def _own_connection() -> Iterator[None]:
    """A seeding thread's Django connection (Django's are per thread), closed when the thread stops."""
    try:
        yield
    finally:
        connection.close()


def seed(
    names: Sequence[str] | None,
    zooms: tuple[int, int],
    concurrency: int = 2,
    progress: bool | None = None,
    refresh: bool = False,
) -> VectorSeedReport:
    """Render and cache every missing vector tile of the district for ``names`` (default: every tileset); with
    ``refresh``, every tile again."""
    check_concurrency(concurrency, "a database connection")
    report, jobs = plan(names, zooms)
    show = sys.stderr.isatty() if progress is None else progress
    lock = threading.Lock()
    with tqdm(total=len(jobs), desc="vector tiles", unit="tile", disable=not show) as bar:

        def handle(job: Job, _: None) -> None:
            outcome = _one(job, refresh)
            with lock:
                report.outcomes[outcome] += 1
                bar.update(1)

        threads.each(jobs, min(concurrency, len(jobs)), handle, _own_connection, "gis-seed")
    return report


def message(report: VectorSeedReport) -> str:
    lines = tileset_lines(report.zooms, report.tiles)
    done = ", ".join(f"{count} {outcome}" for outcome, count in report.outcomes.items())
    return "\n".join([*lines, f"seeded {report.total} vector tiles ({done})"])
