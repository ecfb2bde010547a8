"""The types of the layer registry's entries: frozen, typed, and nothing else.

``layers/registry.py`` declares the entries; the types live here so the
registry reads as the list of layers it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from layers.crs import VN2000_SRID


class Kind(StrEnum):
    """Attribute value kinds; each maps to one Django field and one SQL type."""

    TEXT = "text"
    INTEGER = "integer"
    REAL = "real"
    DATE = "date"


class Geometry(StrEnum):
    MULTIPOLYGON = "MultiPolygon"
    MULTILINESTRING = "MultiLineString"


@dataclass(frozen=True)
class Field:
    """One attribute of a layer."""

    name: str
    kind: Kind
    title_vi: str
    title_en: str
    required: bool = False
    public: bool = True
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Layer:
    """One vector layer: its table, attributes, keys, geometry and presentation."""

    id: str
    model_name: str
    title_vi: str
    title_en: str
    description_vi: str
    description_en: str
    geometry: Geometry
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    min_zoom: int
    max_zoom: int
    style: str
    srid: int = VN2000_SRID
    # Optional second geometry kept beside the main one (road centrelines).
    centreline: bool = False
    # Ordering used when the layer is drawn or listed (lower first).
    order: int = 0
    # Features must not overlap each other (parcels, zones, wards); the loader reports overlaps.
    exclusive: bool = True
    # Public fields carried in map tiles (styling, labels, identifying a feature); None = every public field.
    # Tiles stay small; everything else is one API call away.
    tile_fields: tuple[str, ...] | None = None
    geometry_aliases: tuple[str, ...] = field(default=())

    @property
    def table(self) -> str:
        return f"layer_{self.id}"

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def public_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.public)

    @property
    def private_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if not f.public)

    @property
    def tiled_fields(self) -> tuple[Field, ...]:
        """The public fields that go into map tiles."""
        if self.tile_fields is None:
            return self.public_fields
        return tuple(f for f in self.public_fields if f.name in self.tile_fields)

    @property
    def required_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.required)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.id} has no field {name!r}")


@dataclass(frozen=True)
class RasterLayer:
    """A raster layer (orthophoto): files converted to Cloud-Optimized GeoTIFF, served as a base map."""

    id: str
    title_vi: str
    title_en: str
    description_vi: str
    description_en: str
    min_zoom: int
    max_zoom: int
    style: str
    # Authoritative CRS of the stored COG; tiles are cut from it in Web Mercator.
    srid: int = VN2000_SRID
