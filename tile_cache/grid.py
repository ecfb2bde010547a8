"""The tile grid (WebMercatorQuad) and the validation every tile address passes before it touches SQL or a path.

MapProxy 7.0 shipped a path-traversal fix for tile addresses; here a tileset
is only ever a registry id and z/x/y only integers inside the matrix.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from gis_server.errors import NotFound
from layers import registry

if TYPE_CHECKING:
    import morecantile

IOC = "ioc"  # the operations centre's tileset: every vector layer in one tile
MAX_ZOOM = 22
# Tiles carry full precision from this zoom on (4096 units across a z18 tile's 153 m: 4 cm, finer than a
# cadastral survey). TileJSON and the OGC tilesets stop here, and MapLibre and QGIS draw the closer zooms from
# these tiles (overzoom), as OpenMapTiles does from z14: a z20 view needs one z18 tile instead of sixteen z20
# renders, and the cache holds one copy. Closer tiles are still served to a client that asks for them.
DATA_MAX_ZOOM = 18
# Half the Web-Mercator world's edge: WebMercatorQuad's matrix spans -ORIGIN_M..ORIGIN_M on both axes.
ORIGIN_M = 20037508.342789244


@cache
def tms() -> morecantile.TileMatrixSet:
    """WebMercatorQuad for the OGC API Tiles documents; imported on first use (its models cost every CLI run 0.3 s)."""
    import morecantile

    return morecantile.tms.get("WebMercatorQuad")


@dataclass(frozen=True)
class Tileset:
    """A vector tileset: one layer, or the IOC's all-layers set."""

    id: str
    layers: tuple[registry.Layer, ...]

    @property
    def min_zoom(self) -> int:
        return min(layer.min_zoom for layer in self.layers)

    @property
    def max_zoom(self) -> int:
        return min(MAX_ZOOM, max(layer.max_zoom for layer in self.layers))

    @property
    def data_max_zoom(self) -> int:
        """The closest zoom a client needs tiles for (it overzooms beyond, up to ``max_zoom``)."""
        return min(self.max_zoom, DATA_MAX_ZOOM)

    def layers_at(self, z: int) -> tuple[registry.Layer, ...]:
        """Layers drawn at zoom z (each within its own zoom range), in drawing order."""
        return tuple(layer for layer in self.layers if layer.min_zoom <= z <= layer.max_zoom)


def tilesets() -> dict[str, Tileset]:
    by_order = tuple(sorted(registry.LAYERS, key=lambda layer: layer.order))
    sets = {layer.id: Tileset(layer.id, (layer,)) for layer in registry.LAYERS}
    sets[IOC] = Tileset(IOC, by_order)
    return sets


def tileset(name: str) -> Tileset:
    found = tilesets().get(name)
    if found is None:
        raise NotFound(f"Không có lớp bản đồ '{name}' / no tileset '{name}'")
    return found


@dataclass(frozen=True)
class TileAddress:
    tileset: Tileset
    z: int
    x: int
    y: int

    def __str__(self) -> str:
        return f"{self.tileset.id}/{self.z}/{self.x}/{self.y}"


def address(name: str, z: int, x: int, y: int) -> TileAddress:
    """A checked tile address; 404 outside the matrix or the tileset's zoom range."""
    found = tileset(name)
    if not (0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z):
        raise NotFound(f"Ô {z}/{x}/{y} nằm ngoài lưới / tile {z}/{x}/{y} is outside the tile matrix")
    if not found.min_zoom <= z <= found.max_zoom:
        raise NotFound(f"'{name}' is served at zoom {found.min_zoom}–{found.max_zoom}, not {z}")
    return TileAddress(found, z, x, y)


@dataclass(frozen=True)
class TileRange:
    """The tiles of one zoom level between two corners, inclusive."""

    z: int
    xs: range
    ys: range

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return ((x, y) for x in self.xs for y in self.ys)

    def __len__(self) -> int:
        return len(self.xs) * len(self.ys)


def tile_size_m(z: int) -> float:
    """Edge of a tile at zoom z in Web-Mercator metres."""
    return 2 * ORIGIN_M / 2**z


def _column(x_m: float, z: int) -> int:
    return min(max(math.floor((x_m + ORIGIN_M) / tile_size_m(z)), 0), 2**z - 1)


def _row(y_m: float, z: int) -> int:
    return min(max(math.floor((ORIGIN_M - y_m) / tile_size_m(z)), 0), 2**z - 1)


def tiles_over(bounds_3857: tuple[float, float, float, float], z: int) -> TileRange:
    """The tiles at zoom z that a Web-Mercator box touches (rows count down from the top, as in the matrix)."""
    xmin, ymin, xmax, ymax = bounds_3857
    return TileRange(z, range(_column(xmin, z), _column(xmax, z) + 1), range(_row(ymax, z), _row(ymin, z) + 1))
