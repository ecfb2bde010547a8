"""URL map: health, OGC API Features, vector and raster tiles, styles, QGIS connection files, the planning lookup
and the web map."""

from django.urls import include, path, re_path

from gis_server import views
from gis_server.lookup import views as lookup
from gis_server.ogc import views as ogc_views
from tile_cache import raster_views
from tile_cache import views as tiles

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("qgis/<str:kind>.xml", views.qgis_connection_file, name="qgis-connections"),
    path("tiles/<str:tileset>.json", tiles.tilejson_view, name="tilejson"),
    path("tiles/<str:tileset>/<int:z>/<int:x>/<int:y>.mvt", tiles.tile, name="tile"),
    path("api/openapi.json", lookup.openapi, name="api-openapi"),
    path("api/parcels", lookup.parcels_by_key, name="api-parcels"),
    path("api/parcels/at", lookup.parcels_at, name="api-parcels-at"),
    path("api/parcels/<int:parcel_id>", lookup.parcel, name="api-parcel"),
    path("api/parcels/<int:parcel_id>/planning", lookup.planning, name="api-planning"),
    path("api/search", lookup.search, name="api-search"),
    path("parcels/<int:parcel_id>/planning", lookup.planning_sheet, name="planning-sheet"),
    re_path(r"^mapproxy(?P<path>/.*)?$", raster_views.mapproxy, name="mapproxy"),
    re_path(r"^styles/(?P<layer>[a-z0-9_]+)\.(?P<fmt>json|qml|sld|xml)$", raster_views.style, name="style"),
    # OGC API Features (pygeoapi inside Django). The landing page answers at /ogc itself too: QGIS 3.22 is given
    # "http://host/ogc" and does not follow the slash redirect.
    path("ogc", ogc_views.landing, name="ogc-landing-bare"),
    path("ogc/", include("gis_server.ogc.urls")),
    path("", include("gis_server.webmap.urls")),  # the citizens' web map at /
]
