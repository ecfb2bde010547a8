"""The OGC API mounted as the project URLconf will mount it (``path("ogc/", include(...))``), for tests."""

from django.urls import include, path

urlpatterns = [path("ogc/", include("gis_server.ogc.urls"))]
