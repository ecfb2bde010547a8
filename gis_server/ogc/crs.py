"""The CRSs the OGC API serves, by URI, with the axis order each one promises.

pygeoapi reprojects with pyproj, whose default VN-2000 → WGS84 operation is
not the pinned EPSG:6960 (DOMAIN.md §1: 0.8 m off). Here a URI only names an
SRID; every transformation happens in PostGIS, whose row for 9210 carries the
pinned shift (migration ``layers/0001``).
"""

from __future__ import annotations

from dataclasses import dataclass

from gis_server.errors import BadRequest
from layers.crs import VN2000_SRID, WEB_MERCATOR_SRID, WGS84_SRID

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{}"
STORAGE_CRS = EPSG_URI.format(VN2000_SRID)

# Features are only ever stored in and around Vietnam. A bbox or filter
# geometry given in degrees is clipped to this box (lon/lat) before it goes to
# the Transverse Mercator of VN-2000, which PROJ refuses far from its meridian.
SERVICE_AREA_CRS84 = (100.0, 5.0, 112.0, 25.0)


@dataclass(frozen=True)
class ServedCrs:
    """One CRS of the API: its URI, the PostGIS SRID, and whether coordinates are lat/lon (y, x)."""

    uri: str
    srid: int
    lat_lon: bool = False
    # Decimal places of output coordinates: ~1 mm in either degrees or metres.
    digits: int = 3

    @property
    def geographic(self) -> bool:
        return self.srid == WGS84_SRID


SUPPORTED: tuple[ServedCrs, ...] = (
    ServedCrs(CRS84, WGS84_SRID, digits=8),
    ServedCrs(EPSG_URI.format(WGS84_SRID), WGS84_SRID, lat_lon=True, digits=8),
    ServedCrs(EPSG_URI.format(WEB_MERCATOR_SRID), WEB_MERCATOR_SRID),
    ServedCrs(STORAGE_CRS, VN2000_SRID),
)
_BY_URI = {crs.uri: crs for crs in SUPPORTED}
# The same CRSs as clients also spell them (URNs, CURIE-less short forms).
_ALIASES = {
    "urn:ogc:def:crs:OGC:1.3:CRS84": CRS84,
    "urn:ogc:def:crs:OGC::CRS84": CRS84,
    **{f"urn:ogc:def:crs:EPSG::{c.srid}": c.uri for c in SUPPORTED[1:]},
}
URIS: tuple[str, ...] = tuple(crs.uri for crs in SUPPORTED)


def lookup(uri: str | None, parameter: str = "crs") -> ServedCrs:
    """The served CRS for a URI (CRS84 when absent); any other URI is a 400 naming the parameter."""
    if uri is None or uri == "":
        return _BY_URI[CRS84]
    crs = _BY_URI.get(_ALIASES.get(uri, uri))
    if crs is None:
        raise BadRequest(f"'{parameter}': CRS không được hỗ trợ / unsupported CRS {uri[:200]!r}; use one of {URIS}")
    return crs


def storage() -> ServedCrs:
    return _BY_URI[STORAGE_CRS]


def to_xy(crs: ServedCrs, values: tuple[float, ...]) -> tuple[float, ...]:
    """Coordinates pairs in x/y (lon/lat, easting/northing) order, swapping lat/lon CRSs."""
    if not crs.lat_lon:
        return values
    swapped: list[float] = []
    for i in range(0, len(values), 2):
        swapped += [values[i + 1], values[i]]
    return tuple(swapped)
