"""The lookup API's OpenAPI 3.0 document."""

from __future__ import annotations

from typing import Any

POINT_PARAMETERS: tuple[tuple[str, str, dict[str, float]], ...] = (
    ("lon", "WGS84 longitude", {"minimum": -180, "maximum": 180}),
    ("lat", "WGS84 latitude", {"minimum": -90, "maximum": 90}),
    ("x", "VN-2000 easting", {}),
    ("y", "VN-2000 northing", {}),
)


def _param(
    name: str, kind: str, description: str, required: bool = True, bounds: dict[str, float] | None = None
) -> dict[str, Any]:
    schema = {"type": kind, **(bounds or {})}
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


def _get(summary: str, parameters: list[dict[str, Any]], tag: str = "lookup") -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "tags": [tag],
            "parameters": parameters,
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}},
                "400": {"description": "Bad parameter", "content": {"application/json": {"schema": _error()}}},
                "404": {"description": "Not found", "content": {"application/json": {"schema": _error()}}},
            },
        }
    }


def _error() -> dict[str, Any]:
    return {"type": "object", "properties": {"status": {"type": "string"}, "error": {"type": "object"}}}


def _id() -> dict[str, Any]:
    return {"name": "parcel_id", "in": "path", "required": True, "schema": {"type": "integer"}}


def document(base_url: str) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Tra cứu quy hoạch Tân Bình / Tân Bình planning lookup",
            "version": "1.0",
            "description": "Find a parcel and read what the zoning plan and rights of way say about it.",
        },
        "servers": [{"url": base_url}],
        "paths": {
            "/parcels": _get(
                "Parcels by ward, map sheet and parcel number",
                [
                    _param("ward", "string", "old ward ('Phường 2', 'P2', '2', GSO code) or 2025 ward name"),
                    _param("sheet", "integer", "số hiệu tờ bản đồ"),
                    _param("parcel", "integer", "số thứ tự thửa"),
                ],
            ),
            "/parcels/at": _get(
                "Parcels at a point: lon/lat (WGS84) or x/y (VN-2000 TM-3 105°45', EPSG:9210)",
                [_param(n, "number", d, required=False, bounds=b) for n, d, b in POINT_PARAMETERS],
            ),
            "/search": _get(
                "Streets, alleys and addresses, with or without diacritics",
                [_param("q", "string", "text"), _param("limit", "integer", "1–50, default 10", required=False)],
            ),
            "/parcels/{parcel_id}": {"get": {**_get("One parcel", [])["get"], "parameters": [_id()]}},
            "/parcels/{parcel_id}/planning": {
                "get": {**_get("The planning report of a parcel", [])["get"], "parameters": [_id()]}
            },
        },
    }
