"""OGC API - Features routes; the project URLconf mounts them with ``path("ogc/", include("gis_server.ogc.urls"))``."""

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
    path("static/<path:path>", views.static, name="static"),
]
