"""The district's outline, against which every load's features are checked."""

from __future__ import annotations

import shapely
from django.db import connection

from layers import sql
from layers.crs import TAN_BINH_VN2000_BOUNDS


def outline() -> shapely.Geometry:
    """Union of the loaded wards; before any ward is loaded, the district's VN-2000 bounding box."""
    statement, params = sql.district_outline()
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        wkb = cursor.fetchone()[0]
    if wkb is None:
        return shapely.box(*TAN_BINH_VN2000_BOUNDS)
    return shapely.from_wkb(bytes(wkb))
