"""Section ``lookup``: the planning lookup API, ours against the raw SQL of the same queries and TiPg's items/{id}.

A deterministic sample of ``SAMPLE`` parcels (ordered by the md5 of their
ward/sheet/parcel key, so the same district gives the same sample whatever
ids a load assigned) is looked up three ways:

- ``key`` — ``/api/parcels?ward=&sheet=&parcel=``; SQL: ``layers.lookup.by_key``;
- ``point`` — ``/api/parcels/at?lon=&lat=`` at the parcel's ``ST_PointOnSurface``
  in WGS84; SQL: ``layers.lookup.at_point``;
- ``report`` — ``/api/parcels/{id}/planning``; SQL: the report's five statements
  (``by_ids``, ``totals``, ``zones``, ``rights_of_way``, ``vertices``) in turn;

and by TiPg as ``/collections/public.layer_parcels/items/{id}`` (one feature
by primary key, GeoJSON in WGS84: the cheapest thing an OGC API server does).
Per round every parcel is taken by every contender in turn, one request at a
time; then each HTTP endpoint gets the whole sample again from concurrent
clients for throughput.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench import loadgen, servers
from bench.common import BenchError, say
from bench.config import Config
from bench.database import Database
from bench.dataset import ensure_loaded
from bench.figures import Figure, SectionResult
from bench.loadgen import Client, Sample, Timings
from bench.serving import Contenders, settle, sql_sample, warn_if_busy

SAMPLE = 200
CLIENTS = 8
GOALS = {"key": 1.0, "point": 1.0, "report": 3.0}
QUERIES = ("key", "point", "report")
HEADERS = ("query", "contender", "N", "requests", "p50 ms", "p95 ms", "p95×SQL", "p95×TiPg", "req/s 1 client",
           f"req/s {CLIENTS} clients")  # fmt: skip


@dataclass(frozen=True)
class Parcel:
    id: int
    ward: str
    sheet: int
    number: int
    lon: float
    lat: float

    def path(self, query: str) -> str:
        if query == "key":
            return "/api/parcels?" + urlencode({"ward": self.ward, "sheet": self.sheet, "parcel": self.number})
        if query == "point":
            return "/api/parcels/at?" + urlencode({"lon": f"{self.lon:.8f}", "lat": f"{self.lat:.8f}"})
        if query == "report":
            return f"/api/parcels/{self.id}/planning"
        return f"/collections/{servers.PARCELS}/items/{self.id}"


def sample(db: Database) -> list[Parcel]:
    with db.connect() as conn:
        rows = conn.execute(
            "SELECT id, ward_code, map_sheet, parcel_no, ST_X(c), ST_Y(c) FROM (SELECT *, "
            "ST_Transform(ST_PointOnSurface(geom), 4326) AS c FROM layer_parcels "
            "ORDER BY md5(ward_code || '/' || map_sheet || '/' || parcel_no) LIMIT %s) p",
            [SAMPLE],
        ).fetchall()
    return [Parcel(int(r[0]), str(r[1]), int(r[2]), int(r[3]), float(r[4]), float(r[5])) for r in rows]


def _statements(query: str, parcel: Parcel) -> list[tuple[Any, Any]]:
    from layers import lookup
    from layers.crs import WGS84_SRID

    if query == "key":
        return [lookup.by_key([parcel.ward], parcel.sheet, parcel.number)]
    if query == "point":
        return [lookup.at_point(parcel.lon, parcel.lat, WGS84_SRID)]
    return [lookup.by_ids([parcel.id]), lookup.totals(parcel.id), lookup.zones(parcel.id),
            lookup.rights_of_way(parcel.id), lookup.vertices(parcel.id)]  # fmt: skip


def raw_sql(conn: Any, query: str, parcel: Parcel) -> Sample:
    """The same statements our views run, back to back on one connection; time and row count summed."""
    parts = [sql_sample(conn, statement, params, lambda _row: 1) for statement, params in _statements(query, parcel)]
    if query != "report" and parts[0].size == 0:
        raise BenchError(f"the {query} lookup of parcel {parcel.id} found nothing")
    return Sample(sum(p.seconds for p in parts), sum(p.size for p in parts))


Series = dict[tuple[str, str], Timings]  # (query, contender) → timings


def one_round(run: Contenders, parcels: list[Parcel], series: Series) -> None:
    warn_if_busy("lookup")
    ours, tipg = Client(run.ours.port), Client(run.tipg.port)
    for parcel in parcels:
        for query in QUERIES:
            series[(query, "SQL")].samples.append(raw_sql(run.conn, query, parcel))
            series[(query, "ours")].samples.append(ours.get(parcel.path(query)))
        series[("items/{id}", "TiPg")].samples.append(tipg.get(parcel.path("items")))
    ours.close()
    tipg.close()


def throughput(run: Contenders, parcels: list[Parcel]) -> dict[tuple[str, str], Timings]:
    """Each HTTP endpoint alone, the whole sample from ``CLIENTS`` concurrent clients."""
    out = {}
    for query, contender, port in [*((q, "ours", run.ours.port) for q in QUERIES), ("items", "TiPg", run.tipg.port)]:
        warn_if_busy(f"lookup {query} throughput")
        key = (query if query != "items" else "items/{id}", contender)
        out[key] = loadgen.concurrent(port, [p.path(query) for p in parcels], CLIENTS)
    return out


def found(body: bytes, query: str) -> set[int]:
    """The parcel ids an answer names: a lookup's list, a report's parcel, TiPg's feature."""
    answer = json.loads(body)
    if query in ("key", "point"):
        return {int(p["id"]) for p in answer["parcels"]}
    return {int(answer["parcel"]["id"] if query == "report" else answer["id"])}


def check_answers(run: Contenders, parcels: list[Parcel]) -> None:
    """Fast answers that miss the parcel would be worthless: every contender must name the one asked for."""
    for port, queries in ((run.ours.port, QUERIES), (run.tipg.port, ("items",))):
        client = Client(port)
        for parcel, query in ((p, q) for p in parcels for q in queries):
            if parcel.id not in found(client.fetch(parcel.path(query))[1], query):
                raise BenchError(f"{parcel.path(query)} did not answer parcel {parcel.id}")
        client.close()


def warm_up(run: Contenders, parcels: list[Parcel]) -> None:
    """Every gunicorn worker imports, connects and fills its caches before anything is timed."""
    head = parcels[: 4 * CLIENTS]
    check_answers(run, head)
    for query in QUERIES:
        loadgen.concurrent(run.ours.port, [p.path(query) for p in head], CLIENTS)
        for parcel in head:
            raw_sql(run.conn, query, parcel)
    loadgen.concurrent(run.tipg.port, [p.path("items") for p in head], CLIENTS)


def measure(db: Database, parcels: list[Parcel], repeats: int) -> tuple[Series, Series]:
    series: Series = {(q, c): Timings() for q in QUERIES for c in ("ours", "SQL")}
    series[("items/{id}", "TiPg")] = Timings()
    with tempfile.TemporaryDirectory(prefix="gis-bench-lookup-") as folder:
        scratch = Path(folder)
        with Contenders.start(db, scratch, scratch / "tiles") as run:
            warm_up(run, parcels)
            for number in range(repeats):
                say(f"lookup: round {number + 1} of {repeats}, {len(parcels)} parcels × 7 requests")
                one_round(run, parcels, series)
            concurrent = throughput(run, parcels)
    return series, concurrent


def table_rows(n: int, series: Series, concurrent: Series) -> list[tuple[str, ...]]:
    tipg = series[("items/{id}", "TiPg")].p95

    def line(key: tuple[str, str], t: Timings) -> tuple[str, ...]:
        sql = series.get((key[0], "SQL"))
        vs_sql = f"{t.p95 / sql.p95:.2f}" if sql and key[1] != "SQL" else "–"
        vs_tipg = f"{t.p95 / tipg:.2f}" if key[1] != "TiPg" else "–"
        rate = f"{concurrent[key].rate:.0f}" if key in concurrent else "–"
        return (key[0], key[1], f"{n:,}", str(len(t.samples)), f"{t.p50:.1f}", f"{t.p95:.1f}", vs_sql, vs_tipg,
                f"{t.rate:.0f}", rate)  # fmt: skip

    return [line(key, t) for key, t in series.items()]


def figures(n: int, series: Series, concurrent: Series) -> list[Figure]:
    """Goals: key and point lookups no slower than TiPg's items/{id} at p95, the full report within 3×."""
    tipg = series[("items/{id}", "TiPg")]
    out = []
    for query in QUERIES:
        ours, sql, name = series[(query, "ours")], series[(query, "SQL")], f"lookup.parcels.{n}.{query}"
        out += [
            Figure(f"{name}.p95", ours.p95, "ms", "TiPg items/{id}", tipg.p95, GOALS[query], higher_is_better=False),
            Figure(f"{name}.p50", ours.p50, "ms", "TiPg items/{id}", tipg.p50, higher_is_better=False),
            Figure(f"{name}.p95.vs_sql", ours.p95, "ms", "raw SQL", sql.p95, higher_is_better=False),
            Figure(f"{name}.rps", concurrent[(query, "ours")].rate, "requests/s"),
        ]
    out.append(Figure(f"lookup.parcels.{n}.tipg_items.rps", concurrent[("items/{id}", "TiPg")].rate, "requests/s"))
    return out


def raw_runs(n: int, series: Series) -> Iterator[dict[str, Any]]:
    for (query, contender), timings in series.items():
        name = f"lookup.parcels.{n}.{query.replace('/{id}', '')}.{contender.lower()}"
        yield {"name": name, "ms": [round(1000 * s.seconds, 2) for s in timings.samples]}


def method() -> dict[str, str]:
    return {
        "sample": f"{SAMPLE} parcels ordered by md5(ward/sheet/parcel); points are ST_PointOnSurface in WGS84",
        "sql": "layers.lookup builders executed with psycopg over loopback; the report is its five statements",
        "ours": "scripts/serve.sh (gunicorn threaded workers, keep-alive); one client, one request at a time",
        "tipg": "TiPg under uvicorn (1 process), /collections/public.layer_parcels/items/{id}, public fields only",
        "throughput": f"each HTTP endpoint alone, the whole sample once, {CLIENTS} concurrent clients",
        "order": "warm-up (untimed), then per round and parcel: key, point, report (SQL then ours), TiPg items",
    }


def run(config: Config, db: Database) -> SectionResult:
    result = SectionResult("lookup", HEADERS, versions=servers.versions())
    result.data = {"method": method(), "sizes": []}
    for n in config.sizes:
        ensure_loaded(db, n)
        settle(db, "lookup")
        parcels = sample(db)
        series, concurrent = measure(db, parcels, config.repeats(n))
        result.rows += table_rows(n, series, concurrent)
        result.figures += figures(n, series, concurrent)
        result.runs += list(raw_runs(n, series))
        result.data["sizes"].append({"parcels": n, "sample": len(parcels), "first_ids": [p.id for p in parcels[:5]]})
    return result
