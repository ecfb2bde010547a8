"""VN-2000 / TM-3 105°45' with the WGS84 datum shift pinned to EPSG:6960.

Left to itself PROJ picks EPSG:5194 for VN-2000 → WGS84 and lands 0.8 m off
in Tân Bình (DOMAIN.md §1). Every transformation in this project — pyproj in
the loaders and PostGIS in SQL — goes through the definitions below instead,
so Python and the database agree with the official parameters to the
millimetre.
"""

from __future__ import annotations

from functools import cache

from pyproj import CRS, Transformer

VN2000_SRID = 9210
WGS84_SRID = 4326
WEB_MERCATOR_SRID = 3857

# Quyết định 05/2007/QĐ-BTNMT = EPSG:6960. PROJ's +towgs84 uses the
# position-vector convention, so the rotations carry the opposite sign of the
# published (coordinate-frame) values.
VN2000_TOWGS84 = (
    -191.90441429,
    -39.30318279,
    -111.45032835,
    0.00928836,
    -0.01975479,
    0.00427372,
    0.252906278,
)
_TOWGS84 = ",".join(f"{v:.9g}" for v in VN2000_TOWGS84)

VN2000_PROJ4 = (
    "+proj=tmerc +lat_0=0 +lon_0=105.75 +k=0.9999 +x_0=500000 +y_0=0 "
    f"+ellps=WGS84 +towgs84={_TOWGS84} +units=m +no_defs"
)

# WKT1 with TOWGS84, stored as srtext of SRID 9210 in spatial_ref_sys. The row
# carries no auth_name on purpose: PostGIS tries "EPSG:9210" first when it is
# set, which hands the choice of transformation back to PROJ.
VN2000_WKT1 = (
    'PROJCS["VN-2000 / TM-3 105-45 (VN-2000 to WGS 84 (2), EPSG:6960)",'
    'GEOGCS["VN-2000",DATUM["Vietnam_2000",'
    'SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],'
    f"TOWGS84[{_TOWGS84}]],"
    'PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],'
    'UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]]],'
    'PROJECTION["Transverse_Mercator"],'
    'PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",105.75],'
    'PARAMETER["scale_factor",0.9999],PARAMETER["false_easting",500000],'
    'PARAMETER["false_northing",0],UNIT["metre",1,AUTHORITY["EPSG","9001"]],'
    'AXIS["Easting",EAST],AXIS["Northing",NORTH]]'
)

# Where VN-2000 TM-3 coordinates of the district fall (DOMAIN.md §1), with a
# margin; used to recognise untagged VN-2000 data and to bound the sample.
TAN_BINH_VN2000_BOUNDS = (595_700.0, 1_190_900.0, 601_400.0, 1_198_600.0)
TAN_BINH_WGS84_BOUNDS = (106.6276, 10.7683, 106.6787, 10.8369)


@cache
def vn2000() -> CRS:
    """The pinned VN-2000 / TM-3 105°45' CRS (a bound CRS carrying EPSG:6960)."""
    return CRS.from_proj4(VN2000_PROJ4)


def resolve(srid: int) -> CRS:
    """CRS for an SRID, with 9210 replaced by the pinned definition."""
    return vn2000() if srid == VN2000_SRID else CRS.from_epsg(srid)


@cache
def transformer(src_srid: int, dst_srid: int) -> Transformer:
    """A cached, always-xy transformer that never lets PROJ choose the datum shift."""
    return Transformer.from_crs(resolve(src_srid), resolve(dst_srid), always_xy=True)


def transformer_from(src: CRS) -> Transformer:
    """Transformer from an arbitrary source CRS into the pinned VN-2000 (used by loaders)."""
    return Transformer.from_crs(src, vn2000(), always_xy=True)
