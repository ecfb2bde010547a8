"""A load's COPY sends geometries through psycopg's C bytes dumper, not dbapi20's Python subclass."""

from __future__ import annotations

import pytest
from django.db import connection
from psycopg.pq import Format

from loaders.swap import _c_bytes_dumper


@pytest.mark.django_db
def test_the_copy_cursor_dumps_geometries_with_psycopgs_c_dumper() -> None:
    """COPY's set_types looks dumpers up by OID; for bytea psycopg (3.3) answers with dbapi20's Python class, one
    Python call per geometry. The load's cursor (that one only) gets the C dumper back."""
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        bytea = cursor.adapters.types["bytea"].oid
        assert cursor.adapters.get_dumper_by_oid(bytea, Format.BINARY).__module__ == "psycopg.dbapi20"
        _c_bytes_dumper(cursor)
        assert cursor.adapters.get_dumper_by_oid(bytea, Format.BINARY).__module__.startswith("psycopg_binary")
    with connection.cursor() as other:
        assert other.cursor.adapters.get_dumper_by_oid(bytea, Format.BINARY).__module__ == "psycopg.dbapi20"
