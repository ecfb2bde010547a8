"""Named SQL builders for the OGC API, each returning ``(sql, params)``.

Features leave PostGIS as GeoJSON text already reprojected (``ST_Transform``
uses the pinned VN-2000 row, so results agree with ``layers/crs.py``), which
spares pygeoapi's per-geometry Python conversion. Identifiers come only from
the registry; every value is a parameter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from psycopg import sql

from gis_server.ogc.crs import SERVICE_AREA_CRS84, ServedCrs
from layers import registry
from layers.crs import VN2000_SRID, WEB_MERCATOR_SRID, WGS84_SRID
from layers.registry import Layer

Fragment = tuple[sql.Composable, list[Any]]
# Longest straight segment (degrees, metres) of an input geometry before it is
# reprojected, so a long edge follows its own CRS rather than VN-2000's grid.
_DENSIFY = {WGS84_SRID: 0.001, WEB_MERCATOR_SRID: 100.0}


@dataclass(frozen=True)
class Selection:
    """What one items request selects: conditions, order, page, output CRS and properties."""

    layer: Layer
    out: ServedCrs
    properties: tuple[str, ...]
    skip_geometry: bool = False
    where: tuple[Fragment, ...] = ()
    order: tuple[tuple[str, bool], ...] = ()  # (field, descending); id always breaks ties
    after_id: int | None = None
    limit: int = 100
    offset: int = 0


def join(parts: Sequence[Fragment], separator: str) -> Fragment:
    """Several fragments as one, their parameters in the same order as their SQL."""
    params: list[Any] = []
    for _, values in parts:
        params += values
    return sql.SQL(separator).join(part for part, _ in parts), params


def column(name: str) -> sql.Composable:
    return sql.SQL("t.") + sql.Identifier(name)


def in_storage(geometry: sql.Composable, params: list[Any], crs: ServedCrs) -> Fragment:
    """An input geometry (in ``crs``, x/y order) as VN-2000, clipped to the service area before it is projected.

    PROJ refuses Transverse Mercator far from its meridian, so a world-wide
    bbox would fail; every feature lies inside the service area anyway.
    """
    if crs.srid == VN2000_SRID:
        return sql.SQL("ST_SetSRID({}, {})").format(geometry, sql.Literal(VN2000_SRID)), params
    area = sql.SQL("ST_MakeEnvelope({}, {}, {}, {}, 4326)").format(*map(sql.Literal, SERVICE_AREA_CRS84))
    if crs.srid == WEB_MERCATOR_SRID:
        area = sql.SQL("ST_Transform({}, 3857)").format(area)
    statement = sql.SQL(
        "ST_Transform(ST_Segmentize(ST_Intersection(ST_SetSRID({g}, {srid}), {area}), {step}), {storage})"
    ).format(
        g=geometry,
        srid=sql.Literal(crs.srid),
        area=area,
        step=sql.Literal(_DENSIFY[crs.srid]),
        storage=sql.Literal(VN2000_SRID),
    )
    return statement, params


def envelope(bbox: tuple[float, ...], crs: ServedCrs) -> Fragment:
    """A bbox (x/y order) as a VN-2000 polygon."""
    return in_storage(sql.SQL("ST_MakeEnvelope(%s, %s, %s, %s)"), list(bbox[:4]), crs)


def intersects(area: Fragment) -> Fragment:
    return sql.SQL("ST_Intersects(t.geom, {})").format(area[0]), area[1]


def _geometry_json(selection: Selection) -> sql.Composable:
    if selection.skip_geometry:
        return sql.SQL("NULL::json")
    geometry: sql.Composable = sql.SQL("t.geom")
    if selection.out.srid != selection.layer.srid:
        geometry = sql.SQL("ST_Transform(t.geom, {})").format(sql.Literal(selection.out.srid))
    if selection.out.lat_lon:
        geometry = sql.SQL("ST_FlipCoordinates({})").format(geometry)
    # Options 0: no "crs" member, which PostGIS would look up as auth_name:auth_srid — the pinned 9210 row has none.
    return sql.SQL("ST_AsGeoJSON({}, {}, 0)::json").format(geometry, sql.Literal(selection.out.digits))


def _feature(selection: Selection) -> sql.Composable:
    """One GeoJSON Feature per row, built by PostgreSQL; only the selected public properties."""
    pairs = [sql.SQL("{}, {}").format(sql.Literal(name), column(name)) for name in selection.properties]
    return sql.SQL(
        "json_build_object('type', 'Feature', 'id', t.id, 'geometry', {geometry}, "
        "'properties', json_build_object({pairs}))::text"
    ).format(geometry=_geometry_json(selection), pairs=sql.SQL(", ").join(pairs))


def _conditions(selection: Selection, *, paging: bool) -> Fragment:
    parts = list(selection.where)
    if paging and selection.after_id is not None:
        parts.append((sql.SQL("t.id > %s"), [selection.after_id]))
    if not parts:
        return sql.SQL(""), []
    condition, params = join(parts, " AND ")
    return sql.SQL(" WHERE ") + condition, params


def _order(selection: Selection) -> sql.Composable:
    keys = [column(name) + sql.SQL(" DESC" if descending else " ASC") for name, descending in selection.order]
    return sql.SQL(", ").join([*keys, sql.SQL("t.id ASC")])


def items(selection: Selection) -> Fragment:
    """One page plus one row (to know whether there is a next page): id and Feature JSON text per row."""
    where, params = _conditions(selection, paging=True)
    statement = sql.SQL("SELECT t.id, {feature} FROM {table} t{where} ORDER BY {order} LIMIT %s OFFSET %s").format(
        feature=_feature(selection),
        table=sql.Identifier(selection.layer.table),
        where=where,
        order=_order(selection),
    )
    return statement, [*params, selection.limit + 1, selection.offset]


def feature(selection: Selection, feature_id: int) -> Fragment:
    """One feature by its id."""
    statement = sql.SQL("SELECT t.id, {feature} FROM {table} t WHERE t.id = %s").format(
        feature=_feature(selection), table=sql.Identifier(selection.layer.table)
    )
    return statement, [feature_id]


def count(selection: Selection) -> Fragment:
    """Exact number of rows matching the conditions (paging ignored)."""
    where, params = _conditions(selection, paging=False)
    statement = sql.SQL("SELECT count(*) FROM {table} t{where}").format(
        table=sql.Identifier(selection.layer.table), where=where
    )
    return statement, params


def estimated_rows(layer: Layer) -> Fragment:
    """The planner's row estimate (-1 or 0 before the first ANALYZE): free, unlike count(*)."""
    return sql.SQL("SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)"), [layer.table]


def extents() -> Fragment:
    """Every layer's extent in CRS84: the VN-2000 box, densified, reprojected, boxed again (so it covers all)."""
    parts = [
        sql.SQL(
            "SELECT {id}::text, ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM (SELECT ST_Extent(ST_Transform("
            "ST_Segmentize(box, 50), 4326)) AS b FROM (SELECT ST_SetSRID(ST_Extent(geom)::geometry, {srid}) AS box "
            "FROM {table}) s) e"
        ).format(id=sql.Literal(layer.id), srid=sql.Literal(layer.srid), table=sql.Identifier(layer.table))
        for layer in registry.LAYERS
    ]
    return sql.SQL(" UNION ALL ").join(parts), []
