"""The items parameters we own, parsed and checked before any SQL is built.

pygeoapi would reproject ``bbox`` and filter geometries with pyproj (not the
pinned VN-2000 shift), reads a ``filter`` as CQL2 text whatever
``filter-lang`` says and pages only with OFFSET. So these parameters are parsed
here — every property name against the layer's PUBLIC fields, every bad value
a 400 — and handed to our provider; pygeoapi still validates ``limit``,
``offset`` and ``crs`` and builds the response around them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass

from psycopg import sql

from gis_server.errors import BadRequest
from gis_server.ogc import cql
from gis_server.ogc import crs as ogc_crs
from gis_server.ogc import sql as ogc_sql
from gis_server.ogc.crs import ServedCrs
from layers.registry import Kind, Layer

# Parameters pygeoapi must not act on itself (see the module docstring).
OWNED = frozenset(
    {"bbox", "bbox-crs", "filter", "filter-lang", "filter-crs", "sortby", "properties", "skipGeometry", "cursor"}
)
FILTER_LANGUAGES = ("cql2-text", "cql2-json")


@dataclass(frozen=True)
class ItemsRequest:
    """A checked items request: SQL conditions, order, selected properties, keyset cursor, output CRS."""

    layer: Layer
    where: tuple[ogc_sql.Fragment, ...]
    order: tuple[tuple[str, bool], ...]
    properties: tuple[str, ...]
    skip_geometry: bool
    after_id: int | None
    out: ServedCrs
    filtered: bool
    query: tuple[tuple[str, str], ...]
    url: str

    def selection(self, limit: int, offset: int) -> ogc_sql.Selection:
        return ogc_sql.Selection(
            layer=self.layer,
            out=self.out,
            properties=self.properties,
            skip_geometry=self.skip_geometry,
            where=self.where,
            order=self.order,
            after_id=self.after_id,
            limit=limit,
            offset=offset,
        )


def _public(layer: Layer) -> dict[str, Kind]:
    return {f.name: f.kind for f in layer.public_fields}


def _unknown(parameter: str, name: str) -> BadRequest:
    # The same answer for a private and a missing name: nothing to learn from probing.
    return BadRequest(f"'{parameter}': thuộc tính không có / unknown property {name[:100]!r}")


def bbox(query: Mapping[str, str]) -> ogc_sql.Fragment | None:
    text = query.get("bbox")
    if text is None:
        return None
    crs = ogc_crs.lookup(query.get("bbox-crs"), "bbox-crs")
    try:
        numbers = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise BadRequest("'bbox' phải là 4 số / 'bbox' must be 4 numbers") from None
    if len(numbers) not in (4, 6) or not all(map(math.isfinite, numbers)):
        raise BadRequest("'bbox' phải là 4 số / 'bbox' must be 4 (or 6) finite numbers")
    corners = ogc_crs.to_xy(crs, numbers[:2] + numbers[3:5] if len(numbers) == 6 else numbers)
    if corners[0] > corners[2] or corners[1] > corners[3]:
        raise BadRequest("'bbox': min > max (check the axis order of bbox-crs)")
    if crs.geographic and (max(map(abs, corners[::2])) > 180 or max(map(abs, corners[1::2])) > 90):
        raise BadRequest("'bbox': longitude/latitude out of range (check the axis order of bbox-crs)")
    return ogc_sql.intersects(ogc_sql.envelope(corners, crs))


def filter_(layer: Layer, query: Mapping[str, str]) -> ogc_sql.Fragment | None:
    text = query.get("filter")
    language = query.get("filter-lang") or "cql2-text"
    if language not in FILTER_LANGUAGES:
        raise BadRequest(f"'filter-lang' must be one of {FILTER_LANGUAGES}")
    crs = ogc_crs.lookup(query.get("filter-crs"), "filter-crs")
    if text is None:
        return None
    return cql.Translator(layer, crs)(cql.parse(text, language))


def sortby(layer: Layer, query: Mapping[str, str]) -> tuple[tuple[str, bool], ...]:
    """``sortby=-area,map_sheet``; a '+' arrives as a space once the URL is decoded."""
    public = _public(layer)
    keys: list[tuple[str, bool]] = []
    for token in (query.get("sortby") or "").split(","):
        descending = token.strip().startswith("-")
        name = token.strip().lstrip("+-").strip()
        if not name:
            continue
        if name not in public:
            raise _unknown("sortby", name)
        keys.append((name, descending))
    return tuple(keys)


def properties(layer: Layer, query: Mapping[str, str]) -> tuple[str, ...]:
    public = _public(layer)
    if "properties" not in query:
        return tuple(public)
    names = [name.strip() for name in (query.get("properties") or "").split(",") if name.strip()]
    for name in names:
        if name not in public:
            raise _unknown("properties", name)
    return tuple(dict.fromkeys(names))


def flag(query: Mapping[str, str], name: str) -> bool:
    text = (query.get(name) or "false").strip().lower()
    if text not in ("true", "false", "1", "0"):
        raise BadRequest(f"'{name}' must be true or false")
    return text in ("true", "1")


def cursor(query: Mapping[str, str]) -> int | None:
    text = query.get("cursor")
    if text is None:
        return None
    if not text.isdigit() or len(text) > 18:
        raise BadRequest("'cursor' không hợp lệ / invalid cursor (use the 'next' link)")
    return int(text)


def equalities(layer: Layer, query: Mapping[str, str]) -> list[ogc_sql.Fragment]:
    """``?land_use=ODT``: a public property given as a query parameter must equal the value."""
    parts: list[ogc_sql.Fragment] = []
    for name, kind in _public(layer).items():
        if name in query:
            parts.append((ogc_sql.column(name) + sql.SQL(" = %s"), [_typed(name, kind, query[name])]))
    return parts


def _typed(name: str, kind: Kind, text: str) -> str | int | float | dt.date:
    try:
        match kind:
            case Kind.INTEGER:
                return int(text)
            case Kind.REAL:
                return float(text)
            case Kind.DATE:
                return dt.date.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"'{name}' has the wrong type ({kind.value})") from None
    return text


def items_request(layer: Layer, query: Mapping[str, str], url: str) -> ItemsRequest:
    """Everything above for one request (``url``: the items URL for links); the first bad parameter is the 400."""
    where = [part for part in (bbox(query), filter_(layer, query)) if part is not None]
    where += equalities(layer, query)
    order = sortby(layer, query)
    after_id = cursor(query)
    if order and after_id is not None:
        raise BadRequest("'cursor' pages in id order; with 'sortby' use 'offset'")
    return ItemsRequest(
        layer=layer,
        where=tuple(where),
        order=order,
        properties=properties(layer, query),
        skip_geometry=flag(query, "skipGeometry"),
        after_id=after_id,
        out=ogc_crs.lookup(query.get("crs"), "crs"),
        filtered=bool(where),
        query=tuple(query.items()),
        url=url,
    )
