"""The web map's one page; mounted at the site root by ``gis_server.urls``."""

from django.urls import path

from gis_server.webmap import views

urlpatterns = [
    path("", views.index, name="webmap"),
]
