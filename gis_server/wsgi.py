"""WSGI entry point for gunicorn: Django, with plain vector-tile GETs answered on a fast path in front of it."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis_server.settings")
django_application = get_wsgi_application()  # sets Django up: the tile modules import the registry's models

from gis_server.longlived import settle  # noqa: E402
from tile_cache.fast_path import with_tile_fast_path  # noqa: E402

application = with_tile_fast_path(django_application)
settle("wsgi application")  # Django, the registry and every module: no full collection walks them again
