"""Objects a server process keeps for its whole life are frozen out of the garbage collector's full passes.

A worker holds ~90,000 long-lived objects once Django and the registry are
loaded, ~170,000 once pygeoapi's API and MapProxy's configuration are built;
a full collection walks them all (45–100 ms measured on the reference
machine) inside whichever request happened to trigger it: a 15 ms tile took
a hundred. ``gc.freeze`` moves every live object to a permanent generation
that collections skip.

Each thing is settled once per process, after its first build: a later
rebuild (a new configuration) is left to the collector, so that the
replaced objects can still be freed.
"""

from __future__ import annotations

import gc
import threading

_settled: set[str] = set()
_lock = threading.Lock()


def settle(what: str) -> bool:
    """Collect, then freeze all that is alive, the first time ``what`` has been built; True if it did."""
    with _lock:
        if what in _settled:
            return False
        _settled.add(what)
        gc.collect()  # garbage frozen now would never be freed
        gc.freeze()
        return True
