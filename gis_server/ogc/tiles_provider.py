"""Our pygeoapi tile provider: OGC API - Tiles (WebMercatorQuad, MVT) over the project's own vector tiles.

Tiles are rendered and cached in this process by ``tile_cache.service`` —
the very bytes ``/tiles/{layer}/{z}/{x}/{y}.mvt`` serves — never fetched
over HTTP from ourselves (a sync worker waiting on itself would deadlock).
pygeoapi builds one provider per request (``load_plugin``), so construction
touches no database; the zoom range and the data's CRS84 box come in the
provider definition (``config.tile_provider``, refreshed with the extents).
"""

from __future__ import annotations

from typing import Any

import morecantile
from pygeoapi.models.provider.base import TileMatrixSetEnum, TilesMetadataFormat
from pygeoapi.provider.tile import BaseTileProvider, ProviderTileNotFoundError, ProviderTilesetIdNotFoundError

from gis_server.errors import NotFound
from gis_server.ogc import crs as ogc_crs
from gis_server.ogc.provider import field_schema
from layers import registry
from layers.registry import Geometry
from tile_cache import grid, keeper, service, styles, tilejson
from tile_cache.replies import MVT_TYPE

SCHEME = "WebMercatorQuad"
MVT_NAME = "mvt"
TILING_SCHEME_REL = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"


def scheme() -> Any:
    """pygeoapi's description of WebMercatorQuad (its ``TileMatrixSetEnum`` member's value)."""
    return next(e.value for e in TileMatrixSetEnum if e.value.tileMatrixSet == SCHEME)


OGC_TEMPLATE = "{tileMatrix}/{tileRow}/{tileCol}"
XYZ_TEMPLATE = "{z}/{y}/{x}"  # TileJSON's variable names; WebMercatorQuad's tileMatrix/tileRow/tileCol are z/y/x


def tile_url(base_url: str, dataset: str, template: str = OGC_TEMPLATE) -> str:
    """The templated tile address, with OGC API variable names unless told otherwise."""
    return f"{base_url}/collections/{dataset}/tiles/{SCHEME}/{template}?f={MVT_NAME}"


def matrix_limits(bbox: list[float], min_zoom: int, max_zoom: int) -> list[dict[str, Any]]:
    """Per zoom level, the rows and columns the data's CRS84 box touches (clients need not probe the world)."""
    tms = grid.tms()
    west, south, east, north = bbox
    limits = []
    for z in range(min_zoom, max_zoom + 1):
        upper_left: morecantile.Tile = tms.tile(west, north, z)
        lower_right: morecantile.Tile = tms.tile(east, south, z)
        limits.append(
            {
                "tileMatrix": str(z),
                "minTileRow": upper_left.y,
                "maxTileRow": lower_right.y,
                "minTileCol": upper_left.x,
                "maxTileCol": lower_right.x,
            }
        )
    return limits


def _parse_address(z: Any, y: Any, x: Any) -> tuple[int, int, int]:
    try:
        return int(z), int(y), int(x)
    except (TypeError, ValueError) as error:
        raise ProviderTileNotFoundError(user_msg="Tile not found") from error


class RegistryTileProvider(BaseTileProvider):
    """One registry layer's vector tiles (``data`` is the layer id, which is also its tileset id)."""

    def __init__(self, provider_def: dict[str, Any]) -> None:
        super().__init__(provider_def)
        self.tile_type = "vector"
        self.layer = registry.get(self.data)

    def __repr__(self) -> str:
        return f"<RegistryTileProvider> {self.data}"

    @property
    def min_zoom(self) -> int:
        return int(self.options["zoom"]["min"])

    @property
    def max_zoom(self) -> int:
        return int(self.options["zoom"]["max"])

    def get_layer(self) -> str:
        """The MVT layer name inside each tile: the registry id, as in ``/tiles``."""
        return str(self.layer.id)

    def get_fields(self) -> dict[str, Any]:
        """The properties a tile carries: the id, the layer's tiled public fields and the derived class code."""
        return {"id": {"type": "integer"}, **{f.name: field_schema(f) for f in styles.tile_fields(self.layer)}}

    def get_tiling_schemes(self) -> list[Any]:
        return [scheme()]

    def get_tiles_service(
        self, baseurl: str | None = None, servicepath: str | None = None, dirpath: str | None = None,
        tile_type: str | None = None,
    ) -> dict[str, list[dict[str, Any]]]:  # fmt: skip
        """Links for the tilesets list: the WebMercatorQuad tile template and its TileJSON (working URLs)."""
        dataset = self.layer.id
        tileset = f"{baseurl}/collections/{dataset}/tiles/{SCHEME}"
        return {
            "links": [
                {"rel": "item", "type": MVT_TYPE, "templated": True, "title": f"{dataset} {SCHEME} vector tiles",
                 "href": tile_url(str(baseurl), dataset)},
                {"rel": "describedby", "type": "application/json", "title": f"{dataset} TileJSON",
                 "href": f"{tileset}/metadata?f=tilejson"},
            ]
        }  # fmt: skip

    def get_tiles(
        self, layer: str | None = None, tileset: str | None = None, z: Any = None, y: Any = None, x: Any = None,
        format_: str | None = None,
    ) -> bytes | None:  # fmt: skip
        """The tile's bytes, None for an empty tile (pygeoapi answers 204); out of range raises (404)."""
        if tileset != SCHEME:
            raise ProviderTilesetIdNotFoundError(user_msg=f"Only {SCHEME} is offered")
        zoom, row, col = _parse_address(z, y, x)
        try:  # the address is checked (matrix, the layer's zoom range) by tile_cache.grid
            found = service.get_tile(self.layer.id, zoom, col, row)
        except NotFound as error:
            raise ProviderTileNotFoundError(user_msg=error.user_message) from error
        # Stored by the keeper's thread: pygeoapi gives a provider no hook past the return, and the answer need not
        # wait for the store.
        keeper.keep_soon(found)
        return found.data or None

    def get_metadata(
        self, dataset: str, server_url: str, layer: str | None = None, tileset: str | None = None,
        metadata_format: str | None = None, title: str | None = None, description: str | None = None,
        keywords: list[str] | None = None, **kwargs: Any,
    ) -> dict[str, Any]:  # fmt: skip
        """Tileset metadata (OGC JSON, the default), TileJSON 3.0, or what pygeoapi's HTML template reads."""
        wanted = (metadata_format or TilesMetadataFormat.JSON).upper()
        if wanted == TilesMetadataFormat.TILEJSON:
            return tilejson.document(self.layer.id, tile_url(server_url, dataset, XYZ_TEMPLATE))
        if wanted == TilesMetadataFormat.HTML:
            return self._html_metadata(dataset, server_url, title)
        return self.tileset_metadata(dataset, server_url, title, description)

    def _html_metadata(self, dataset: str, server_url: str, title: str | None) -> dict[str, Any]:
        metadata_url = f"{server_url}/collections/{dataset}/tiles/{SCHEME}/metadata"
        return {
            "id": dataset,
            "title": title,
            "tileset": SCHEME,
            "collections_path": tile_url(server_url, dataset),
            "json_url": f"{metadata_url}?f=json",
            "tilejson_url": f"{metadata_url}?f=tilejson",
            "metadata": {"minzoom": self.min_zoom, "maxzoom": self.max_zoom, "fields": ", ".join(self.get_fields())},
        }

    def tileset_metadata(
        self, dataset: str, server_url: str, title: str | None, description: str | None
    ) -> dict[str, Any]:
        """The OGC API - Tiles tileset document (built by hand: pygeoapi's model has single-valued limits)."""
        bbox = [float(v) for v in self.options["bbox"]]
        tms = scheme()
        return {
            "title": title,
            "description": description,
            "dataType": "vector",
            "crs": tms.crs,
            "tileMatrixSetURI": tms.tileMatrixSetURI,
            "mediaTypes": [MVT_TYPE],
            "boundingBox": {"lowerLeft": bbox[:2], "upperRight": bbox[2:], "crs": ogc_crs.CRS84},
            "tileMatrixSetLimits": matrix_limits(bbox, self.min_zoom, self.max_zoom),
            "layers": [self._layer_metadata(title, description)],
            "links": self._metadata_links(dataset, server_url),
        }

    def _layer_metadata(self, title: str | None, description: str | None) -> dict[str, Any]:
        return {
            "id": self.get_layer(),
            "title": title,
            "description": description,
            "dataType": "vector",
            "geometryDimension": 1 if self.layer.geometry is Geometry.MULTILINESTRING else 2,
            "minTileMatrix": str(self.min_zoom),
            "maxTileMatrix": str(self.max_zoom),
            "propertiesSchema": {"type": "object", "properties": self.get_fields()},
        }

    def _metadata_links(self, dataset: str, server_url: str) -> list[dict[str, Any]]:
        tileset = f"{server_url}/collections/{dataset}/tiles/{SCHEME}"
        return [
            {"rel": "self", "type": "application/json", "title": "This tileset metadata", "href": f"{tileset}?f=json"},
            {"rel": TILING_SCHEME_REL, "type": "application/json", "title": f"{SCHEME} definition",
             "href": f"{server_url}/TileMatrixSets/{SCHEME}?f=json"},
            {"rel": "item", "type": MVT_TYPE, "templated": True, "title": f"{dataset} vector tiles",
             "href": tile_url(server_url, dataset)},
            {"rel": "alternate", "type": "application/json", "title": "TileJSON",
             "href": f"{tileset}/metadata?f=tilejson"},
            {"rel": "http://www.opengis.net/def/rel/ogc/1.0/geodata", "type": "application/json",
             "title": "The collection", "href": f"{server_url}/collections/{dataset}?f=json"},
        ]  # fmt: skip
