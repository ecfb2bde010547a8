"""Section ``tiles``: uncached vector-tile time per zoom, ours against the raw SQL floor and TiPg; cached throughput.

The tiles are fixed and deterministic: at each zoom z12–z18 the
``TILES_PER_ZOOM`` tiles holding the most parcel centroids (ties by x, y).
``parcels`` is served from its registry min zoom (z16), so lower zooms are measured on the ``ioc``
tileset (every layer in one tile) only. Per round, the tile cache is emptied
and each tile is taken, in turn, by:

- ``SQL`` — ``tile_cache.mvt.tile_sql`` executed with psycopg over loopback:
  the one statement our server runs per tile, without Django, the cache or
  HTTP (the floor);
- ``ours`` — ``GET /tiles/{set}/{z}/{x}/{y}.mvt`` from gunicorn; every answer
  must say ``X-Tile-Cache: miss``;
- ``TiPg`` — ``GET /collections/public.layer_parcels/tiles/WebMercatorQuad/{z}/{x}/{y}``
  (parcels only: TiPg has no all-layers tile).

Then, still in the round, each tile again: its SQL once more and ours from
the cache just filled (``hit``, every answer ``X-Tile-Cache: hit``). A hit
runs no SQL, so it is what a request costs our server besides the statement
(HTTP, the worker, a file read), timed after the same statement as the
miss is; ``+ms`` is ours' p95 minus the SQL's.

One untimed pass of the SQL first warms PostgreSQL's buffers for everyone.
Then the same tiles are requested again from our full cache by concurrent
clients: the cached throughput.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import loadgen, servers
from bench.common import BenchError, say
from bench.config import Config
from bench.database import Database
from bench.dataset import ensure_loaded
from bench.figures import Figure, SectionResult
from bench.loadgen import Client, Sample, Timings
from bench.serving import Contenders, settle, sql_sample, warn_if_busy
from layers import registry

ZOOMS = range(12, 19)
PARCEL_ZOOMS = range(registry.PARCELS.min_zoom, 19)
TILES_PER_ZOOM = 20
# Rounds at every size unless --repeat says otherwise: a p95 of 20 samples (one round) is one slow request.
ROUNDS = 3
CACHED_CLIENTS = 8
CACHED_REQUESTS = 2000
# What browsers, QGIS and GDAL send: the cached pass gets the tiles as the store keeps them (gzipped). The uncached
# passes send nothing, as TiPg is measured and as the SQL floor returns the bare tile.
BROWSER = {"Accept-Encoding": "gzip, deflate, br"}
GOAL_VS_SQL = 1.3
GOAL_VS_TIPG = 1.0
GOAL_MAX_KB = 500.0
TILESETS = ("parcels", "ioc")
HEADERS = ("tileset", "N", "z", "tiles", "SQL p50", "SQL p95", "ours p50", "ours p95", "p95×SQL", "+ms", "hit p95",
           "TiPg p50", "TiPg p95", "p95×TiPg", "max KB", "TiPg KB", "ours req/s")  # fmt: skip


@dataclass(frozen=True)
class Job:
    tileset: str
    z: int
    x: int
    y: int

    @property
    def path(self) -> str:
        return f"/tiles/{self.tileset}/{self.z}/{self.x}/{self.y}.mvt"

    @property
    def tipg_path(self) -> str:
        return f"/collections/{servers.PARCELS}/tiles/WebMercatorQuad/{self.z}/{self.x}/{self.y}"


@dataclass
class Cell:
    """One tileset at one zoom: the three contenders' samples, and ours from the cache (``hit``)."""

    sql: Timings
    ours: Timings
    tipg: Timings
    hit: Timings


def densest(db: Database, z: int) -> list[tuple[int, int]]:
    """The tiles at zoom ``z`` with the most parcel centroids, ties broken by x then y."""
    from tile_cache.grid import ORIGIN_M, tile_size_m

    with db.connect() as conn:
        rows = conn.execute(
            "SELECT x, y FROM (SELECT floor((ST_X(c) + %(o)s) / %(s)s)::int AS x, "
            "floor((%(o)s - ST_Y(c)) / %(s)s)::int AS y FROM (SELECT ST_Centroid(geom_3857) AS c "
            "FROM layer_parcels) p) t GROUP BY x, y ORDER BY count(*) DESC, x, y LIMIT %(k)s",
            {"o": ORIGIN_M, "s": tile_size_m(z), "k": TILES_PER_ZOOM},
        ).fetchall()
    return [(int(x), int(y)) for x, y in rows]


def jobs(db: Database) -> list[Job]:
    found = []
    for z in ZOOMS:
        tiles = densest(db, z)
        found += [Job(name, z, x, y) for name in TILESETS for x, y in tiles if name != "parcels" or z in PARCEL_ZOOMS]
    return found


def render_sql(conn: Any, job: Job) -> Sample:
    from bench.servers import TILE_MAX_BYTES
    from tile_cache.grid import address
    from tile_cache.mvt import tile_sql

    statement, params = tile_sql(address(job.tileset, job.z, job.x, job.y), TILE_MAX_BYTES)
    return sql_sample(conn, statement, params, lambda row: len(row[0]), binary=True)


def empty(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)


def one_round(run: Contenders, todo: list[Job], cells: dict[tuple[str, int], Cell], cache: Path) -> None:
    """Every tile by every contender in turn, from an empty cache; a hit would make the figure a lie."""
    empty(cache)
    warn_if_busy("tiles")
    ours, tipg = Client(run.ours.port), Client(run.tipg.port)
    for job in todo:
        cell = cells[(job.tileset, job.z)]
        cell.sql.samples.append(render_sql(run.conn, job))
        sample = ours.get(job.path)
        if sample.cache != "miss":
            raise BenchError(f"{job.path} came from the cache ({sample.cache}) in an uncached pass")
        cell.ours.samples.append(sample)
        if job.tileset == "parcels":
            cell.tipg.samples.append(tipg.get(job.tipg_path))
    for job in todo:  # the statement again (untimed), then the tile from the cache: a request without the SQL
        render_sql(run.conn, job)
        sample = ours.get(job.path)
        if sample.cache != "hit":
            raise BenchError(f"{job.path} was not in the cache ({sample.cache}) in the cached pass of the round")
        cells[(job.tileset, job.z)].hit.samples.append(sample)
    ours.close()
    tipg.close()


def cached(run: Contenders, todo: list[Job]) -> Timings:
    """The cache is full after an uncached round: ``CACHED_REQUESTS`` requests cycling over the same tiles."""
    paths = [todo[i % len(todo)].path for i in range(CACHED_REQUESTS)]
    warn_if_busy("tiles cached")
    timings = loadgen.concurrent(run.ours.port, paths, CACHED_CLIENTS, BROWSER)
    misses = sum(1 for s in timings.samples if s.cache != "hit")
    if misses:
        say(f"warning: {misses} of {len(paths)} requests of the cached pass were misses")
    return timings


def warm_up(run: Contenders, todo: list[Job]) -> None:
    """Untimed: PostgreSQL's buffers, every gunicorn worker (imports, connection) and TiPg's pool, all warm."""
    for job in todo:
        render_sql(run.conn, job)
    loadgen.concurrent(run.ours.port, [j.path for j in todo], CACHED_CLIENTS)
    loadgen.concurrent(run.tipg.port, [j.tipg_path for j in todo if j.tileset == "parcels"], CACHED_CLIENTS)


def measure(db: Database, todo: list[Job], repeats: int) -> tuple[dict[tuple[str, int], Cell], Timings]:
    cells = {(j.tileset, j.z): Cell(Timings(), Timings(), Timings(), Timings()) for j in todo}
    with tempfile.TemporaryDirectory(prefix="gis-bench-tiles-") as scratch:
        cache = Path(scratch) / "tiles"
        with Contenders.start(db, Path(scratch), cache) as run:
            warm_up(run, todo)
            for number in range(repeats):
                say(f"tiles: round {number + 1} of {repeats}, {len(todo)} tiles")
                one_round(run, todo, cells, cache)
            throughput = cached(run, todo)
    return cells, throughput


def _ratio(value: float, anchor: float) -> str:
    return f"{value / anchor:.2f}" if anchor else "–"


def _ms(timings: Timings, share: float) -> str:
    return f"{timings.ms(share):.1f}" if timings.samples else "–"


def row(n: int, key: tuple[str, int], cell: Cell) -> tuple[str, ...]:
    tipg = bool(cell.tipg.samples)
    return (key[0], f"{n:,}", str(key[1]), str(len(cell.ours.samples)), _ms(cell.sql, 0.5), _ms(cell.sql, 0.95),
            _ms(cell.ours, 0.5), _ms(cell.ours, 0.95), _ratio(cell.ours.p95, cell.sql.p95),
            f"{cell.ours.p95 - cell.sql.p95:+.1f}", _ms(cell.hit, 0.95), _ms(cell.tipg, 0.5),
            _ms(cell.tipg, 0.95), _ratio(cell.ours.p95, cell.tipg.p95) if tipg else "–", f"{cell.ours.max_kb:.0f}",
            f"{cell.tipg.max_kb:.0f}" if tipg else "–", f"{cell.ours.rate:.1f}")  # fmt: skip


def cached_row(n: int, timings: Timings) -> tuple[str, ...]:
    label = f"cached, {timings.clients} clients"
    cells = (f"{n:,}", "12-18", str(len(timings.samples)), "–", "–", _ms(timings, 0.5), _ms(timings, 0.95))
    return (label, *cells, *("–",) * 6, f"{timings.max_kb:.0f}", "–", f"{timings.rate:.0f}")


def figures(n: int, cells: dict[tuple[str, int], Cell], throughput: Timings) -> list[Figure]:
    """Goals at z15–z18 on parcels; every zoom's size on both tilesets; the rest recorded without a goal."""
    out = []
    for (tileset, z), cell in cells.items():
        name = f"tiles.{tileset}.{n}.z{z}"
        goal = GOAL_VS_SQL if tileset == "parcels" else None
        out.append(Figure(f"{name}.p95", cell.ours.p95, "ms", "raw SQL", cell.sql.p95, goal, higher_is_better=False))
        out.append(Figure(f"{name}.p50", cell.ours.p50, "ms", "raw SQL", cell.sql.p50, higher_is_better=False))
        out.append(Figure(f"{name}.max_kb", cell.ours.max_kb, "KB", goal=GOAL_MAX_KB, higher_is_better=False))
        out.append(Figure(f"{name}.hit.p95", cell.hit.p95, "ms", "raw SQL", cell.sql.p95, higher_is_better=False))
        if cell.tipg.samples:
            out += [Figure(f"{name}.{q}.vs_tipg", cell.ours.ms(s), "ms", "TiPg", cell.tipg.ms(s), GOAL_VS_TIPG,
                           higher_is_better=False) for q, s in (("p50", 0.5), ("p95", 0.95))]  # fmt: skip
    out.append(Figure(f"tiles.{n}.cached.rps", throughput.rate, "requests/s"))
    out.append(Figure(f"tiles.{n}.cached.p95", throughput.p95, "ms", higher_is_better=False))
    return out


def raw_runs(n: int, cells: dict[tuple[str, int], Cell]) -> Iterator[dict[str, Any]]:
    for (tileset, z), cell in cells.items():
        for contender, timings in (("sql", cell.sql), ("ours", cell.ours), ("tipg", cell.tipg), ("hit", cell.hit)):
            if timings.samples:
                yield {"name": f"tiles.{tileset}.{n}.z{z}.{contender}",
                       "ms": [round(1000 * s.seconds, 2) for s in timings.samples],
                       "bytes": [s.size for s in timings.samples]}  # fmt: skip


def method() -> dict[str, str]:
    return {
        "tiles": f"per zoom z12–z18 the {TILES_PER_ZOOM} tiles with the most parcel centroids; "
        "parcels from their registry min zoom, ioc at every zoom",
        "sql": "tile_cache.mvt.tile_sql(address(...), the server's byte budget) executed with psycopg over "
        "loopback, one connection with the server's session settings (gis_server.db_session), prepared and with a "
        "binary result as the server runs it",
        "ours": "scripts/serve.sh (gunicorn threaded workers, keep-alive) with GIS_TILE_CACHE_DIR emptied before "
        "each round; "
        "every response checked to be X-Tile-Cache: miss; one client, one request at a time",
        "hit": "after each round's uncached pass, per tile: the SQL again (untimed), then the tile from ours' cache "
        "(every response checked to be X-Tile-Cache: hit): what a request costs besides the statement",
        "tipg": "TiPg under uvicorn (1 process) on public.layer_parcels, geometry column geom_3857, public fields "
        "only, tile buffer 64, no feature cap; one client",
        "cached": f"{CACHED_REQUESTS} requests cycling over the same tiles from the full cache, "
        f"{CACHED_CLIENTS} concurrent clients sending Accept-Encoding: gzip as browsers do (the uncached passes "
        "send none: the tiles come back uncompressed, as from TiPg and the SQL)",
        "settle": "after loading, VACUUM (ANALYZE) layer_parcels and CHECKPOINT, untimed",
        "order": "untimed warm-up (SQL, then every tile from ours and TiPg with concurrent clients); then per "
        f"round ({ROUNDS} unless --repeat) and tile: SQL, ours, TiPg; then per tile: SQL (untimed), ours' hit",
    }


def run(config: Config, db: Database) -> SectionResult:
    result = SectionResult("tiles", HEADERS, versions=servers.versions())
    result.data = {"method": method(), "sizes": []}
    for n in config.sizes:
        ensure_loaded(db, n)
        settle(db, "tiles")
        todo = jobs(db)
        cells, throughput = measure(db, todo, config.repeat or ROUNDS)
        result.rows += [row(n, key, cell) for key, cell in sorted(cells.items())]
        result.rows.append(cached_row(n, throughput))
        result.figures += figures(n, cells, throughput)
        result.runs += list(raw_runs(n, cells))
        result.data["sizes"].append({"parcels": n, "tiles": [[j.tileset, j.z, j.x, j.y] for j in todo]})
    return result
