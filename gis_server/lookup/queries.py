"""Query functions the lookup views call: parameters in, plain dicts out."""

from __future__ import annotations

from typing import Any

from django.db import connection

from gis_server.errors import BadRequest, NotFound
from layers import lookup, vocabulary
from layers.crs import VN2000_SRID, WGS84_SRID

MAX_RESULTS = 50


def fetch(statement: Any, params: Any) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _ward_names() -> tuple[dict[str, str], dict[str, str]]:
    old = {code: name for name, code in vocabulary.OLD_WARDS.items()}
    new = {code: name for name, code in vocabulary.WARDS_2025.items()}
    return old, new


def describe(parcel: dict[str, Any]) -> dict[str, Any]:
    """A parcel row as the API shows it: ward names beside the codes, the land-use name beside its code."""
    old, new = _ward_names()
    codes = (parcel.get("land_use") or "").split("+")
    return {
        **parcel,
        "ward_name": old.get(parcel["ward_code"], parcel["ward_code"]),
        "ward_2025_name": new.get(parcel.get("ward_2025_code") or "", parcel.get("ward_2025_code")),
        "land_use_name": " + ".join(vocabulary.land_use_name(c) or c for c in codes if c),
    }


def resolve_ward(value: str) -> list[str]:
    """Old ward codes a citizen may mean: an old ward ('Phường 2', 'P2', '2') or a 2025 ward (all its old wards)."""
    old = vocabulary.old_ward_code(value)
    if old is not None:
        return [old]
    new = vocabulary.ward_2025_code(value)
    if new is None:
        raise BadRequest(f"Không rõ phường '{value}' / unknown ward '{value}'")
    # The 2025 ward's old wards: from the ward layer, which records the 2025 ward holding each old ward.
    rows = fetch("SELECT code FROM layer_wards WHERE ward_2025_code = %s ORDER BY code", [new])
    return [row["code"] for row in rows] or [new]


def find_by_key(ward: str, sheet: int, parcel: int) -> dict[str, Any]:
    wards = resolve_ward(ward)
    parcels = [describe(p) for p in fetch(*lookup.by_key(wards, sheet, parcel))]
    return {"parcels": parcels, "ambiguous": len(parcels) > 1}


def find_at(x: float, y: float, srid: int) -> dict[str, Any]:
    if srid not in (WGS84_SRID, VN2000_SRID):
        raise BadRequest("srid must be 4326 or 9210")
    return {"parcels": [describe(p) for p in fetch(*lookup.at_point(x, y, srid))]}


def search(text: str, limit: int) -> dict[str, Any]:
    folded = vocabulary.fold(text)
    if len(folded) < 2:
        raise BadRequest("Nhập ít nhất 2 ký tự / type at least 2 characters")
    rows = fetch(*lookup.search(folded, min(max(limit, 1), MAX_RESULTS)))
    for row in rows:
        row["score"] = round(float(row["score"]), 3)
    return {"query": text, "results": rows}


def parcel(parcel_id: int) -> dict[str, Any]:
    rows = fetch(*lookup.by_ids([parcel_id]))
    if not rows:
        raise NotFound(f"Không có thửa {parcel_id} / no parcel {parcel_id}")
    return describe(rows[0])
