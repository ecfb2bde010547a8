"""Stage 3 — reproject: source coordinates into the pinned VN-2000 / TM-3 105°45'.

Never guesses silently: a file without a CRS is refused, with a hint when its
coordinates look like VN-2000 TM-3 (the usual case for cadastral exports).
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from gis_server.errors import UsageError
from layers import crs as vn
from loaders import blocks

ALIASES = {"vn2000-hcm": vn.VN2000_PROJ4, "vn2000": vn.VN2000_PROJ4}
ALIAS_NAME = "VN-2000 / TM-3 105°45' with the EPSG:6960 shift"


def describe(src: CRS, given: str | None) -> str:
    """The source CRS as the report names it: its own name, else what --crs said (an alias or a PROJ string
    makes a CRS PROJ calls 'unknown')."""
    if given and given.lower() in ALIASES:
        return f"{ALIAS_NAME} (--crs {given})"
    if src.name and src.name != "unknown":
        return str(src.name)
    return f"--crs {given}" if given else str(src.to_string())


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


def _tm3_parameters(src: CRS) -> tuple[float, float] | None:
    """(central meridian, scale) when ``src`` is a Transverse Mercator projection, else None."""
    operation = src.coordinate_operation
    if not src.is_projected or operation is None or "Transverse Mercator" not in operation.method_name:
        return None
    params = {p.name: float(p.value) for p in operation.params if isinstance(p.value, int | float)}
    return params.get("Longitude of natural origin", 0.0), params.get("Scale factor at natural origin", 0.0)


def lacks_datum_shift(src: CRS) -> bool:
    """A VN-2000-style TM-3 (k 0.9999 on the WGS84 ellipsoid) that names no VN-2000 datum and carries no shift.

    This is what most cadastral .prj files say: read as it is, the data would
    be taken as WGS84 and land about 225 m off.
    """
    tm = _tm3_parameters(src)
    if tm is None or src.is_bound or abs(tm[1] - 0.9999) > 1e-9 or not 102.0 <= tm[0] <= 109.5:
        return False
    datum = src.datum.name if src.datum else ""
    return not ("2000" in datum and ("VN" in datum or "Vietnam" in datum))


def refuse_incomplete(src: CRS, filename: str) -> None:
    """Never guess: a TM-3 CRS without the datum shift is refused with the flag that settles it."""
    if lacks_datum_shift(src):
        raise UsageError(
            f"{filename}: its CRS is VN-2000 TM-3 without the datum shift (taken literally it lands ~225 m off, "
            "and PROJ's guess is 0.8 m off); if the data is VN-2000 / TM-3 105°45', give --crs vn2000-hcm"
        )


def _check_declared(src: CRS, geoms: np.ndarray, filename: str) -> CRS:
    refuse_incomplete(src, filename)
    if src.is_geographic and len(geoms):
        xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
        if max(abs(xmin), abs(xmax)) > 180 or max(abs(ymin), abs(ymax)) > 90:
            hint = "they look like VN-2000 TM-3: give --crs vn2000-hcm" if looks_like_vn2000(geoms) else "give --crs"
            raise UsageError(f"{filename}: tagged {src.name} but the coordinates are not degrees; {hint}")
    return src


def source_crs(declared: str | None, override: str | None, geoms: np.ndarray, filename: str) -> CRS:
    """The CRS to read the file in: --crs wins, then the file's own if complete; none at all is refused."""
    if override:
        return parse_crs(override)
    if declared:
        return _check_declared(CRS.from_user_input(declared), geoms, filename)
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
    return start_vn2000(np.array(geoms, dtype=object), src)()


def start_vn2000(owned: np.ndarray, src: CRS) -> Callable[[], np.ndarray]:
    """Start the datum shift in threads; the function returned waits for it and returns ``owned``, its
    geometries replaced, block by block, by their reprojections (so the old ones go as the new ones come).

    At a million parcels PROJ takes 2.2 s of the 3.7 s (the rest is reading out
    and writing back coordinates, holding the GIL); PROJ does not hold it, so
    the caller can decode and map the attributes meanwhile, on the other core.
    The coordinates are 2D, as ``shapely.transform`` gives by default.
    """
    if is_vn2000_tm3(src):
        return lambda: owned
    transformer = vn.transformer_from(pin_vn2000_datum(src))
    coords = shapely.get_coordinates(owned)
    cuts = np.linspace(0, len(coords), blocks.workers() + 1).astype(np.int64)

    def shift(start: int, stop: int) -> None:
        coords[start:stop, 0], coords[start:stop, 1] = transformer.transform(
            coords[start:stop, 0], coords[start:stop, 1]
        )

    pool = ThreadPoolExecutor(max_workers=blocks.workers(), thread_name_prefix="gis-proj")
    shifted = [pool.submit(shift, int(a), int(b)) for a, b in itertools.pairwise(cuts) if b > a]
    pool.shutdown(wait=False)

    def finish() -> np.ndarray:
        for future in shifted:
            future.result()
        ends = np.cumsum(shapely.get_num_coordinates(owned))
        for start in range(0, len(owned), blocks.BLOCK):
            stop = min(start + blocks.BLOCK, len(owned))
            first = int(ends[start - 1]) if start else 0
            owned[start:stop] = shapely.set_coordinates(owned[start:stop].copy(), coords[first : int(ends[stop - 1])])
        return owned

    return finish
