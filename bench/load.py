"""Section ``load``: parcel load throughput, our loader against ``ogr2ogr`` and a bare floor.

All three contenders read the same WGS84 GeoPackage, do the same pinned
VN-2000 datum shift (EPSG:6960) and write into the same database, in the
same run, interleaved (full, ogr2ogr, floor, full, …) so that drift in the
machine's state hits them alike:

- ``full`` — ``gis load parcels FILE --mode replace --force --quiet``: decode,
  reproject, map, validate, district check, overlap and area checks, COPY into
  a new table, indexes, swap under the advisory lock, history. Its target is
  the real ``layer_parcels`` with its generated Web-Mercator column and six
  indexes, holding the previous run's rows, which the load archives (the
  first run of a size replaces whatever the layer held).
- ``ogr2ogr`` — GDAL's own loader with ``PG_USE_COPY``, into a fresh table,
  keeping GDAL's default GiST index on ``geom`` (the live table has two GiST
  indexes, so dropping it would flatter ogr2ogr).
- ``floor`` — ``bench.floor``: read, transform, COPY; no checks, no index.

Before each run (untimed) the loader's archive is emptied and the other
contenders' tables dropped, and a CHECKPOINT flushes the previous run's dirty
pages, so every run does the same work from the same state: the loader
replaces a full layer and archives its rows, ogr2ogr and the floor create
their tables.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg

from bench import database, inputs
from bench.common import BIN, DATA, PYTHON, BenchError, say
from bench.config import Config
from bench.database import Database
from bench.figures import Figure, SectionResult
from bench.inputs import Inputs
from bench.machine import command_output
from bench.measure import Series, cpu_busy, measure

OGR2OGR = "/usr/bin/ogr2ogr"
OGR_TABLE = "bench_ogr2ogr_parcels"
FLOOR_TABLE = "bench_floor_parcels"
LIVE_TABLE = "layer_parcels"
GOAL_VS_OGR2OGR = 2.0
GOAL_VS_FLOOR = 0.7
GOAL_PEAK_MB = 2048.0
PEAK_GOAL_FROM = 1_000_000  # the memory goal is stated for a million parcels
AGREEMENT_M = 0.01
BUSY_WARNING = 0.25  # share of all CPUs used by others before a run
HEADERS = ("contender", "N", "runs", "median s", "best s", "features/s", "× ogr2ogr", "× floor", "peak MB")


@dataclass(frozen=True)
class Contender:
    name: str
    table: str
    argv: Callable[[Inputs, Database], list[str]]
    reset: str


def _full(data: Inputs, db: Database) -> list[str]:
    """What data staff run; --force because the same file is loaded again on every repeat."""
    return [str(BIN / "gis"), "load", "parcels", str(data.parcels), "--mode", "replace", "--force", "--quiet"]


def _ogr2ogr(data: Inputs, db: Database) -> list[str]:
    """GDAL's defaults except what the comparison needs: COPY, the pinned target CRS, our geometry name."""
    from layers.crs import VN2000_PROJ4

    return [
        OGR2OGR, "-f", "PostgreSQL", f"PG:{db.conninfo}", str(data.parcels), "parcels",
        "--config", "PG_USE_COPY", "YES", "-nln", OGR_TABLE, "-t_srs", VN2000_PROJ4,
        "-nlt", "PROMOTE_TO_MULTI", "-lco", "GEOMETRY_NAME=geom", "-lco", "SPATIAL_INDEX=GIST", "-overwrite",
    ]  # fmt: skip


def _floor(data: Inputs, db: Database) -> list[str]:
    return [PYTHON, "-m", "bench.floor", str(data.parcels), "--table", FLOOR_TABLE, "--dsn", db.conninfo]


# Every partition of the archive (one per load, see loaders.archive), dropped, not emptied: none pile up.
EMPTY_ARCHIVE = """
DO $$ DECLARE part regclass; BEGIN
    FOR part IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'layer_parcels_archive'::regclass LOOP
        EXECUTE format('DROP TABLE %s', part);
    END LOOP;
END $$
"""

CONTENDERS = (
    Contender("full", LIVE_TABLE, _full, EMPTY_ARCHIVE),
    Contender("ogr2ogr", OGR_TABLE, _ogr2ogr, f"DROP TABLE IF EXISTS {OGR_TABLE}"),
    Contender("floor", FLOOR_TABLE, _floor, f"DROP TABLE IF EXISTS {FLOOR_TABLE}"),
)


def loader_env(db: Database) -> dict[str, str]:
    """The bench database, and scratch space apart from the served sample's (the loader purges tile caches)."""
    return db.env(GIS_DATA_DIR=str(DATA / "data"), GIS_TILE_CACHE_DIR=str(DATA / "data" / "tiles"))


def load_wards(db: Database, data: Inputs) -> None:
    """The loader rejects parcels outside the loaded wards' union: load the sample's wards first (a no-op when
    the same files were loaded before)."""
    for layer, path in (("wards_2025", data.wards_2025), ("wards", data.wards)):
        argv = [str(BIN / "gis"), "load", layer, str(path), "--mode", "replace", "--quiet"]
        database.run_quietly(argv, loader_env(db), f"loading {layer} into {db.name}")


def _settle(db: Database, contender: Contender) -> None:
    """Empty the contender's target and flush dirty pages, untimed; CHECKPOINT needs a superuser, so it is
    skipped where the role may not."""
    database.execute(db, contender.reset)
    with contextlib.suppress(psycopg.errors.InsufficientPrivilege):
        database.execute(db, "CHECKPOINT")


def run_once(db: Database, data: Inputs, contender: Contender, series: Series) -> None:
    """One timed run, then the row count check: a figure from a load that lost rows is worthless."""
    _settle(db, contender)
    busy = cpu_busy()
    if busy > BUSY_WARNING:
        say(f"warning: other processes keep {busy:.0%} of the CPUs busy before this run: figures will be noisy")
    run = measure(contender.argv(data, db), loader_env(db), busy)
    rows = database.count(db, contender.table)
    if rows != data.n:
        raise BenchError(f"{contender.name} left {rows} rows in {contender.table}, expected {data.n}")
    series.runs.append(run)
    say(f"load {data.n:>9} {contender.name:<8} run {len(series.runs)}: {run.seconds:7.2f} s, "
        f"{data.n / run.seconds:9.0f} features/s, peak {run.peak_mb:6.0f} MB")  # fmt: skip


def _extent(db: Database, table: str) -> tuple[float, ...]:
    """Exact extent from the coordinates (``ST_Extent`` would use the float4 boxes, ~0.1 m coarse here)."""
    statement = psycopg.sql.SQL(
        "SELECT min(ST_XMin(geom::box3d)), min(ST_YMin(geom::box3d)), max(ST_XMax(geom::box3d)), "
        "max(ST_YMax(geom::box3d)) FROM {}"
    ).format(psycopg.sql.Identifier(table))
    with db.connect() as conn:
        row = conn.execute(statement).fetchone()
    return tuple(float(v) for v in row) if row else ()


def agreement(db: Database, n: int) -> dict[str, float]:
    """How far (m) each table's extent is from the loader's: proof that every contender did the pinned shift
    (PROJ's own choice lands 0.8 m off, no shift at all ~225 m)."""
    ours = _extent(db, LIVE_TABLE)
    gaps = {}
    for other in (OGR_TABLE, FLOOR_TABLE):
        theirs = _extent(db, other)
        gaps[other] = round(max(abs(a - b) for a, b in zip(ours, theirs, strict=True)), 4)
        if gaps[other] > AGREEMENT_M:
            say(f"warning: {other} is {gaps[other]} m off the loader's extent at {n}: not the same reprojection")
    return gaps


def measure_size(db: Database, data: Inputs, repeats: int) -> dict[str, Series]:
    """``repeats`` rounds of every contender in turn, on one input file."""
    series = {c.name: Series(c.name, data.n) for c in CONTENDERS}
    for _ in range(repeats):
        for contender in CONTENDERS:
            run_once(db, data, contender, series[contender.name])
    return series


def table_rows(by_name: dict[str, Series]) -> list[tuple[str, ...]]:
    """Every contender against both anchors, so the ratios can be read without the results file."""
    ogr, floor = by_name["ogr2ogr"].rate, by_name["floor"].rate
    return [
        (s.contender, f"{s.n:,}", str(len(s.runs)), f"{s.median_s:.2f}", f"{s.best_s:.2f}", f"{s.rate:,.0f}",
         f"{s.rate / ogr:.2f}", f"{s.rate / floor:.2f}", f"{s.peak_mb:,.0f}")
        for s in by_name.values()
    ]  # fmt: skip


def figures(by_name: dict[str, Series]) -> list[Figure]:
    """The goals: the full loader at least twice ogr2ogr and 0.7 of the floor, under 2 GB at a million."""
    full, ogr, floor = by_name["full"], by_name["ogr2ogr"], by_name["floor"]
    name, unit = f"load.parcels.{full.n}", "features/s"
    return [
        Figure(f"{name}.full", full.rate, unit, "ogr2ogr", ogr.rate, GOAL_VS_OGR2OGR),
        Figure(f"{name}.full.vs_floor", full.rate, unit, "floor", floor.rate, GOAL_VS_FLOOR),
        Figure(f"{name}.ogr2ogr", ogr.rate, unit),
        Figure(f"{name}.floor", floor.rate, unit),
        Figure(f"{name}.full.peak_mb", full.peak_mb, "MB", goal=GOAL_PEAK_MB if full.n >= PEAK_GOAL_FROM else None,
               higher_is_better=False),
    ]  # fmt: skip


def raw_runs(by_name: dict[str, Series]) -> list[dict[str, Any]]:
    """Every run, not just the median: spread and machine load tell whether a difference is real."""
    return [
        {"name": f"load.parcels.{s.n}.{s.contender}", "seconds": [round(r.seconds, 3) for r in s.runs],
         "peak_mb": [round(r.peak_mb, 1) for r in s.runs],
         "cpu_busy_before": [round(r.busy_before, 2) for r in s.runs]}
        for s in by_name.values()
    ]  # fmt: skip


def versions() -> dict[str, str]:
    """ogr2ogr uses the system GDAL and PROJ, not the ones bundled with pyogrio and pyproj."""
    return {
        "gdal_ogr2ogr": command_output([OGR2OGR, "--version"]) or "missing",
        "proj_system": command_output(["proj"]) or "unknown (proj-bin not installed)",
    }


def method() -> dict[str, str]:
    """How the figures were taken, next to them in the results file."""
    return {
        "input": "sample district (fixtures.district.generate, seed 1536), parcels in EPSG:4326 via the pinned "
        "transformer; every contender reprojects to VN-2000 with EPSG:6960",
        "full": "gis load parcels FILE --mode replace --force --quiet into layer_parcels holding the previous run's "
        "rows (archived by the load; the archive emptied before each run)",
        "ogr2ogr": "ogr2ogr -f PostgreSQL --config PG_USE_COPY YES -t_srs <pinned PROJ> -nlt PROMOTE_TO_MULTI "
        "-lco GEOMETRY_NAME=geom -lco SPATIAL_INDEX=GIST -overwrite (GDAL's default GiST index kept)",
        "floor": "python -m bench.floor: pyogrio raw read, pinned pyproj transform, COPY hex EWKB into a logged "
        "table without indexes",
        "timing": "wall time of the subprocess including start-up; median of the runs; peak RSS via "
        "/usr/bin/time -f %M (the database server's memory is not counted)",
    }


def run(config: Config, db: Database) -> SectionResult:
    """Generate what is missing, load the wards, then measure every size."""
    all_inputs = [inputs.ensure(n) for n in config.sizes]
    load_wards(db, all_inputs[0])
    result = SectionResult("load", HEADERS, versions=versions())
    result.data = {"method": method(), "sizes": [], "extent_gap_m": {}}
    for data in all_inputs:
        say(f"load: {data.n} parcels, {config.repeats(data.n)} round(s) of {', '.join(c.name for c in CONTENDERS)}")
        by_name = measure_size(db, data, config.repeats(data.n))
        result.rows += table_rows(by_name)
        result.figures += figures(by_name)
        result.runs += raw_runs(by_name)
        result.data["sizes"].append(data.describe())
        result.data["extent_gap_m"][str(data.n)] = agreement(db, data.n)
    return result
