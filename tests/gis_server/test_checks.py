"""System checks: versions and the pinned VN-2000 SRID, each failure with a hint."""

from __future__ import annotations

import pytest
from django.core.checks import Error
from django.db import connection, transaction

from gis_server import checks


def test_parse_version() -> None:
    assert checks.parse_version("3.11.1-CAPI-1.17.1") == (3, 11, 1)
    assert checks.parse_version("3.6.2, released 2023/01/02") == (3, 6, 2)
    assert checks.parse_version("9.1.1") == (9, 1, 1)


def test_library_checks_pass_here() -> None:
    assert checks.check_libraries() == []


def test_too_old_library_is_an_error_with_a_hint() -> None:
    messages = checks._minimum("GDAL", "2.4.0", (3, 4), "Install gdal-bin.", "gis.E001")
    assert len(messages) == 1
    assert isinstance(messages[0], Error)
    assert messages[0].hint


@pytest.mark.django_db
def test_database_checks_pass_on_the_migrated_database() -> None:
    assert checks.check_database(databases=["default"]) == []


@pytest.mark.django_db
def test_srid_left_to_proj_is_reported() -> None:
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE spatial_ref_sys SET auth_name = 'EPSG', auth_srid = 9210 WHERE srid = 9210")
        ids = [m.id for m in checks.check_database(databases=["default"])]
        transaction.set_rollback(True)
    assert ids == ["gis.E011"]


@pytest.mark.django_db
def test_missing_srid_is_reported() -> None:
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM spatial_ref_sys WHERE srid = 9210")
        ids = [m.id for m in checks.check_database(databases=["default"])]
        transaction.set_rollback(True)
    assert ids == ["gis.E010"]
