"""SQL builders for the planning lookup, each returning ``(sql, params)``; all areas in VN-2000 metres.

The parcel is the only input geometry; zones and rights of way are found by
index and intersected in PostGIS, so every area is the one a surveyor would
compute in EPSG:9210.
"""

from __future__ import annotations

from typing import Any

from psycopg import sql

from layers import registry

PARCEL_COLUMNS = ("id", "ward_code", "ward_2025_code", "map_sheet", "parcel_no", "old_map_sheet", "old_parcel_no",
                  "area", "legal_area", "land_use", "address")  # fmt: skip
# A right of way this close (m) to a parcel is listed as adjacent even when it does not cut it.
ADJACENT_M = 0.5


def _columns(prefix: str = "p.") -> sql.Composed:
    return sql.SQL(", ").join(sql.SQL(prefix) + sql.Identifier(c) for c in PARCEL_COLUMNS)


def by_key(ward_codes: list[str], sheet: int, parcel: int) -> tuple[sql.Composed, list[Any]]:
    statement = sql.SQL(
        "SELECT {cols} FROM {parcels} p WHERE p.ward_code = ANY(%s) AND p.map_sheet = %s AND p.parcel_no = %s "
        "ORDER BY p.ward_code"
    ).format(cols=_columns(), parcels=sql.Identifier(registry.PARCELS.table))
    return statement, [ward_codes, sheet, parcel]


def at_point(x: float, y: float, srid: int) -> tuple[sql.Composed, list[Any]]:
    """Parcels containing a point given in WGS84 (4326, lon/lat) or VN-2000 (9210)."""
    statement = sql.SQL(
        "SELECT {cols} FROM {parcels} p WHERE ST_Intersects(p.geom, ST_Transform(ST_SetSRID(ST_MakePoint(%s, %s), %s), "
        "{srid})) ORDER BY ST_Area(p.geom)"
    ).format(cols=_columns(), parcels=sql.Identifier(registry.PARCELS.table), srid=sql.Literal(registry.PARCELS.srid))
    return statement, [x, y, srid]


def by_ids(ids: list[int]) -> tuple[sql.Composed, list[Any]]:
    statement = sql.SQL("SELECT {cols} FROM {parcels} p WHERE p.id = ANY(%s)").format(
        cols=_columns(), parcels=sql.Identifier(registry.PARCELS.table)
    )
    return statement, [ids]


def search(folded: str, limit: int) -> tuple[sql.Composed, dict[str, Any]]:
    """Streets and alleys whose folded name contains the query, parcels whose address starts with it; best first."""
    parts = [
        sql.SQL(
            "(SELECT DISTINCT ON (name) {kind} AS kind, name AS label, NULL::bigint AS parcel_id, "
            "similarity(gis_fold(name), %(q)s) AS score, ST_X(c) AS lon, ST_Y(c) AS lat "
            "FROM (SELECT name, ST_Transform(ST_PointOnSurface(geom), 4326) AS c FROM {table} "
            "WHERE gis_fold(name) LIKE %(like)s) s ORDER BY name, score DESC)"
        ).format(kind=sql.Literal(layer.id), table=sql.Identifier(layer.table))
        for layer in (registry.ROAD_BOUNDARIES, registry.ALLEYS)
    ]
    parts.append(
        sql.SQL(
            "(SELECT 'parcels' AS kind, address AS label, id AS parcel_id, "
            "similarity(gis_fold(address), %(q)s) AS score, ST_X(c) AS lon, ST_Y(c) AS lat FROM (SELECT id, address, "
            "ST_Transform(ST_PointOnSurface(geom), 4326) AS c FROM {table} WHERE gis_fold(address) LIKE %(prefix)s "
            "ORDER BY similarity(gis_fold(address), %(q)s) DESC LIMIT %(limit)s) s)"
        ).format(table=sql.Identifier(registry.PARCELS.table))
    )
    statement = sql.SQL("SELECT * FROM ({}) r ORDER BY score DESC, label LIMIT %(limit)s").format(
        sql.SQL(" UNION ALL ").join(parts)
    )
    escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return statement, {"q": folded, "like": f"%{escaped}%", "prefix": f"{escaped}%", "limit": limit}


def vertices(parcel_id: int) -> tuple[sql.Composed, list[Any]]:
    """Every ring vertex in drawing order (each ring ends with its first point again)."""
    statement = sql.SQL(
        "SELECT d.path[1] AS part, d.path[2] AS ring, ST_X(d.geom) AS e, ST_Y(d.geom) AS n "
        "FROM {parcels} p, ST_DumpPoints(p.geom) d WHERE p.id = %s ORDER BY d.path[1], d.path[2], d.path[3]"
    ).format(parcels=sql.Identifier(registry.PARCELS.table))
    return statement, [parcel_id]


def zones(parcel_id: int) -> tuple[sql.Composed, list[Any]]:
    fields = sql.SQL(", ").join(sql.SQL("z.") + sql.Identifier(f.name) for f in registry.ZONING.public_fields)
    statement = sql.SQL(
        "SELECT {fields}, ST_Area(ST_Intersection(p.geom, z.geom)) AS inside, ST_Area(p.geom) AS parcel_area "
        "FROM {parcels} p JOIN {zoning} z ON ST_Intersects(p.geom, z.geom) WHERE p.id = %s ORDER BY inside DESC"
    ).format(
        fields=fields, parcels=sql.Identifier(registry.PARCELS.table), zoning=sql.Identifier(registry.ZONING.table)
    )
    return statement, [parcel_id]


def _row_source(layer: registry.Layer) -> sql.Composed:
    return sql.SQL(
        "SELECT {kind} AS kind, r.segment_id, r.name, r.row_width, COALESCE(r.setback, 0) AS setback, r.decision_no, "
        "r.geom AS row_geom, CASE WHEN r.centreline IS NULL THEN ST_Buffer(r.geom, COALESCE(r.setback, 0), "
        "'join=mitre') ELSE ST_Buffer(r.centreline, r.row_width / 2 + COALESCE(r.setback, 0), "
        "'endcap=flat join=mitre') END AS line_geom FROM {table} r, p WHERE ST_DWithin(r.geom, p.geom, {near})"
    ).format(kind=sql.Literal(layer.id), table=sql.Identifier(layer.table), near=sql.Literal(ADJACENT_M))


def _parcel_and_rows() -> sql.Composed:
    """`p`: the parcel (id as the parameter); `r`: every road and alley ROW near it with its building-line shape."""
    sources = sql.SQL(" UNION ALL ").join(_row_source(layer) for layer in (registry.ROAD_BOUNDARIES, registry.ALLEYS))
    return sql.SQL("WITH p AS (SELECT geom FROM {parcels} WHERE id = %s), r AS ({sources}) ").format(
        parcels=sql.Identifier(registry.PARCELS.table), sources=sources
    )


def rights_of_way(parcel_id: int) -> tuple[sql.Composed, list[Any]]:
    """Each road/alley ROW near the parcel: area inside it, and what is left behind its building line."""
    statement = _parcel_and_rows() + sql.SQL(
        "SELECT r.kind, r.segment_id, r.name, r.row_width, r.setback, r.decision_no, "
        "ST_Area(ST_Intersection(p.geom, r.row_geom)) AS inside, "
        "ST_Area(ST_Difference(p.geom, r.line_geom)) AS buildable, ST_Distance(p.geom, r.row_geom) AS distance "
        "FROM r, p ORDER BY inside DESC, r.name"
    )
    return statement, [parcel_id]


def totals(parcel_id: int) -> tuple[sql.Composed, list[Any]]:
    """Areas over the union of every ROW (a corner cut by a road and an alley counts once) and of the zones."""
    statement = _parcel_and_rows() + sql.SQL(
        "SELECT ST_Area(p.geom) AS computed, "
        "COALESCE(ST_Area(ST_Intersection(p.geom, (SELECT ST_Union(row_geom) FROM r))), 0) AS in_row, "
        "COALESCE(ST_Area(ST_Difference(p.geom, (SELECT ST_Union(line_geom) FROM r))), ST_Area(p.geom)) AS buildable, "
        "COALESCE(ST_Area(ST_Intersection(p.geom, (SELECT ST_Union(z.geom) FROM {zoning} z "
        "WHERE ST_Intersects(z.geom, p.geom)))), 0) AS zoned, "
        "ST_AsGeoJSON(ST_Transform(p.geom, 4326), 7) AS geojson FROM p"
    ).format(zoning=sql.Identifier(registry.ZONING.table))
    return statement, [parcel_id]


def surroundings_svg(parcel_id: int, margin: float) -> tuple[sql.Composed, dict[str, Any]]:
    """SVG path data (ST_AsSVG, absolute, y flipped) of what lies around a parcel, for the printed sheet's map."""
    layers = [
        (registry.ZONING, "zone"),
        (registry.ROAD_BOUNDARIES, "row"),
        (registry.ALLEYS, "row"),
        (registry.PARCELS, "parcel"),
    ]
    parts = sql.SQL(" UNION ALL ").join(
        sql.SQL(
            "SELECT {kind} AS kind, (t.id = %(id)s AND {is_parcel}) AS selected, ST_AsSVG(t.geom, 0, 2) AS path "
            "FROM {table} t, w WHERE t.geom && w.box"
        ).format(
            kind=sql.Literal(kind),
            is_parcel=sql.Literal(kind == "parcel"),
            table=sql.Identifier(layer.table),
        )
        for layer, kind in layers
    )
    statement = sql.SQL(
        "WITH w AS (SELECT ST_Expand(ST_Envelope(geom), %(margin)s) AS box FROM {parcels} WHERE id = %(id)s) "
        "SELECT kind, selected, path, (SELECT ST_XMin(box) FROM w) AS xmin, (SELECT ST_YMax(box) FROM w) AS ymax, "
        "(SELECT ST_XMax(box) - ST_XMin(box) FROM w) AS width, (SELECT ST_YMax(box) - ST_YMin(box) FROM w) AS height "
        "FROM ({parts}) s"
    ).format(parcels=sql.Identifier(registry.PARCELS.table), parts=parts)
    return statement, {"id": parcel_id, "margin": margin}
