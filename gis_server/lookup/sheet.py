"""The printable planning sheet ("Thông tin quy hoạch"): the report as HTML, with a map drawn from the geometry.

The map is SVG drawn from the same VN-2000 geometries the numbers come from
(ST_AsSVG), so the picture and the arithmetic can never disagree; the PDF is
the same HTML rendered by WeasyPrint.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from gis_server.lookup.queries import fetch
from gis_server.lookup.report import planning_report
from layers import lookup

MAP_MARGIN_M = 25.0
MAP_STYLE = {
    "zone": "fill:none;stroke:#c0392b;stroke-width:0.6;stroke-dasharray:3 2",
    "row": "fill:#e74c3c;fill-opacity:0.25;stroke:#c0392b;stroke-width:0.4",
    "parcel": "fill:#fdf6e3;stroke:#7f6a4d;stroke-width:0.25",
    "selected": "fill:#f1c40f;fill-opacity:0.8;stroke:#000;stroke-width:0.8",
}
ORDER = {"zone": 0, "parcel": 1, "row": 2}


def map_svg(parcel_id: int) -> dict[str, Any]:
    """Paths and a viewBox in VN-2000 metres (SVG y grows downwards, ST_AsSVG already negates y)."""
    rows = fetch(*lookup.surroundings_svg(parcel_id, MAP_MARGIN_M))
    if not rows:
        return {"view_box": "0 0 1 1", "paths": []}
    first = rows[0]
    view_box = f"{first['xmin']:.2f} {-first['ymax']:.2f} {first['width']:.2f} {first['height']:.2f}"
    rows.sort(key=lambda r: (r["selected"], ORDER[r["kind"]]))
    paths = [{"d": r["path"], "style": MAP_STYLE["selected" if r["selected"] else r["kind"]]} for r in rows]
    return {"view_box": view_box, "paths": paths, "width_m": round(first["width"])}


def sheet_html(parcel_id: int, base_url: str) -> str:
    report = planning_report(parcel_id)
    context = {"r": report, "map": map_svg(parcel_id), "today": timezone.localdate(), "base_url": base_url}
    return render_to_string("lookup/sheet.html", context)


def sheet_pdf(parcel_id: int, base_url: str) -> bytes:
    from weasyprint import HTML

    return bytes(HTML(string=sheet_html(parcel_id, base_url), base_url=base_url).write_pdf())
