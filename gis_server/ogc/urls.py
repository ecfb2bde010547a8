"""OGC API - Features and Tiles routes.

The project URLconf mounts them with ``path("ogc/", include("gis_server.ogc.urls"))``.
"""

from django.urls import path

from gis_server.ogc import views

app_name = "ogc"

urlpatterns = [
    path("", views.landing, name="landing"),
    path("openapi", views.openapi, name="openapi"),
    path("conformance", views.conformance, name="conformance"),
    path("collections", views.collections, name="collections"),
    path("collections/<str:collection_id>", views.collections, name="collection"),
    path("collections/<str:collection_id>/queryables", views.queryables, name="queryables"),
    path("collections/<str:collection_id>/schema", views.schema, name="schema"),
    path("collections/<str:collection_id>/items", views.items, name="items"),
    path("collections/<str:collection_id>/items/<str:item_id>", views.item, name="item"),
    path("collections/<str:collection_id>/tiles", views.tilesets, name="tilesets"),
    path("collections/<str:collection_id>/tiles/<str:tile_matrix_set_id>", views.tileset, name="tileset"),
    path("collections/<str:collection_id>/tiles/<str:tile_matrix_set_id>/metadata", views.tileset),
    path(
        "collections/<str:collection_id>/tiles/<str:tile_matrix_set_id>/<str:z>/<str:y>/<str:x>",
        views.tile,
        name="tile",
    ),
    path("processes", views.processes, name="processes"),
    path("TileMatrixSets", views.tile_matrix_sets, name="tile-matrix-sets"),
    path("TileMatrixSets/<str:tile_matrix_set_id>", views.tile_matrix_sets, name="tile-matrix-set"),
    # OGC API - Tiles spells it tileMatrixSets, and so do the self links of pygeoapi's own list.
    path("tileMatrixSets", views.tile_matrix_sets),
    path("tileMatrixSets/<str:tile_matrix_set_id>", views.tile_matrix_sets),
    path("static/<path:path>", views.static, name="static"),
]
