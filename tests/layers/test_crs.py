"""VN-2000 pinned to EPSG:6960 in pyproj and in PostGIS (DOMAIN.md §1 reference point)."""

from __future__ import annotations

import pytest
from django.db import connection
from pyproj.transformer import TransformerGroup

from layers import crs

LON, LAT = 106.6519, 10.8188
EAST, NORTH = 598_424.40, 1_196_560.86
CM = 0.01


def test_python_forward_matches_reference_point() -> None:
    east, north = crs.transformer(4326, 9210).transform(LON, LAT)
    assert east == pytest.approx(EAST, abs=CM)
    assert north == pytest.approx(NORTH, abs=CM)


def test_python_inverse_round_trips() -> None:
    east, north = crs.transformer(4326, 9210).transform(LON, LAT)
    lon, lat = crs.transformer(9210, 4326).transform(east, north)
    assert abs(lon - LON) < 1e-8
    assert abs(lat - LAT) < 1e-8


def test_pinned_definition_equals_epsg_6960_operation() -> None:
    """Our +towgs84 string gives exactly what PROJ's own EPSG:6960 pipeline gives."""
    group = TransformerGroup(4326, 9210, always_xy=True)
    official = [t for t in group.transformers if "VN-2000 to WGS 84 (2)" in t.description]
    assert official, "PROJ database lacks EPSG:6960"
    assert official[0].transform(LON, LAT) == pytest.approx(crs.transformer(4326, 9210).transform(LON, LAT), abs=1e-3)


def test_proj_left_to_itself_is_off_by_most_of_a_metre() -> None:
    """The trap the pinning avoids: PROJ's default choice lands ~0.8 m away."""
    from pyproj import Transformer

    east, north = Transformer.from_crs(4326, 9210, always_xy=True).transform(LON, LAT)
    assert 0.5 < ((east - EAST) ** 2 + (north - NORTH) ** 2) ** 0.5 < 1.2


def test_mis_tagged_vn2000_signature() -> None:
    """VN-2000 coordinates taken as WGS84 (no datum shift) land about 225 m off."""
    from pyproj import CRS, Transformer

    no_shift = CRS.from_proj4("+proj=tmerc +lat_0=0 +lon_0=105.75 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 +units=m")
    east, north = Transformer.from_crs(4326, no_shift, always_xy=True).transform(LON, LAT)
    assert east == pytest.approx(598_620.11, abs=CM)
    assert north == pytest.approx(1_196_448.81, abs=CM)


def _sql_point(sql: str, params: list[float]) -> tuple[float, float]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        x, y = cursor.fetchone()
    return x, y


@pytest.mark.django_db
def test_postgis_forward_matches_reference_point() -> None:
    east, north = _sql_point(
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(%s, %s), 4326), 9210) p) s",
        [LON, LAT],
    )
    assert east == pytest.approx(EAST, abs=CM)
    assert north == pytest.approx(NORTH, abs=CM)


@pytest.mark.django_db
def test_postgis_and_pyproj_agree_to_the_millimetre() -> None:
    for lon, lat in [(106.63, 10.77), (106.65, 10.80), (106.675, 10.835)]:
        sql_xy = _sql_point(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(%s, %s), 4326), 9210) p) s",
            [lon, lat],
        )
        assert sql_xy == pytest.approx(crs.transformer(4326, 9210).transform(lon, lat), abs=1e-3)


@pytest.mark.django_db
def test_postgis_web_mercator_goes_through_the_pinned_shift() -> None:
    mx, my = _sql_point(
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(%s, %s), 9210), 3857) p) s",
        [EAST, NORTH],
    )
    assert (mx, my) == pytest.approx(crs.transformer(4326, 3857).transform(LON, LAT), abs=0.02)
