"""The WSGI fast path answers tiles as the Django view does, keeps them after sending, survives lost connections."""

from __future__ import annotations

import contextlib
import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mapbox_vector_tile
import psycopg
import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.test import Client

from gis_server.wsgi import application
from tests.tile_cache.test_tiles import TMS, busy_tile
from tile_cache import fast_path, keeper, store
from tile_cache.compression import unpack
from tile_cache.file_store import FileStore
from tile_cache.grid import address

COMPARED = ("ETag", "Cache-Control", "Content-Type", "Access-Control-Allow-Origin", "X-Content-Type-Options")


@contextlib.contextmanager
def inside_the_test_transaction() -> Iterator[None]:
    """What Django's test client does around a request: its connection-closing handler would end the test's
    transaction, so it is disconnected while the request runs (tests marked ``django_db`` only)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


class Answer:
    """One WSGI call: status, headers and body as a server would send them, and the body's ``close`` not yet run."""

    def __init__(self, path: str, method: str = "GET", **headers: str) -> None:
        environ = {
            "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000", "HTTP_HOST": "127.0.0.1:8000", "wsgi.input": io.BytesIO(b""),
            "wsgi.url_scheme": "http", "wsgi.errors": io.StringIO(), **headers,
        }  # fmt: skip
        with self.transaction():
            self.iterable = application(environ, self._start)
            self.body = b"".join(self.iterable)

    @staticmethod
    def transaction() -> contextlib.AbstractContextManager[None]:
        return inside_the_test_transaction() if connection.in_atomic_block else contextlib.nullcontext()

    def _start(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        self.status = int(status.split(maxsplit=1)[0])
        self.headers = dict(headers)

    def close(self, stored: bool = True) -> None:
        """What the server does once the body is sent; with ``stored``, also wait for the keeper to store it."""
        closer = getattr(self.iterable, "close", None)
        if closer is not None:
            with self.transaction():
                closer()
        if stored:
            keeper.wait()

    @property
    def fast(self) -> bool:
        return isinstance(self.iterable, fast_path._SentTile)


def answer(path: str, method: str = "GET", **headers: str) -> Answer:
    found = Answer(path, method, **headers)
    found.close()
    return found


@pytest.mark.django_db
@pytest.mark.parametrize(("tileset", "z", "encoding"), [("parcels", 18, ""), ("ioc", 16, ""), ("parcels", 17, "gzip")])
def test_the_fast_path_sends_what_the_view_sends(
    client: Client, tile_dir: Path, tileset: str, z: int, encoding: str
) -> None:
    tile = busy_tile(z)
    path = f"/tiles/{tileset}/{tile.z}/{tile.x}/{tile.y}.mvt"
    fast = answer(path, HTTP_ACCEPT_ENCODING=encoding)
    assert fast.fast and fast.status == 200 and fast.headers["X-Tile-Cache"] == "miss"
    assert int(fast.headers["Content-Length"]) == len(fast.body)
    assert fast.headers.get("Content-Encoding", "") == encoding
    assert mapbox_vector_tile.decode(unpack(fast.body) if encoding else fast.body)  # a real tile
    store.backend().delete(address(tileset, tile.z, tile.x, tile.y))  # the view renders it again
    view = client.get(path, HTTP_ACCEPT_ENCODING=encoding)
    assert view.status_code == 200 and view["X-Tile-Cache"] == "miss"
    assert view.content == fast.body
    compared = (*COMPARED, "Vary", *(["Content-Encoding"] if encoding else []))
    assert {h: view[h] for h in compared} == {h: fast.headers[h] for h in compared}


@pytest.mark.django_db
def test_not_modified_and_empty_tiles(tile_dir: Path) -> None:
    tile = busy_tile(17)
    path = f"/tiles/parcels/{tile.z}/{tile.x}/{tile.y}.mvt"
    first = answer(path)
    again = answer(path, HTTP_IF_NONE_MATCH=first.headers["ETag"])
    assert (again.status, again.body, again.headers["X-Tile-Cache"]) == (304, b"", "hit")
    assert "Content-Length" not in again.headers
    far = TMS.tile(106.0, 11.5, 16)  # countryside well outside the district
    empty = answer(f"/tiles/parcels/{far.z}/{far.x}/{far.y}.mvt")
    assert empty.fast and (empty.status, empty.body) == (204, b"")


@pytest.mark.django_db
def test_head_answers_the_get_headers_without_the_body(client: Client, tile_dir: Path) -> None:
    """RFC 9110: HEAD wherever GET is (link checkers, curl -I, some tile clients probe with it)."""
    tile = busy_tile(17)
    path = f"/tiles/parcels/{tile.z}/{tile.x}/{tile.y}.mvt"
    head = answer(path, "HEAD", HTTP_ACCEPT_ENCODING="gzip")
    get = answer(path, HTTP_ACCEPT_ENCODING="gzip")
    assert head.fast and (head.status, head.body) == (200, b"")
    assert int(head.headers["Content-Length"]) == len(get.body) > 0
    assert {h: head.headers[h] for h in (*COMPARED, "Content-Encoding")} == {
        h: get.headers[h] for h in (*COMPARED, "Content-Encoding")
    }
    view = client.head(path)
    assert view.status_code == 200 and view.content == b"" and view["Content-Type"] == get.headers["Content-Type"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "method", "status"),
    [
        ("/tiles/owners/16/1/1.mvt", "GET", 404),  # no such tileset: Django's JSON error
        ("/tiles/parcels/3/1/1.mvt", "GET", 404),  # below the layer's zoom range
        ("/tiles/parcels/16/1/" + "9" * 12 + ".mvt", "GET", 404),  # too long for the fast path's pattern
        ("/tiles/parcels/16/52186/30788.mvt", "POST", 405),
        ("/tiles/parcels/16/52186/30788.mvt", "PUT", 405),
    ],
)
def test_errors_and_other_methods_are_answered_by_django(path: str, method: str, status: int) -> None:
    found = answer(path, method)
    assert not found.fast and found.status == status
    if status == 404:
        assert json.loads(found.body)["error"]["code"] == "not_found"


@pytest.mark.django_db
def test_a_rendered_tile_is_kept_only_once_it_has_been_sent(tile_dir: Path) -> None:
    tile = busy_tile(18)
    sending = Answer(f"/tiles/parcels/{tile.z}/{tile.x}/{tile.y}.mvt")
    kept = store.backend().get(address("parcels", tile.z, tile.x, tile.y))
    assert sending.status == 200 and kept is None
    sending.close()
    assert unpack(store.backend().get(address("parcels", tile.z, tile.x, tile.y)) or b"") == sending.body


@pytest.fixture
def held_store(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[threading.Event, threading.Event]]:
    """The file store's ``put`` waits until released: (entered, release)."""
    entered, release = threading.Event(), threading.Event()
    put = FileStore.put

    def held_put(self: FileStore, tile: Any, data: bytes) -> None:
        entered.set()
        release.wait(30)
        put(self, tile, data)

    monkeypatch.setattr(FileStore, "put", held_put)
    yield entered, release
    release.set()
    keeper.wait()


@dataclass
class HandedOver:
    """A z18 tile answered and its response closed while the store is held, once the keeper has begun storing
    it: the answer, the tile's address and how long ``close`` took."""

    sent: Answer
    where: Any
    took: float
    release: threading.Event

    def stored(self) -> bytes | None:
        """Let the held store go, wait for the keeper, and read what it left for the tile."""
        self.release.set()
        keeper.wait()
        return store.backend().get(self.where)


@pytest.fixture
def handed_over(held_store: tuple[threading.Event, threading.Event]) -> HandedOver:
    entered, release = held_store
    tile = busy_tile(18)
    sent = Answer(f"/tiles/parcels/{tile.z}/{tile.x}/{tile.y}.mvt")
    started = time.monotonic()
    sent.close(stored=False)
    took = time.monotonic() - started
    assert entered.wait(10), "the keeper never began storing the tile"
    return HandedOver(sent, address("parcels", tile.z, tile.x, tile.y), took, release)


@pytest.mark.django_db
def test_closing_the_response_does_not_wait_for_the_tile_to_be_stored(tile_dir: Path, handed_over: HandedOver) -> None:
    """The connection is free for the client's next tile while the keeper thread stores this one."""
    assert handed_over.took < 5, "close waited for the store"
    assert store.backend().get(handed_over.where) is None
    assert unpack(handed_over.stored() or b"") == handed_over.sent.body


@pytest.mark.django_db
def test_a_purge_while_the_tile_waits_to_be_stored_leaves_no_tile(tile_dir: Path, handed_over: HandedOver) -> None:
    """A load that commits after the render purges first; the keeper, storing late, still drops the stale tile."""
    store.backend().bump_generation()  # what every purge does before it deletes
    assert handed_over.stored() is None


@pytest.fixture
def autocommit(django_db_blocker: Any) -> Iterator[None]:
    """The database as a server process has it: no test transaction around the request (these tests only read)."""
    with django_db_blocker.unblock():
        yield
        connection.close()


def _terminate_django_connection() -> None:
    pid = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    with psycopg.connect(**{k: v for k, v in params.items() if k != "cursor_factory"}, autocommit=True) as other:
        assert other.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone() == (True,)


def _closed_port() -> int:
    """A loopback port nothing listens on (the kernel's pick, released at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.usefixtures("autocommit", "tile_dir")
def test_a_connection_lost_while_idle_is_reopened_for_the_next_tile() -> None:
    """No health-check query per tile: a connection the database closed is noticed by the tile query and replaced."""
    first, second = busy_tile(18), busy_tile(17)
    assert answer(f"/tiles/parcels/{first.z}/{first.x}/{first.y}.mvt").status == 200
    _terminate_django_connection()
    found = answer(f"/tiles/parcels/{second.z}/{second.x}/{second.y}.mvt")
    assert found.fast and found.status == 200 and mapbox_vector_tile.decode(found.body)["parcels"]["features"]


@pytest.mark.usefixtures("autocommit", "tile_dir")
def test_an_unreachable_database_is_a_503_without_database_text() -> None:
    tile = busy_tile(16)
    assert answer(f"/tiles/parcels/{tile.z}/{tile.x}/{tile.y}.mvt").status == 200
    _terminate_django_connection()
    port = connection.settings_dict["PORT"]
    connection.settings_dict["PORT"] = str(_closed_port())
    try:
        found = answer(f"/tiles/parcels/{tile.z}/{tile.x}/{tile.y + 1}.mvt")
    finally:
        connection.settings_dict["PORT"] = port
    assert found.status == 503
    error = json.loads(found.body)["error"]
    assert error["code"] == "database_unavailable" and "connection" not in error["message"].lower()
