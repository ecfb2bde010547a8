"""MapProxy's WSGI application, built lazily once per process and rebuilt only when its configuration changes.

Importing this module starts nothing; :func:`wsgi_app` generates the
configuration (``tile_cache.mapproxy_config``) on first use. Each call reads
the active orthophoto (one indexed query), because another process may have
loaded a new image: the application is keyed by everything its configuration
depends on, so every process converges without signals or shared memory.

MapProxy 7.0's Mapnik source was written for the Boost.Python bindings of
Mapnik 3; the pybind11 bindings of Mapnik 4 (the ``mapnik`` wheel) refuse new
attributes on ``Map``, reject ``+init=epsg:…`` projections and renamed
``Image.tostring``. :class:`Mapnik4Source` adapts those three calls and keeps
one map object per thread (a Mapnik map is not safe to share between threads).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def _environment_kept(*names: str) -> Iterator[None]:
    """Undo what importing the ``mapnik`` wheel does to the process environment.

    It points PROJ_LIB and GDAL_DATA at its own share/ folders, and its
    share/proj holds no proj.db: every later PROJ user in the process (GeoDjango's
    GDAL, rasterio) would then fail with "Cannot find proj.db". Mapnik itself
    needs neither for Web-Mercator maps (ICU_DATA, which it does need, stays).
    """
    saved = {name: os.environ.get(name) for name in names}
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


with _environment_kept("PROJ_LIB", "GDAL_DATA"):
    import mapnik
    from mapproxy.source.mapnik import MapnikSource

from mapproxy.config.configuration.source import (  # noqa: E402 — after the guarded mapnik import
    MapnikSourceConfiguration,
    register_source_configuration,
)
from mapproxy.config.loader import ProxyConfiguration, load_configuration  # noqa: E402
from mapproxy.image import ImageResult  # noqa: E402
from mapproxy.image.opts import ImageOptions  # noqa: E402
from mapproxy.wsgiapp import MapProxyApp  # noqa: E402

from gis_server import longlived  # noqa: E402
from tile_cache import mapproxy_config, mapproxy_errors, raster_guard  # noqa: E402

_LOCK = threading.Lock()
_APP: dict[tuple[Any, ...], tuple[Path, MapProxyApp]] = {}


class Mapnik4Source(MapnikSource):
    """MapProxy's Mapnik source, speaking the Mapnik 4 Python API."""

    def _create_map_obj(self, mapfile: str, process_id: object) -> Any:
        m = mapnik.Map(0, 0)
        mapnik.load_map(m, str(mapfile))
        return m

    def map_obj(self, mapfile: str) -> Any:
        local = self.__dict__.setdefault("_thread_maps", threading.local())
        if getattr(local, "mapfile", None) != mapfile:
            local.map, local.mapfile = self._create_map_obj(mapfile, None), mapfile
        return local.map

    def _render_mapfile(self, mapfile: str, query: Any) -> ImageResult:
        raster_guard.rendering()  # before the query: a purge from here on keeps these tiles out of the cache
        started = time.time()
        m = self.map_obj(mapfile)
        m.resize(query.size[0], query.size[1])
        m.srs = str(query.srs.srs_code).lower()
        m.zoom_to_box(mapnik.Box2d(*query.bbox))
        image = mapnik.Image(query.size[0], query.size[1])
        if self.scale_factor:
            mapnik.render(m, image, self.scale_factor)
        else:
            mapnik.render(m, image)
        data = image.to_string("png32")
        self._log_render(mapfile, query, len(data), started)
        return ImageResult(BytesIO(data), size=query.size, image_opts=ImageOptions(format=query.format))

    @staticmethod
    def _log_render(mapfile: str, query: Any, size: int, started: float) -> None:
        from mapproxy.client.log import log_request

        url = f"{mapfile}:{query.bbox}:{query.srs.srs_code}:{query.size}"
        log_request(url, status="200", size=size, method="API", duration=time.time() - started)


class Mapnik4SourceConfiguration(MapnikSourceConfiguration):
    """The stock ``mapnik`` source configuration, handing out :class:`Mapnik4Source` objects."""

    def source(self, params: Any = None) -> Any:
        found = super().source(params)
        if type(found) is MapnikSource:
            # Same state, same constructor: only the three Mapnik-4 calls differ.
            found.__class__ = Mapnik4Source
        return found


def register() -> None:
    """Make ``type: mapnik`` sources use the Mapnik 4 adapter and give request errors a client-error status
    (``mapproxy_errors``); idempotent, called before any configuration loads."""
    register_source_configuration("mapnik", Mapnik4SourceConfiguration)
    mapproxy_errors.install()


def _key() -> tuple[Any, ...]:
    db = mapproxy_config.Database.current()
    paths = (mapproxy_config.mapproxy_dir(), mapproxy_config.cache_dir())
    return (db, paths, mapproxy_config.active_rasters())


def config_path() -> Path:
    """The generated ``mapproxy-<hash>.yaml`` of the current configuration (written if missing)."""
    register()
    db, _, rasters = _key()
    return mapproxy_config.write_config(db, rasters)


def configuration(seed: bool = False) -> ProxyConfiguration:
    """MapProxy's parsed configuration (``seed=True`` for the seeding API), its file caches guarded."""
    conf = load_configuration(str(config_path()), seed=seed)
    raster_guard.guard(conf)
    return conf


def wsgi_app() -> MapProxyApp:
    """The process's MapProxy application for the current configuration."""
    key = _key()
    with _LOCK:
        cached = _APP.get(key)
        if cached is not None and cached[0].exists():
            return cached[1]
        register()
        path = mapproxy_config.write_config(key[0], key[2])
        conf = load_configuration(str(path))
        raster_guard.guard(conf)
        app = MapProxyApp(conf.configured_services(), conf.base_config)
        _APP.clear()  # one configuration per process: the previous one is stale
        _APP[key] = (path, app)
        longlived.settle("mapproxy")
        return app


def reset() -> None:
    """Forget the cached application (tests; a changed configuration is noticed anyway)."""
    with _LOCK:
        _APP.clear()
