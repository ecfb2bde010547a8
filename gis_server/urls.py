"""URL map: health, vector tiles; OGC API, the lookup API and the web map join here."""

from django.urls import path

from gis_server import views
from tile_cache import views as tiles

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("tiles/<str:tileset>.json", tiles.tilejson_view, name="tilejson"),
    path("tiles/<str:tileset>/<int:z>/<int:x>/<int:y>.mvt", tiles.tile, name="tile"),
]
