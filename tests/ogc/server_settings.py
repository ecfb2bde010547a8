"""Settings of the OGC test server process: the project's, with the OGC API mounted at /ogc/."""

from gis_server.settings import *  # noqa: F403

ROOT_URLCONF = "tests.ogc.urls"
