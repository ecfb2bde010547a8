"""Thin views: parse, call one query function, render."""

from __future__ import annotations

import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from gis_server import health
from gis_server.errors import GisError

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
