"""The project served by a process of its own from the test database, for clients that speak HTTP themselves.

A process, not a thread: GDAL (through pyogrio) blocks in C while holding
the GIL during some HTTP fetches, so a server thread in the test process
would never answer it; QGIS runs in a process of its own anyway. The server
reads the committed sample data of the test database; the tiles it renders
(vector and raster) go to temporary folders, never to the checkout's caches.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection


@contextmanager
def served(settings_module: str, scratch: Path) -> Iterator[str]:
    """``http://127.0.0.1:PORT`` of a server with ``settings_module``; its log is ``scratch/server.log``."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgis://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DJANGO_SETTINGS_MODULE": settings_module,
        "GIS_TILE_CACHE_DIR": str(scratch / "tiles"),
        "GIS_TILE_CACHE_URL": "",
        "GIS_MAPPROXY_DIR": str(scratch / "mapproxy"),
    }
    with (scratch / "server.log").open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.ogc.serve"], stdout=subprocess.PIPE, stderr=log, env=env, text=True
        )
        assert process.stdout is not None
        port = process.stdout.readline().strip()
        assert port.isdigit(), f"the test server did not start (see {scratch / 'server.log'})"
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=10)
