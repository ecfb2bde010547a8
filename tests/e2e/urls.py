"""Test-only URL map: the project's URLs plus the web map at `/`, as `gis_server/urls.py` will have them."""

from django.urls import include, path

urlpatterns = [
    path("", include("gis_server.webmap.urls")),
    path("", include("gis_server.urls")),
]
