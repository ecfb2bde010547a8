"""Our pygeoapi feature provider for the registry's PostGIS tables.

pygeoapi's stock PostgreSQL provider converts every geometry and CRS in
Python, pages with OFFSET and counts every request. This one asks PostGIS
for finished GeoJSON (``ST_AsGeoJSON(ST_Transform(...))``), pages by keyset
(``id > cursor``) unless a sort order is asked for, counts only on a first
page, and answers large unfiltered collections from the planner's estimate.
pygeoapi builds one per request (``load_plugin``), so construction touches
no database.
"""

from __future__ import annotations

import json
from contextvars import ContextVar
from typing import Any
from urllib.parse import urlencode

from django.db import DataError, connection
from pygeoapi.provider.base import (
    BaseProvider,
    ProviderInvalidQueryError,
    ProviderItemNotFoundError,
    ProviderQueryError,
    SchemaType,
)

from gis_server.ogc import crs as ogc_crs
from gis_server.ogc import sql as ogc_sql
from gis_server.ogc.params import ItemsRequest
from layers import registry
from layers.registry import Field, Kind

# The checked items request of the current request/thread, set by views.items.
CURRENT: ContextVar[ItemsRequest | None] = ContextVar("ogc_items_request", default=None)
# Below this many rows (planner estimate) an unfiltered collection is counted exactly.
EXACT_COUNT_BELOW = 100_000

_JSON_TYPES = {Kind.TEXT: "string", Kind.INTEGER: "integer", Kind.REAL: "number", Kind.DATE: "string"}


def field_schema(spec: Field) -> dict[str, Any]:
    """JSON Schema of one public property, titled in Vietnamese and described in English."""
    schema: dict[str, Any] = {"type": _JSON_TYPES[spec.kind], "title": spec.title_vi, "description": spec.title_en}
    if spec.kind is Kind.DATE:
        schema["format"] = "date"
    return schema


def _rows(fragment: ogc_sql.Fragment) -> list[tuple[Any, ...]]:
    statement, params = fragment
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            return list(cursor.fetchall())
    except DataError as error:  # a value PostgreSQL cannot use (the checks above should have caught it)
        raise ProviderInvalidQueryError(user_msg="Giá trị không hợp lệ / invalid value in the query") from error


class PostGISProvider(BaseProvider):
    """Features of one registry layer (``data`` is the layer id); public fields only."""

    def __init__(self, provider_def: dict[str, Any]) -> None:
        super().__init__(provider_def)
        self.layer = registry.get(self.data)
        self.id_field = "id"
        self.exact_count_below = int(provider_def.get("exact_count_below", EXACT_COUNT_BELOW))
        self._fields = {spec.name: field_schema(spec) for spec in self.layer.public_fields}

    def get_fields(self) -> dict[str, Any]:
        return self._fields

    def get_schema(self, schema_type: SchemaType = SchemaType.item) -> tuple[str, dict[str, Any]]:
        properties = {name: dict(schema) for name, schema in self._fields.items()}
        return "application/geo+json", {"type": "object", "properties": properties}

    def query(self, offset: int = 0, limit: int = 10, resulttype: str = "results", **kwargs: Any) -> dict[str, Any]:
        """One page; bbox, filter, sortby, properties, CRS come from our checked request, not pygeoapi's kwargs."""
        request = CURRENT.get()
        if request is None or request.layer.id != self.layer.id:
            raise ProviderQueryError(user_msg="items are served through gis_server.ogc.views only")
        selection = request.selection(limit, offset)
        matched = self.matched(request, selection) if request.after_id is None else None
        content: dict[str, Any] = {"type": "FeatureCollection", "features": []}
        if matched is not None:
            content["numberMatched"] = matched
        if resulttype == "hits":
            return content
        rows = _rows(ogc_sql.items(selection))
        content["features"] = json.loads("[" + ",".join(row[1] for row in rows[:limit]) + "]")
        content["numberReturned"] = len(content["features"])
        if len(rows) > limit:
            content["links"] = [next_link(request, last_id=rows[limit - 1][0], offset=offset + limit)]
        return content

    def matched(self, request: ItemsRequest, selection: ogc_sql.Selection) -> int:
        """numberMatched: the planner's estimate for a large unfiltered collection, else an exact count."""
        if not request.filtered:
            estimate = int(_rows(ogc_sql.estimated_rows(self.layer))[0][0] or 0)
            if estimate >= self.exact_count_below:
                return estimate
        return int(_rows(ogc_sql.count(selection))[0][0])

    def get(self, identifier: Any, crs_transform_spec: Any = None, **kwargs: Any) -> dict[str, Any]:
        """One feature, in the requested CRS (pygeoapi passes no spec when it is the storage CRS)."""
        text = str(identifier)
        if not text.isdigit() or len(text) > 18:
            raise ProviderItemNotFoundError(user_msg="identifier not found")
        out = ogc_crs.lookup(crs_transform_spec.target_crs_uri) if crs_transform_spec else ogc_crs.storage()
        selection = ogc_sql.Selection(layer=self.layer, out=out, properties=tuple(self._fields))
        rows = _rows(ogc_sql.feature(selection, int(text)))
        if not rows:
            raise ProviderItemNotFoundError(user_msg="identifier not found")
        feature: dict[str, Any] = json.loads(rows[0][1])
        return feature


def next_link(request: ItemsRequest, last_id: int, offset: int) -> dict[str, str]:
    """Keyset (``cursor``) when ordered by id, which stays fast at any depth; OFFSET under a sortby."""
    query = {k: v for k, v in request.query if k not in ("offset", "cursor")}
    if request.order:
        query["offset"] = str(offset)
    else:
        query["cursor"] = str(last_id)
    html = query.get("f") == "html"
    return {
        "rel": "next",
        "type": "text/html" if html else "application/geo+json",
        "title": "Trang sau / Next page",
        "href": f"{request.url}?{urlencode(query)}",
    }
