"""The web map page: one template, its configuration (layers, style, API addresses) embedded as JSON."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from gis_server.webmap.config import page_config


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "webmap/index.html", {"config": page_config(request)})
