"""Lookup API views: parse, call one query function, render JSON."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe

from gis_server.errors import BadRequest, GisError
from gis_server.lookup import params, queries, report, sheet
from gis_server.lookup.openapi import document
from gis_server.views import error_response
from layers.crs import VN2000_SRID, WGS84_SRID

View = Callable[..., dict[str, Any]]
SHEET_FORMATS = ("html", "pdf")


def json_api(view: View) -> Callable[..., JsonResponse]:
    """GET (and HEAD) only, JSON out, every GisError as its status with a body; no database text reaches the user."""

    @require_safe
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        try:
            body = view(request, *args, **kwargs)
        except GisError as error:
            return error_response(error)
        return JsonResponse(body, json_dumps_params={"ensure_ascii": False})

    return wrapper


@json_api
def parcels_by_key(request: HttpRequest) -> dict[str, Any]:
    q = request.GET
    return queries.find_by_key(params.required(q, "ward"), params.integer(q, "sheet"), params.integer(q, "parcel"))


@json_api
def parcels_at(request: HttpRequest) -> dict[str, Any]:
    q = request.GET
    if "x" in q or "y" in q:
        return queries.find_at(params.number(q, "x"), params.number(q, "y"), VN2000_SRID)
    # Outside these PROJ cannot place the point at all (PostGIS raised "transform: Invalid coordinate").
    return queries.find_at(params.number(q, "lon", -180, 180), params.number(q, "lat", -90, 90), WGS84_SRID)


@json_api
def search(request: HttpRequest) -> dict[str, Any]:
    q = request.GET
    return queries.search(params.required(q, "q"), params.integer(q, "limit", default=10, low=1, high=50))


@json_api
def parcel(request: HttpRequest, parcel_id: int) -> dict[str, Any]:
    return queries.parcel(parcel_id)


@json_api
def planning(request: HttpRequest, parcel_id: int) -> dict[str, Any]:
    return report.planning_report(parcel_id)


@require_safe
def planning_sheet(request: HttpRequest, parcel_id: int) -> HttpResponse:
    """The printable sheet; ?format=pdf gives the same page as PDF (any other format is a 400, not the page)."""
    base = request.build_absolute_uri("/")
    try:
        wanted = request.GET.get("format") or "html"
        if wanted not in SHEET_FORMATS:
            raise BadRequest(f"'format' phải là html hoặc pdf / 'format' must be html or pdf, not '{wanted}'")
        if wanted == "pdf":
            pdf = sheet.sheet_pdf(parcel_id, base)
            name = f"thong-tin-quy-hoach-{parcel_id}.pdf"
            return HttpResponse(
                pdf, content_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'}
            )
        return HttpResponse(sheet.sheet_html(parcel_id, base))
    except GisError as error:
        return error_response(error)


@json_api
def openapi(request: HttpRequest) -> dict[str, Any]:
    return document(request.build_absolute_uri("/api"))
