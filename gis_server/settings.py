"""The one settings module, read from the environment (django-environ).

Defaults work for ``make run`` and ``make test``: the database is the
project-local PostgreSQL cluster the Makefile starts on port 55432 unless
``DATABASE_URL`` says otherwise. Every ``GIS_*`` variable is listed in the
README's "Settings" table.
"""

from __future__ import annotations

from pathlib import Path

import environ

from gis_server import db_session

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("GIS_DEBUG", default=False)
# A fixed development key keeps `make run` at zero configuration; any
# deployment beyond localhost must set GIS_SECRET_KEY.
SECRET_KEY = env.str("GIS_SECRET_KEY", default="tanbinh-gis-local-development-key-not-for-production")
ALLOWED_HOSTS = env.list("GIS_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])


def _local_cluster_url() -> str:
    """The project-local cluster `make run` starts; its port is chosen once and kept in var/pg/port."""
    port_file = BASE_DIR / "var" / "pg" / "port"
    port = port_file.read_text().strip() if port_file.exists() else env.str("GIS_PGPORT", default="55432")
    return f"postgis://postgres@127.0.0.1:{port}/{env.str('GIS_DBNAME', default='tanbinh')}"


DATABASES = {
    "default": env.db_url(
        "DATABASE_URL",
        default=_local_cluster_url(),
        engine="django.contrib.gis.db.backends.postgis",
    )
}
# postgres:// URLs name the plain backend; GeoDjango needs the PostGIS one.
DATABASES["default"]["ENGINE"] = "django.contrib.gis.db.backends.postgis"
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", env.int("GIS_DB_CONNECT_TIMEOUT", default=5))
# Every connection's session (gis_server.db_session; the benchmark's raw-SQL floor runs with the same).
DATABASES["default"]["OPTIONS"].setdefault(
    "options", db_session.options(db_session.session(env.int("GIS_DB_PARALLEL_WORKERS", default=0)))
)
# Django turns psycopg's prepared statements off; only statements asked for with prepare=True (the
# tile statement, whose text is the same for every tile of a zoom) are prepared, once per connection.
DATABASES["default"]["OPTIONS"].setdefault("prepare_threshold", 1_000_000_000)
# A new connection plans each tile statement again on first use (20–30 ms for an ioc tile): keep them a while.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("GIS_DB_CONN_MAX_AGE", default=600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

GDAL_LIBRARY_PATH = env.str("GIS_GDAL_LIBRARY_PATH", default=None)
GEOS_LIBRARY_PATH = env.str("GIS_GEOS_LIBRARY_PATH", default=None)

# Where generated files live (sample district, caches, load archives).
GIS_DATA_DIR = Path(env.str("GIS_DATA_DIR", default=str(BASE_DIR / "var")))
# Rendered vector tiles (one file per tile; purged by what each load changed).
GIS_TILE_CACHE_DIR = Path(env.str("GIS_TILE_CACHE_DIR", default=str(GIS_DATA_DIR / "tiles")))
# Empty: tiles are files under GIS_TILE_CACHE_DIR. redis://host:port/db: tiles are shared in that Redis.
GIS_TILE_CACHE_URL = env.str("GIS_TILE_CACHE_URL", default="")
# MapProxy's generated configuration and its raster tile cache (PNG tiles rendered by Mapnik).
GIS_MAPPROXY_DIR = Path(env.str("GIS_MAPPROXY_DIR", default=str(GIS_DATA_DIR / "mapproxy")))
GIS_MAPPROXY_CACHE_DIR = Path(env.str("GIS_MAPPROXY_CACHE_DIR", default=str(GIS_MAPPROXY_DIR / "cache_data")))
# Mapnik keeps its PostGIS connections open between tiles (tests turn this off to drop test databases).
GIS_MAPNIK_PERSIST_CONNECTION = env.bool("GIS_MAPNIK_PERSIST_CONNECTION", default=True)
# Where MapLibre fetches label glyphs, a {fontstack}/{range}.pbf template. Empty (the default): the styles name
# no glyphs and MapLibre GL JS (5.11 and later) writes labels with the browser's own fonts — offline, and
# every Vietnamese letter a system font has. Set it where glyph PBFs are served (MapLibre Native needs them).
GIS_GLYPHS_URL = env.str("GIS_GLYPHS_URL", default="")
# Browsers may reuse a tile (vector or raster) this long without asking; the ETag makes asking cheap.
GIS_TILE_MAX_AGE = env.int("GIS_TILE_MAX_AGE", default=60)
# How often (seconds) the web map asks whether a load changed its data, and redraws the tiles if so; 0: never.
GIS_MAP_REFRESH_SECONDS = env.int("GIS_MAP_REFRESH_SECONDS", default=30)
# Most bytes a vector tile may take: a denser layer keeps its largest features in it (the next zoom has all).
GIS_TILE_MAX_BYTES = env.int("GIS_TILE_MAX_BYTES", default=500 * 1000)

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.gis",
    "django.contrib.postgres",
    "gis_server",
    "layers",
    "django.contrib.staticfiles",
    "gis_server.webmap",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files (MapLibre, the web map's JS/CSS) from gunicorn itself: hashed names, compressed, cached.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.common.CommonMiddleware",
]

ROOT_URLCONF = "gis_server.urls"
WSGI_APPLICATION = "gis_server.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "gis_server" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": []},
    }
]

LANGUAGE_CODE = "vi"
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

STATIC_URL = "static/"
STATIC_ROOT = GIS_DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stderr"], "level": env.str("GIS_LOG_LEVEL", default="INFO")},
    # GDAL's per-file chatter ("Created 2 records") is not news to data staff.
    # pygeoapi logs every client 400 at ERROR and every HTML page's locale at WARNING; our views log errors.
    # MapProxy logs each source request and its own set-up at INFO: `gis tiles seed` printed it to data staff.
    "loggers": {
        "pyogrio": {"level": "WARNING"},
        "mapproxy": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "weasyprint": {"level": "ERROR"},
        "pygeoapi": {"level": "CRITICAL"},
    },
}

# Debian 12's GDAL (3.6) cannot block file/network access while parsing
# spatial references. GeoDjango's GDAL here only parses SRS text from our own
# registry and spatial_ref_sys; user files are read by pyogrio's bundled GDAL.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]
