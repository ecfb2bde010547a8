"""Section ``ogc``: OGC API - Features throughput and p95, ours against TiPg and stock pygeoapi on the same table.

Three servers read the same ``layer_parcels`` of the benchmark database in
the same run:

- ``ours`` — ``/ogc/collections/parcels/items`` from ``scripts/serve.sh``
  (pygeoapi inside Django with our provider);
- ``TiPg`` — ``/collections/public.layer_parcels/items`` (uvicorn, public
  fields only, ``f=geojson``: TiPg's ``f=json`` is a bare list of rows);
- ``pygeoapi`` — stock pygeoapi (``bench.stock_pygeoapi``): its Flask app
  under gunicorn with its own ``PostgreSQL`` provider.

Four request types, each a deterministic list: the first page
``items?limit=100``; ``bbox`` — a 150 m square (in VN-2000, sent as its CRS84
bounding box, ``limit=1000`` so every server returns every parcel in it) around
the ``ST_PointOnSurface`` of ``PLACES`` parcels ordered by md5 of their key;
``item`` — ``items/{id}`` of the same parcels; ``filter`` — the CQL2 text
filter ``FILTER`` (first page of 100). Before anything is timed, each server's
answers are checked against SQL (feature counts, ids, filter values) so no
one is fast by returning nothing; a server that refuses a request type is
shown as '–' for it. Then, per round, each request type is sent ``REQUESTS``
times by ``CLIENTS`` concurrent clients to each server in turn (the order of
servers rotating between rounds); throughput is requests over wall time and
latencies are pooled over the rounds.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench import loadgen, servers, stock_pygeoapi
from bench.common import BenchError, say
from bench.config import Config
from bench.database import Database
from bench.dataset import ensure_loaded
from bench.figures import Figure, SectionResult
from bench.loadgen import Client, Timings
from bench.serving import Contenders, public_fields, settle, warn_if_busy

CLIENTS = 4
REQUESTS = 400
PLACES = 200
HALF_SIDE_M = 75.0
BBOX_LIMIT = 1000
PAGE = 100
FILTER = "land_use='TMD' AND map_sheet<5"
QUERIES = ("items100", "bbox", "item", "filter")
CONTENDERS = ("ours", "TiPg", "pygeoapi")
BASES = {"ours": "/ogc/collections/parcels", "TiPg": f"/collections/{servers.PARCELS}",
         "pygeoapi": f"/collections/{stock_pygeoapi.COLLECTION}"}  # fmt: skip
FORMATS = {"ours": "json", "TiPg": "geojson", "pygeoapi": "json"}
GOAL_RPS_VS_TIPG = 1.5
GOAL_P95_VS_TIPG = 1.0
GOAL_BBOX_VS_PYGEOAPI = 3.0
CHECKED = 3  # places whose answers are checked against SQL, per server
HEADERS = ("query", "contender", "N", "requests", "req/s", "p50 ms", "p95 ms", "req/s×TiPg", "p95×TiPg",
           "req/s×pygeoapi", "KB/answer")  # fmt: skip

Series = dict[tuple[str, str], Timings]  # (query, contender) → pooled timings


@dataclass(frozen=True)
class Place:
    """One sampled parcel: its id and a 150 m square around it as a CRS84 bbox."""

    id: int
    bbox: tuple[float, float, float, float]


def path(contender: str, query: str, place: Place) -> str:
    base, f = BASES[contender], FORMATS[contender]
    if query == "items100":
        return f"{base}/items?" + urlencode({"limit": PAGE, "f": f})
    if query == "bbox":
        corners = ",".join(f"{v:.7f}" for v in place.bbox)
        return f"{base}/items?" + urlencode({"bbox": corners, "limit": BBOX_LIMIT, "f": f})
    if query == "item":
        return f"{base}/items/{place.id}?" + urlencode({"f": f})
    return f"{base}/items?" + urlencode({"filter": FILTER, "filter-lang": "cql2-text", "limit": PAGE, "f": f})


def places(db: Database) -> list[Place]:
    """``PLACES`` parcels by md5 of ward/sheet/parcel (the same district gives the same sample whatever its ids)."""
    with db.connect() as conn:
        rows = conn.execute(
            "SELECT id, ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM (SELECT id, ST_Transform(ST_Expand("
            "ST_PointOnSurface(geom), %s), 4326)::box2d AS b FROM layer_parcels "
            "ORDER BY md5(ward_code || '/' || map_sheet || '/' || parcel_no) LIMIT %s) p",
            [HALF_SIDE_M, PLACES],
        ).fetchall()
    return [Place(int(r[0]), (float(r[1]), float(r[2]), float(r[3]), float(r[4]))) for r in rows]


def requests(contender: str, query: str, sample: list[Place]) -> list[str]:
    """``REQUESTS`` paths cycling over the sample (the first page and the filter are one path each)."""
    return [path(contender, query, sample[i % len(sample)]) for i in range(REQUESTS)]


# --- sanity: nobody is fast by answering nothing ------------------------------------------------


def expected(conn: Any, query: str, place: Place) -> int:
    """Features the request should return, from SQL (the CRS84 bbox reprojected by PostGIS)."""
    if query == "bbox":
        row = conn.execute(
            "SELECT count(*) FROM layer_parcels WHERE ST_Intersects(geom, ST_Transform("
            "ST_MakeEnvelope(%s, %s, %s, %s, 4326), 9210))",
            list(place.bbox),
        ).fetchone()
        return min(int(row[0]), BBOX_LIMIT)
    if query == "filter":
        row = conn.execute("SELECT count(*) FROM layer_parcels WHERE land_use = 'TMD' AND map_sheet < 5").fetchone()
        return min(int(row[0]), PAGE)
    return PAGE if query == "items100" else 1


def features(body: bytes) -> list[dict[str, Any]]:
    answer = json.loads(body)
    return [answer] if answer.get("type") == "Feature" else list(answer.get("features") or [])


def wrong(query: str, place: Place, found: list[dict[str, Any]], want: int) -> str | None:
    """Why an answer is wrong, or None. bbox counts may differ at the edges (pyproj's VN-2000 shift is not ours)."""
    if query == "bbox":
        return None if found and abs(len(found) - want) <= max(2, want // 20) else f"{len(found)} features, SQL {want}"
    if len(found) != want:
        return f"{len(found)} features, expected {want}"
    if query == "item" and int(found[0]["id"]) != place.id:
        return f"feature {found[0]['id']}, expected {place.id}"
    if query == "filter" and any(not _matches(f["properties"]) for f in found):
        return "a feature that does not match the filter"
    return None


def _matches(properties: dict[str, Any]) -> bool:
    return properties.get("land_use") == "TMD" and int(properties.get("map_sheet", 99)) < 5


def check(conn: Any, ports: dict[str, int], sample: list[Place]) -> set[tuple[str, str]]:
    """The (query, contender) pairs that answer correctly; a refused request type is dropped, a wrong answer fails."""
    supported = set()
    for contender, port in ports.items():
        client = Client(port)
        for query in QUERIES:
            try:
                problems = [_problem(client, conn, contender, query, p) for p in sample[:CHECKED]]
            except BenchError as error:
                say(f"ogc: {contender} does not serve {query}: {error}")
                continue
            if any(problems):
                raise BenchError(f"ogc: {contender} answered {query} wrongly: {next(p for p in problems if p)}")
            supported.add((query, contender))
        client.close()
    return supported


def _problem(client: Client, conn: Any, contender: str, query: str, place: Place) -> str | None:
    found = features(client.fetch(path(contender, query, place))[1])
    return wrong(query, place, found, expected(conn, query, place))


# --- measurement --------------------------------------------------------------------------------


@contextlib.contextmanager
def started(db: Database, scratch: Path) -> Iterator[tuple[dict[str, int], Any]]:
    """All three servers and a psycopg connection; ports by contender."""
    with (
        Contenders.start(db, scratch, scratch / "tiles") as run,
        stock_pygeoapi.serve(db, scratch, public_fields()) as stock,
    ):
        yield {"ours": run.ours.port, "TiPg": run.tipg.port, "pygeoapi": stock.port}, run.conn


def warm_up(ports: dict[str, int], supported: set[tuple[str, str]], sample: list[Place]) -> None:
    """Untimed: every worker imports, connects, reflects and caches before anything counts."""
    for query, contender in sorted(supported):
        loadgen.concurrent(ports[contender], requests(contender, query, sample)[: 8 * CLIENTS], CLIENTS)


def pooled(into: Timings, more: Timings) -> None:
    into.samples += more.samples
    into.wall_s += more.wall_s
    into.clients = more.clients


def one_round(number: int, ports: dict[str, int], supported: set[tuple[str, str]], sample: list[Place],
              series: Series) -> None:  # fmt: skip
    """Each request type from each server in turn, the servers' order rotated by ``number``."""
    order = CONTENDERS[number % 3 :] + CONTENDERS[: number % 3]
    for query in QUERIES:
        for contender in (c for c in order if (query, c) in supported):
            warn_if_busy(f"ogc {query} from {contender}")
            batch = loadgen.concurrent(ports[contender], requests(contender, query, sample), CLIENTS)
            pooled(series.setdefault((query, contender), Timings()), batch)


def measure(db: Database, sample: list[Place], repeats: int) -> tuple[Series, set[tuple[str, str]]]:
    series: Series = {}
    with tempfile.TemporaryDirectory(prefix="gis-bench-ogc-") as folder, started(db, Path(folder)) as (ports, conn):
        supported = check(conn, ports, sample)
        warm_up(ports, supported, sample)
        for number in range(repeats):
            say(f"ogc: round {number + 1} of {repeats}, {REQUESTS} requests × {len(supported)} (query, server)")
            one_round(number, ports, supported, sample, series)
    return series, supported


# --- output -------------------------------------------------------------------------------------


def _ratio(value: float | None, anchor: Timings | None, attribute: str) -> str:
    base = getattr(anchor, attribute) if anchor else 0.0
    return f"{value / base:.2f}" if value is not None and base else "–"


def table_rows(n: int, series: Series) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for query in QUERIES:
        tipg, stock = series.get((query, "TiPg")), series.get((query, "pygeoapi"))
        for contender in CONTENDERS:
            t = series.get((query, contender))
            if t is None:
                rows.append((query, contender, f"{n:,}", *("–",) * 8))
                continue
            kb = sum(s.size for s in t.samples) / len(t.samples) / 1000.0
            rows.append((query, contender, f"{n:,}", str(len(t.samples)), f"{t.rate:.0f}", f"{t.p50:.1f}",
                         f"{t.p95:.1f}", _ratio(t.rate, tipg, "rate"), _ratio(t.p95, tipg, "p95"),
                         _ratio(t.rate, stock, "rate"), f"{kb:.1f}"))  # fmt: skip
    return rows


def figures(n: int, series: Series) -> list[Figure]:
    """Goals on items100 and bbox (vs TiPg: throughput ≥ 1.5×, p95 ≤ 1×; bbox vs stock pygeoapi ≥ 3×)."""
    out = []
    for query in QUERIES:
        ours = series.get((query, "ours"))
        if ours is None:
            continue
        tipg, stock, name = series.get((query, "TiPg")), series.get((query, "pygeoapi")), f"ogc.parcels.{n}.{query}"
        goals = query in ("items100", "bbox")
        out += [
            Figure(f"{name}.rps", ours.rate, "requests/s", "TiPg", tipg.rate if tipg else None,
                   GOAL_RPS_VS_TIPG if goals else None),
            Figure(f"{name}.p95", ours.p95, "ms", "TiPg", tipg.p95 if tipg else None,
                   GOAL_P95_VS_TIPG if goals else None, higher_is_better=False),
            Figure(f"{name}.p50", ours.p50, "ms", "TiPg", tipg.p50 if tipg else None, higher_is_better=False),
            Figure(f"{name}.rps.vs_pygeoapi", ours.rate, "requests/s", "stock pygeoapi", stock.rate if stock else None,
                   GOAL_BBOX_VS_PYGEOAPI if query == "bbox" else None),
        ]  # fmt: skip
    return out


def raw_runs(n: int, series: Series) -> Iterator[dict[str, Any]]:
    for (query, contender), timings in series.items():
        ms = [round(1000 * s.seconds, 2) for s in timings.samples]
        name = f"ogc.parcels.{n}.{query}.{contender.lower()}"
        yield {"name": name, "clients": timings.clients, "wall_s": round(timings.wall_s, 3), "ms": ms}


def method() -> dict[str, str]:
    return {
        "requests": f"items100: items?limit={PAGE}; bbox: a {2 * HALF_SIDE_M:.0f} m square (VN-2000) around the "
        f"ST_PointOnSurface of {PLACES} parcels ordered by md5(ward/sheet/parcel), sent as its CRS84 bbox with "
        f"limit={BBOX_LIMIT}; item: items/{{id}} of the same parcels; filter: cql2-text {FILTER!r}, limit={PAGE}",
        "ours": "scripts/serve.sh (gunicorn gthread workers, GIS_WORKERS or 3 × GIS_THREADS or 4), "
        "/ogc/collections/parcels, f=json",
        "tipg": "TiPg under uvicorn (1 process), public.layer_parcels, geometry geom_3857, public fields only, "
        "f=geojson (its f=json is a list of rows)",
        "pygeoapi": "stock pygeoapi: gunicorn pygeoapi.flask_app:APP (gthread workers and threads, as many as "
        "ours), provider "
        "PostgreSQL (SQLAlchemy/GeoAlchemy2/psycopg2) on layer_parcels.geom, storage_crs EPSG:9210 (pyproj "
        "reprojects bbox and output in Python), public fields only, count on (its default), f=json",
        "load": f"{REQUESTS} requests per request type and server per round, {CLIENTS} concurrent clients; "
        "servers in rotating order; latencies and wall time pooled over rounds; before timing, VACUUM (ANALYZE) "
        "layer_parcels and CHECKPOINT, then an untimed warm-up of every request type on every server",
        "sanity": f"before timing, {CHECKED} requests of each type per server checked against SQL: feature counts "
        "(bbox within 5% or 2), item id, filter values; a refused request type is shown as '–'",
    }


def run(config: Config, db: Database) -> SectionResult:
    result = SectionResult("ogc", HEADERS, versions={**servers.versions(), **stock_pygeoapi.version()})
    result.data = {"method": method(), "sizes": []}
    for n in config.sizes:
        ensure_loaded(db, n)
        settle(db, "ogc")
        sample = places(db)
        series, supported = measure(db, sample, config.repeats(n))
        result.rows += table_rows(n, series)
        result.figures += figures(n, series)
        result.runs += list(raw_runs(n, series))
        unsupported = sorted(f"{q}/{c}" for q in QUERIES for c in CONTENDERS if (q, c) not in supported)
        result.data["sizes"].append({"parcels": n, "places": len(sample), "first_ids": [p.id for p in sample[:5]],
                                     "unsupported": unsupported})  # fmt: skip
    return result
