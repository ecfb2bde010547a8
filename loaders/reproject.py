"""Stage 3 — reproject: source coordinates into the pinned VN-2000 / TM-3 105°45'.

Never guesses silently: a file without a CRS is refused, with a hint when its
coordinates look like VN-2000 TM-3 (the usual case for cadastral exports).
"""

from __future__ import annotations

import warnings

import numpy as np
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from gis_server.errors import UsageError
from layers import crs as vn

ALIASES = {"vn2000-hcm": vn.VN2000_PROJ4, "vn2000": vn.VN2000_PROJ4}


def parse_crs(text: str) -> CRS:
    """--crs: 'vn2000-hcm', 'EPSG:n' or a PROJ string."""
    try:
        return CRS.from_user_input(ALIASES.get(text.lower(), text))
    except CRSError as exc:
        raise UsageError(
            f"--crs {text!r} is not a coordinate system; use vn2000-hcm, EPSG:<code> or a PROJ string"
        ) from exc


def looks_like_vn2000(geoms: np.ndarray) -> bool:
    """True when the data's extent falls in the district's VN-2000 TM-3 range (with a 5 km margin)."""
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    bxmin, bymin, bxmax, bymax = vn.TAN_BINH_VN2000_BOUNDS
    margin = 5_000.0
    return bool(xmin > bxmin - margin and xmax < bxmax + margin and ymin > bymin - margin and ymax < bymax + margin)


def source_crs(declared: str | None, override: str | None, geoms: np.ndarray, filename: str) -> CRS:
    """The CRS to read the file in: --crs wins, then the file's own; none at all is refused."""
    if override:
        return parse_crs(override)
    if declared:
        return CRS.from_user_input(declared)
    if looks_like_vn2000(geoms):
        raise UsageError(
            f"{filename}: no coordinate system, and the coordinates look like VN-2000 / TM-3 105°45'; "
            "if they are, say so with --crs vn2000-hcm"
        )
    raise UsageError(f"{filename}: no coordinate system; give it with --crs EPSG:<code> (or vn2000-hcm)")


def is_vn2000_tm3(src: CRS) -> bool:
    """EPSG:9210 itself or our pinned definition: coordinates are already what we store."""
    return src.to_epsg(min_confidence=90) == vn.VN2000_SRID or src.equals(vn.vn2000())


def pin_vn2000_datum(src: CRS) -> CRS:
    """Any other CRS on the VN-2000 datum (geographic 4756, other TM-3 zones) gets EPSG:6960 bound to it."""
    datum = src.datum.name if src.datum else ""
    if "2000" in datum and ("VN" in datum or "Vietnam" in datum):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            proj4 = src.to_proj4() or ""
        if "+towgs84" not in proj4:
            return CRS.from_proj4(f"{proj4} +towgs84={','.join(map(str, vn.VN2000_TOWGS84))}")
    return src


def to_vn2000(geoms: np.ndarray, src: CRS) -> np.ndarray:
    """Transform geometries into VN-2000 TM-3 through the pinned EPSG:6960 Helmert."""
    if is_vn2000_tm3(src):
        return geoms
    transformer = vn.transformer_from(pin_vn2000_datum(src))
    return shapely.transform(geoms, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))
