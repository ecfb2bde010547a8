"""The planning report for one parcel (DOMAIN.md §6), computed from the geometry in VN-2000 metres.

Areas are rounded to 0.1 m² only at the end; an intersection under 0.1 m²
(digitising noise along a shared edge) reads as 0. The official area is shown
beside the computed one and never used for the arithmetic.
"""

from __future__ import annotations

import json
from typing import Any

from gis_server.lookup.queries import fetch, parcel
from layers import lookup

SLIVER_M2 = 0.1
DISCLAIMER_VI = "Thông tin chỉ mang tính tham khảo; giá trị pháp lý theo hồ sơ quy hoạch được duyệt."
DISCLAIMER_EN = "For reference only; the approved planning documents prevail."
OUTSIDE_ZONES = {"zone_code": None, "function_code": "GT", "function_name": "Đất giao thông / ngoài ô phố quy hoạch"}


def m2(value: float) -> float:
    """Round to 0.1 m², with slivers read as zero."""
    return 0.0 if value < SLIVER_M2 else round(value, 1)


def share(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 1) if whole > 0 else 0.0


def vertex_table(parcel_id: int) -> list[dict[str, Any]]:
    """Vertices numbered 1.. as on a cadastral extract: X = northing, Y = easting (VN-2000), 2 decimals."""
    rows = fetch(*lookup.vertices(parcel_id))
    out: list[dict[str, Any]] = []
    for i, row in enumerate(rows):
        closing = i + 1 == len(rows) or (rows[i + 1]["part"], rows[i + 1]["ring"]) != (row["part"], row["ring"])
        if not closing:
            out.append({"no": len(out) + 1, "part": row["part"], "ring": row["ring"],
                        "x": round(row["n"], 2), "y": round(row["e"], 2)})  # fmt: skip
    return out


def shares(areas: list[float], whole: float) -> list[float]:
    """Percentages to 0.1 that add up exactly to the rounded total (largest-remainder rounding)."""
    if whole <= 0 or not areas:
        return [0.0] * len(areas)
    tenths = [1000.0 * a / whole for a in areas]
    floors = [int(t) for t in tenths]
    target = round(sum(tenths))
    order = sorted(range(len(areas)), key=lambda i: tenths[i] - floors[i], reverse=True)
    for i in order[: max(0, target - sum(floors))]:
        floors[i] += 1
    return [f / 10.0 for f in floors]


def zone_rows(parcel_id: int, computed: float, zoned: float) -> list[dict[str, Any]]:
    """Every zone the parcel falls in, plus the part outside every block (road land), shares summing to 100 %."""
    found = [z for z in fetch(*lookup.zones(parcel_id)) if z["inside"] >= SLIVER_M2]
    rows = [{k: v for k, v in z.items() if k not in ("inside", "parcel_area")} for z in found]
    raw = [z["inside"] for z in found]
    if computed - zoned >= SLIVER_M2:
        rows.append(dict(OUTSIDE_ZONES))
        raw.append(computed - zoned)
    for row, area, percent in zip(rows, raw, shares(raw, computed), strict=True):
        row["area"] = m2(area)
        row["share"] = percent
    return rows


def row_rows(parcel_id: int) -> list[dict[str, Any]]:
    return [
        {
            **{k: r[k] for k in ("kind", "segment_id", "name", "row_width", "setback", "decision_no")},
            "area_in_row": m2(r["inside"]),
            "buildable_area": m2(r["buildable"]),
            "cuts": r["inside"] >= SLIVER_M2,
        }
        for r in fetch(*lookup.rights_of_way(parcel_id))
    ]


def planning_report(parcel_id: int) -> dict[str, Any]:
    facts = parcel(parcel_id)
    total = fetch(*lookup.totals(parcel_id))[0]
    computed = total["computed"]
    in_row = m2(total["in_row"])
    zones = zone_rows(parcel_id, computed, total["zoned"])
    return {
        "parcel": {**facts, "computed_area": round(computed, 1), "geometry": json.loads(total["geojson"])},
        "vertices": vertex_table(parcel_id),
        "zoning": zones,
        "rights_of_way": row_rows(parcel_id),
        "totals": {
            "area": round(computed, 1),
            "area_in_rights_of_way": in_row,
            "remaining_area": round(computed - in_row, 1),
            "buildable_area": m2(total["buildable"]),
            "share_in_rights_of_way": share(in_row, computed),
        },
        "disclaimer": {"vi": DISCLAIMER_VI, "en": DISCLAIMER_EN},
    }
