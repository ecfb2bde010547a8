"""Freshly rendered tiles stored from a thread of their own, so a keep-alive connection is free for its next tile.

Under gunicorn's threaded workers a connection goes back to the poller only
once the WSGI response is closed, and that is where a fresh tile was stored
(a file written and renamed, or a Redis SET): a map client sending its next
tile on the same connection waited for it — measured in ``make bench`` at
100,000 parcels, 0.7 ms of a 3.5 ms uncached z18 tile. The tile is now
stored a moment later, by one thread per worker process, with the same guard
against a purge that began since its render (``service.keep``: a racing load
still leaves no stale tile). When the queue is full the tile is stored by the
caller, as before; tiles still queued when a worker exits are rendered again
on their next request.

Only the WSGI fast path (``fast_path``) hands tiles here; Django's view
stores in place (the test client, and requests the fast path leaves to Django).
"""

from __future__ import annotations

import logging
import os
import queue
import threading

from tile_cache import service, store

log = logging.getLogger(__name__)
# Tiles waiting to be stored: a burst of misses (a map opened, a purge) fits; beyond it callers store their own.
QUEUED = 512

Waiting = queue.Queue[tuple[service.Tile, store.TileStore]]


class _Keeper:
    """This process's queue and the thread that empties it, started on first use (a forked worker starts its own:
    threads do not survive a fork)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pid: int | None = None
        self.waiting: Waiting = queue.Queue(maxsize=QUEUED)

    def queue(self) -> Waiting:
        with self.lock:
            if self.pid != os.getpid():
                self.waiting = queue.Queue(maxsize=QUEUED)
                threading.Thread(target=_store_each, args=(self.waiting,), name="gis-tile-keeper", daemon=True).start()
                self.pid = os.getpid()
            return self.waiting


_keeper = _Keeper()


def _store_each(waiting: Waiting) -> None:
    while True:
        found, tiles = waiting.get()
        try:
            service.keep(found, tiles)
        except Exception:  # never let one tile stop the thread: it is a cache
            log.warning("tile %s not cached", found.address, exc_info=True)
        finally:
            waiting.task_done()


def keep_soon(found: service.Tile) -> None:
    """Store ``found`` (if freshly rendered) from the keeper thread; in the caller when the queue is full.

    The store is chosen now, in the request's own settings, not when the thread gets to it.
    """
    if found.cached or found.address is None:
        return
    tiles = store.backend()
    try:
        _keeper.queue().put_nowait((found, tiles))
    except queue.Full:
        service.keep(found, tiles)


def wait() -> None:
    """Return once every tile handed over so far is stored (tests; anything that must find them cached)."""
    if _keeper.pid == os.getpid():
        _keeper.waiting.join()
