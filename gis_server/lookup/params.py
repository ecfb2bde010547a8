"""Query-string parsing for the lookup API: every bad value becomes a 400 naming the parameter."""

from __future__ import annotations

import math

from django.http import QueryDict

from gis_server.errors import BadRequest


def required(query: QueryDict, name: str) -> str:
    value = (query.get(name) or "").strip()
    if not value:
        raise BadRequest(f"Thiếu tham số '{name}' / missing parameter '{name}'")
    return value


def integer(query: QueryDict, name: str, default: int | None = None, low: int = 0, high: int = 10**9) -> int:
    text = (query.get(name) or "").strip()
    if not text and default is not None:
        return default
    try:
        value = int(required(query, name))
    except ValueError:
        raise BadRequest(f"'{name}' phải là số nguyên / '{name}' must be a whole number") from None
    if not low <= value <= high:
        raise BadRequest(f"'{name}' must be between {low} and {high}")
    return value


def number(query: QueryDict, name: str, low: float = -math.inf, high: float = math.inf) -> float:
    try:
        value = float(required(query, name))
    except ValueError:
        raise BadRequest(f"'{name}' phải là số / '{name}' must be a number") from None
    if not math.isfinite(value):
        raise BadRequest(f"'{name}' must be a finite number")
    if not low <= value <= high:
        raise BadRequest(f"'{name}' phải từ {low:g} đến {high:g} / '{name}' must be between {low:g} and {high:g}")
    return value
