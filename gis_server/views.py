"""Thin views: parse, call one query function, render."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe

from gis_server import health, qgis_connections
from gis_server.errors import GisError, NotFound

log = logging.getLogger(__name__)


def error_response(error: GisError) -> JsonResponse:
    log.warning("%s: %s", error.code, error)
    return JsonResponse({"status": "error", "error": error.as_dict()}, status=error.status)


@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        body = health.report()
    except GisError as error:
        return error_response(error)
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


@require_safe
def qgis_connection_file(request: HttpRequest, kind: str) -> HttpResponse:
    """A QGIS connections exchange file (Data Source Manager → *Load*), addresses as this request reached us."""
    if kind not in qgis_connections.KINDS:
        known = ", ".join(qgis_connections.KINDS)
        return error_response(NotFound(f"no QGIS connection file '{kind}'; there are: {known}"))
    body = qgis_connections.document(kind, request.build_absolute_uri("/").rstrip("/"))
    disposition = f'attachment; filename="tanbinh-qgis-{kind}.xml"'
    return HttpResponse(body, content_type="application/xml", headers={"Content-Disposition": disposition})
