"""CQL2 (text or JSON) → parameterised SQL over a layer's public fields, through a whitelist of operators.

pygeofilter only parses; the AST is translated here, node type by node
type. A property name is looked up among the layer's public fields and
becomes a psycopg Identifier — never evaluated (GeoServer's CVE-2024-36401
came from evaluating such names) — every value becomes a parameter coerced
to the field's type, and any node not listed below is a 400.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import shapely
from psycopg import sql
from pygeofilter import ast, values
from shapely.geometry import shape

from gis_server.errors import BadRequest
from gis_server.ogc import sql as ogc_sql
from gis_server.ogc.crs import ServedCrs, to_xy
from layers.registry import Kind, Layer

Fragment = ogc_sql.Fragment
MAX_FILTER_CHARS = 20_000
MAX_VERTICES = 10_000
GEOMETRY = "geometry"

_COMPARISONS: dict[type[ast.Node], str] = {
    ast.Equal: "=",
    ast.NotEqual: "<>",
    ast.LessThan: "<",
    ast.LessEqual: "<=",
    ast.GreaterThan: ">",
    ast.GreaterEqual: ">=",
}
# The same comparison read from the other side (5 < area  ==  area > 5).
_MIRRORED = {"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_SPATIAL: dict[type[ast.Node], str] = {
    ast.GeometryIntersects: "ST_Intersects",
    ast.GeometryDisjoint: "ST_Disjoint",
    ast.GeometryWithin: "ST_Within",
    ast.GeometryContains: "ST_Contains",
}
_SWAPPED_SPATIAL = {"ST_Within": "ST_Contains", "ST_Contains": "ST_Within"}


def _invalid(message: str) -> BadRequest:
    return BadRequest(f"'filter' không hợp lệ / invalid filter: {message}")


def parse(text: str, language: str) -> ast.Node:
    """The filter's AST; any syntax problem (or absurd size/nesting) is a 400."""
    from pygeofilter.parsers.cql2_json import parse as parse_json
    from pygeofilter.parsers.cql2_text import parse as parse_text

    if len(text) > MAX_FILTER_CHARS:
        raise _invalid(f"longer than {MAX_FILTER_CHARS} characters")
    try:
        node = parse_json(json.loads(text)) if language == "cql2-json" else parse_text(text)
    except Exception as error:  # lark, json and pygeofilter raise many kinds; all mean "malformed"
        raise _invalid(f"malformed {language} ({type(error).__name__})") from None
    if not isinstance(node, ast.Node):
        raise _invalid("not a condition")
    return node


@dataclass(frozen=True)
class Translator:
    """Translates one filter for one layer; ``crs`` is the filter-crs of geometry literals."""

    layer: Layer
    crs: ServedCrs

    def __call__(self, node: ast.Node) -> Fragment:
        try:
            return self.condition(node)
        except RecursionError:
            raise _invalid("nested too deeply") from None

    def condition(self, node: Any) -> Fragment:
        handler = _HANDLERS.get(type(node))
        if handler is None:
            raise _invalid(f"unsupported operator {type(node).__name__}")
        return handler(self, node)

    # --- operands -------------------------------------------------------
    def field(self, node: Any) -> tuple[sql.Composable, Kind]:
        """A public property (or CASEI/LOWER of one); anything else is refused before SQL is built."""
        if isinstance(node, ast.Function) and node.name.lower() in ("lower", "casei") and len(node.arguments) == 1:
            inner, kind = self.field(node.arguments[0])
            if kind is not Kind.TEXT:
                raise _invalid("CASEI applies to text properties only")
            return sql.SQL("lower({})").format(inner), kind
        if not isinstance(node, ast.Attribute):
            raise _invalid("expected a property name")
        public = {f.name: f for f in self.layer.public_fields}
        if node.name not in public:
            raise BadRequest(f"'filter': thuộc tính không có / unknown property {node.name[:100]!r}")
        return ogc_sql.column(node.name), public[node.name].kind

    def is_field(self, node: Any) -> bool:
        return isinstance(node, ast.Attribute | ast.Function)

    # --- predicates -----------------------------------------------------
    def combination(self, node: ast.Combination) -> Fragment:
        joined, params = ogc_sql.join([self.condition(node.lhs), self.condition(node.rhs)], f" {node.op.value} ")
        return sql.SQL("({})").format(joined), params

    def negation(self, node: ast.Not) -> Fragment:
        inner, params = self.condition(node.sub_node)
        return sql.SQL("NOT ({})").format(inner), params

    def comparison(self, node: ast.Comparison) -> Fragment:
        operator = _COMPARISONS[type(node)]
        lhs, rhs = node.lhs, node.rhs
        if not self.is_field(lhs):
            lhs, rhs, operator = rhs, lhs, _MIRRORED[operator]
        left, kind = self.field(lhs)
        if self.is_field(rhs):
            right, other = self.field(rhs)
            if other is not kind:
                raise _invalid("compared properties have different types")
            return sql.SQL("{} {} {}").format(left, sql.SQL(operator), right), []
        return sql.SQL("{} {} %s").format(left, sql.SQL(operator)), [coerce(kind, literal(rhs))]

    def between(self, node: ast.Between) -> Fragment:
        left, kind = self.field(node.lhs)
        keyword = "NOT BETWEEN" if node.not_ else "BETWEEN"
        return sql.SQL("{} {} %s AND %s").format(left, sql.SQL(keyword)), [
            coerce(kind, literal(node.low)),
            coerce(kind, literal(node.high)),
        ]

    def like(self, node: ast.Like) -> Fragment:
        """CQL2 LIKE patterns (% _ and backslash escapes) mean what PostgreSQL's LIKE means."""
        left, kind = self.field(node.lhs)
        pattern = literal(node.pattern)
        if kind is not Kind.TEXT or not isinstance(pattern, str):
            raise _invalid("LIKE compares a text property with a text pattern")
        keyword = ("NOT " if node.not_ else "") + ("ILIKE" if node.nocase else "LIKE")
        return sql.SQL("{} {} %s").format(left, sql.SQL(keyword)), [pattern]

    def in_list(self, node: ast.In) -> Fragment:
        left, kind = self.field(node.lhs)
        template = "NOT ({} = ANY(%s))" if node.not_ else "{} = ANY(%s)"
        return sql.SQL(template).format(left), [[coerce(kind, literal(value)) for value in node.sub_nodes]]

    def is_null(self, node: ast.IsNull) -> Fragment:
        left, _ = self.field(node.lhs)
        return sql.SQL("{} IS NOT NULL" if node.not_ else "{} IS NULL").format(left), []

    def include(self, node: ast.Include) -> Fragment:
        return sql.SQL("FALSE" if node.not_ else "TRUE"), []

    def spatial(self, node: ast.SpatialComparisonPredicate) -> Fragment:
        function = _SPATIAL[type(node)]
        lhs, rhs = node.lhs, node.rhs
        if not isinstance(lhs, ast.Attribute):
            lhs, rhs, function = rhs, lhs, _SWAPPED_SPATIAL.get(function, function)
        self.geometry_property(lhs)
        literal, params = self.geometry_literal(rhs)
        return sql.SQL("{}(t.geom, {})").format(sql.SQL(function), literal), params

    def bbox(self, node: ast.BBox) -> Fragment:
        self.geometry_property(node.lhs)
        if node.crs is not None:
            raise _invalid("give the CRS with 'filter-crs', not inside BBOX")
        corners = tuple(_number(v) for v in (node.minx, node.miny, node.maxx, node.maxy))
        corners = to_xy(self.crs, corners)
        if corners[0] > corners[2] or corners[1] > corners[3]:
            raise _invalid("bbox min > max (check the axis order of filter-crs)")
        return ogc_sql.intersects(ogc_sql.envelope(corners, self.crs))

    def geometry_property(self, node: Any) -> None:
        if not isinstance(node, ast.Attribute) or node.name != GEOMETRY:
            raise _invalid(f"spatial operators compare the '{GEOMETRY}' property with a geometry literal")

    def geometry_literal(self, node: Any) -> Fragment:
        """A geometry literal checked in Python (shape, size, coordinates), then reprojected in SQL."""
        if isinstance(node, values.Envelope | ast.Function):
            return ogc_sql.envelope(self.bbox_literal(node), self.crs)
        if not isinstance(node, values.Geometry):
            raise _invalid("expected a geometry literal (WKT or GeoJSON)")
        if "crs" in node.geometry:
            raise _invalid("give the CRS with 'filter-crs', not inside the geometry")
        try:
            geometry = shape(node.geometry)
        except Exception:  # shapely rejects malformed GeoJSON in several ways
            raise _invalid("malformed geometry") from None
        geometry = _checked(geometry, self.crs)
        text = sql.SQL("ST_GeomFromGeoJSON(%s)")
        return ogc_sql.in_storage(text, [json.dumps(shapely.geometry.mapping(geometry))], self.crs)

    def bbox_literal(self, node: values.Envelope | ast.Function) -> tuple[float, ...]:
        """``BBOX(minx, miny, maxx, maxy)`` in text, ``{"bbox": [...]}`` in JSON, in x/y order.

        pygeofilter keeps the JSON array in order but names its members
        x1, x2, y1, y2; the four values are read back in that order.
        """
        if isinstance(node, values.Envelope):
            numbers = [node.x1, node.x2, node.y1, node.y2]
        elif node.name.lower() == "bbox" and len(node.arguments) in (4, 6):
            numbers = list(node.arguments)
        else:
            raise _invalid(f"unsupported function {node.name[:50]!r}")
        corners = tuple(_number(v) for v in (numbers[:2] + numbers[3:5] if len(numbers) == 6 else numbers))
        corners = to_xy(self.crs, corners)
        if corners[0] > corners[2] or corners[1] > corners[3]:
            raise _invalid("bbox min > max (check the axis order of filter-crs)")
        return corners


def literal(node: Any) -> Any:
    """A literal, with ``CASEI('Text')`` / ``LOWER('Text')`` folded here rather than in SQL."""
    if isinstance(node, ast.Function) and node.name.lower() in ("lower", "casei") and len(node.arguments) == 1:
        inner = literal(node.arguments[0])
        if isinstance(inner, str):
            return inner.lower()
    return node


def _checked(geometry: shapely.Geometry, crs: ServedCrs) -> shapely.Geometry:
    """Literal geometry in x/y order; small, finite, valid and (in degrees) on the globe."""
    if shapely.get_num_coordinates(geometry) > MAX_VERTICES:
        raise _invalid(f"geometry has more than {MAX_VERTICES} vertices")
    if crs.lat_lon:
        geometry = shapely.transform(geometry, lambda xy: xy[:, ::-1])
    coordinates = shapely.get_coordinates(geometry)
    if geometry.is_empty or not bool(shapely.is_valid(geometry)) or not all(map(math.isfinite, coordinates.flat)):
        raise _invalid("geometry is empty, invalid or not finite")
    if crs.geographic and (abs(coordinates[:, 0]).max() > 180 or abs(coordinates[:, 1]).max() > 90):
        raise _invalid("longitude/latitude out of range (check the axis order of filter-crs)")
    return geometry


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _invalid("expected a number")
    return float(value)


def coerce(kind: Kind, value: Any) -> Any:
    """A literal as the field's type, so PostgreSQL never sees a mismatched comparison; else a 400."""
    if isinstance(value, ast.Node | values.Geometry | values.Envelope | list):
        raise _invalid("expected a literal value")
    if kind is Kind.TEXT:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise _invalid("expected text")
        return str(value)
    if kind is Kind.INTEGER:
        number = _number(value)
        if isinstance(value, float) and not value.is_integer():
            return number
        return int(number) if abs(number) < 2**63 else number
    if kind is Kind.REAL:
        return _number(value)
    return _date(value)


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise _invalid("expected a date (YYYY-MM-DD)") from None


_HANDLERS: dict[type[Any], Callable[[Translator, Any], Fragment]] = {
    ast.And: Translator.combination,
    ast.Or: Translator.combination,
    ast.Not: Translator.negation,
    **dict.fromkeys(_COMPARISONS, Translator.comparison),
    ast.Between: Translator.between,
    ast.Like: Translator.like,
    ast.In: Translator.in_list,
    ast.IsNull: Translator.is_null,
    ast.Include: Translator.include,
    **dict.fromkeys(_SPATIAL, Translator.spatial),
    ast.BBox: Translator.bbox,
}
