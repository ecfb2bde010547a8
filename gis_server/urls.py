"""URL map: health now; OGC API, tiles, lookup API and the web map join here."""

from django.urls import path

from gis_server import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
]
