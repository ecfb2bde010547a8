"""A small HTTP load generator: N client threads over loopback, bounded request counts, per-request latency.

Each client keeps one ``http.client`` connection (reopened when the server
closes it, as gunicorn's sync workers did after every response) and times a
request from sending it to having read the whole body. Latency percentiles
use linear interpolation between the nearest ranks. The client threads run
on the same machine as the servers, so on two cores they take CPU from them:
compare contenders measured the same way, not these figures with another
machine's ``wrk``.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from bench.common import BenchError

HOST = "127.0.0.1"
TIMEOUT_S = 120.0
OK = frozenset({200, 204})


@dataclass(frozen=True)
class Sample:
    """One request (or one SQL statement): how long, what came back."""

    seconds: float
    size: int
    status: int = 200
    cache: str | None = None  # our server's X-Tile-Cache header


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` quantile (0..1) by linear interpolation; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = share * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class Timings:
    """The samples of one contender on one set of requests; ``wall_s`` is set for concurrent batches."""

    samples: list[Sample] = field(default_factory=list)
    wall_s: float = 0.0
    clients: int = 1

    def ms(self, share: float) -> float:
        return 1000.0 * percentile([s.seconds for s in self.samples], share)

    @property
    def p50(self) -> float:
        return self.ms(0.50)

    @property
    def p95(self) -> float:
        return self.ms(0.95)

    @property
    def rate(self) -> float:
        """Requests per second: over the wall time of a concurrent batch, else over the summed latencies."""
        busy = self.wall_s or sum(s.seconds for s in self.samples)
        return len(self.samples) / busy if busy > 0 else 0.0

    @property
    def max_kb(self) -> float:
        return max((s.size for s in self.samples), default=0) / 1000.0


class Client:
    """One keep-alive connection to a loopback server; ``headers`` go with every request."""

    def __init__(self, port: int, headers: dict[str, str] | None = None) -> None:
        self.connection = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT_S)
        self.headers = headers or {}

    def _once(self, path: str) -> tuple[Sample, bytes]:
        start = time.perf_counter()
        self.connection.request("GET", path, headers=self.headers)
        response = self.connection.getresponse()
        body = response.read()
        seconds = time.perf_counter() - start
        return Sample(seconds, len(body), response.status, response.getheader("X-Tile-Cache")), body

    def fetch(self, path: str) -> tuple[Sample, bytes]:
        """GET ``path``; a connection the server dropped between requests is reopened once."""
        try:
            sample, body = self._once(path)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            self.connection.close()
            sample, body = self._once(path)
        if sample.status not in OK:
            raise BenchError(f"GET http://{HOST}:{self.connection.port}{path} answered {sample.status}")
        return sample, body

    def get(self, path: str) -> Sample:
        return self.fetch(path)[0]

    def close(self) -> None:
        self.connection.close()


def sequential(port: int, paths: Iterable[str]) -> Timings:
    """One client, one request at a time: latency without queueing."""
    client = Client(port)
    try:
        return Timings([client.get(path) for path in paths])
    finally:
        client.close()


def _worker(port: int, take: Callable[[], str | None], out: list[Sample], headers: dict[str, str] | None) -> None:
    client = Client(port, headers)
    try:
        while (path := take()) is not None:
            out.append(client.get(path))
    finally:
        client.close()


def concurrent(port: int, paths: Sequence[str], clients: int, headers: dict[str, str] | None = None) -> Timings:
    """``clients`` threads share the list, each taking the next path: every path requested exactly once."""
    lock, position = threading.Lock(), iter(paths)

    def take() -> str | None:
        with lock:
            return next(position, None)

    outs: list[list[Sample]] = [[] for _ in range(clients)]
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for future in [pool.submit(_worker, port, take, out, headers) for out in outs]:
            future.result()
    wall = time.perf_counter() - start
    return Timings([s for out in outs for s in out], wall, clients)
