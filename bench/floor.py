"""``python -m bench.floor FILE --table T --dsn CONNINFO``: the bare floor of a load, for comparison.

What any loader of this file must at least do, done the cheapest plain way:
read the columns with pyogrio (GDAL's Arrow stream, its fastest way and the
one the loader uses), reproject with the same pinned transformer
as the loader (``layers.crs``, EPSG:6960), and COPY (binary) EWKB plus the
attributes as they are into a new plain table — no decoding, field mapping,
validation, district check, staging, swap, indexes or history. The table is
logged (not UNLOGGED) because the loader's tables are: the floor skips work,
never durability. It runs as its own process so its start-up and memory are
measured exactly like the other contenders'.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np
import psycopg
import pyogrio.raw
import shapely
from psycopg import sql
from psycopg.adapt import PyFormat

from layers.crs import VN2000_SRID, WGS84_SRID, transformer


def to_vn2000_ewkb(wkb: np.ndarray) -> np.ndarray:
    """WGS84 WKB → EWKB in VN-2000 TM-3 through the pinned Helmert, vectorised."""
    shift = transformer(WGS84_SRID, VN2000_SRID)
    geoms = shapely.transform(shapely.from_wkb(wkb), lambda xy: np.column_stack(shift.transform(xy[:, 0], xy[:, 1])))
    return shapely.to_wkb(shapely.set_srid(geoms, VN2000_SRID), include_srid=True)


# Binary COPY, as the loader does: geometries as EWKB (PostGIS's binary input), numbers as numbers.
WIRE_TYPES = {"bigint": "int8", "double precision": "float8", "text": "text"}


def sql_type(values: np.ndarray) -> str:
    """The column type from what pyogrio returned (integer columns with nulls come back as floats)."""
    if np.issubdtype(values.dtype, np.integer):
        return "bigint"
    if np.issubdtype(values.dtype, np.floating):
        return "double precision"
    return "text"


def as_list(values: np.ndarray) -> list[Any]:
    """COPY wants None for NULL: NaN marks a missing number in pyogrio's raw arrays."""
    if np.issubdtype(values.dtype, np.floating):
        objects = values.astype(object)
        objects[np.isnan(values)] = None
        return objects.tolist()
    return values.tolist()


def create(table: str, names: list[str], types: list[str]) -> sql.Composed:
    columns = [sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL(t)) for n, t in zip(names, types, strict=True)]
    columns.append(sql.SQL("geom geometry(MultiPolygon, {})").format(sql.Literal(VN2000_SRID)))
    return sql.SQL("CREATE TABLE {} ({})").format(sql.Identifier(table), sql.SQL(", ").join(columns))


def load(path: str, table: str, dsn: str) -> int:
    """Read, reproject and COPY in one transaction; returns the number of rows written."""
    meta, read = pyogrio.raw.read_arrow(path, return_fids=True)
    names = ["fid", *(str(n) for n in meta["fields"])]
    arrays: list[np.ndarray] = [read.column(meta["fid_column"]).to_numpy()]
    arrays += [np.asarray(read.column(n).to_numpy(zero_copy_only=False)) for n in names[1:]]
    wkb = read.column(meta["geometry_name"] or "wkb_geometry").to_numpy(zero_copy_only=False)
    del read
    columns = [as_list(a) for a in arrays]
    columns.append(to_vn2000_ewkb(wkb).tolist())
    rows: Iterator[tuple[Any, ...]] = zip(*columns, strict=True)
    with psycopg.connect(dsn) as conn, conn.cursor() as cursor:
        cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))
        cursor.execute(create(table, names, [sql_type(a) for a in arrays]))
        target = sql.SQL(", ").join(map(sql.Identifier, [*names, "geom"]))
        statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(sql.Identifier(table), target)
        # set_types finds dumpers by OID, and psycopg 3.3's for bytea is a Python class (dbapi20's): the loader
        # registers the C one again on its COPY cursor (loaders/swap.py), so the floor does the same.
        cursor.adapters.register_dumper(bytes, cursor.adapters.get_dumper(bytes, PyFormat.BINARY))
        with cursor.copy(statement) as copy:
            copy.set_types([*(WIRE_TYPES[sql_type(a)] for a in arrays), "bytea"])
            for row in rows:
                copy.write_row(row)
    return len(wkb)


def main(argv: list[str] | None = None) -> int:
    """Arguments only; prints nothing, so its output never costs it time."""
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description="Bare floor of a parcel load.")
    parser.add_argument("file")
    parser.add_argument("--table", required=True)
    parser.add_argument("--dsn", required=True, help="libpq conninfo; the password, if any, in PGPASSWORD")
    args = parser.parse_args(argv)
    load(args.file, args.table, args.dsn)
    return 0


if __name__ == "__main__":
    sys.exit(main())
