"""`gis tiles purge`: empty the tile caches of some layers by hand, over a box, a ward or everywhere.

A load purges what it changed by itself (``tile_cache.purge``). This is for
what no load saw: rows edited straight in the database, a style changed, a
cache copied from another machine. GeoWebCache calls it truncate,
``mapproxy-seed`` cleanup; here one command empties both our vector tiles
and MapProxy's raster tiles, for the layer's own tilesets and every combined
tileset that draws it (``ioc``), so no cache keeps serving the old picture.

The generation is bumped first, as a load's purge does: a tile rendered
from the old rows while the purge runs is not stored after it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from psycopg import sql

from gis_server.errors import UsageError
from layers import registry
from tile_cache import store
from tile_cache.grid import IOC, tilesets
from tile_cache.purge import Box, purge_tileset, to_3857

MAX_LATITUDE = 85.05112878  # Web Mercator's edge
EXAMPLE = "106.64,10.79,106.66,10.81"


@dataclass
class PurgeReport:
    """Tiles deleted per tileset, vector and raster apart; ``where`` says over what, for the message."""

    where: str
    vector: dict[str, int] = field(default_factory=dict)
    raster: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.vector.values()) + sum(self.raster.values())

    def message(self) -> str:
        lines = [f"{name:16} {self.vector.get(name, '–'):>8} vector {self.raster.get(name, '–'):>8} raster"
                 for name in sorted({*self.vector, *self.raster})]  # fmt: skip
        return "\n".join([*lines, f"purged {self.total} tiles {self.where}"])


def parse_bbox(text: str) -> Box:
    """``W,S,E,N`` in degrees of longitude and latitude (WGS 84), as read off the web map or QGIS."""
    try:
        west, south, east, north = (float(part) for part in text.split(","))
    except ValueError:
        raise UsageError(f"--bbox takes WEST,SOUTH,EAST,NORTH in degrees, e.g. {EXAMPLE}, not {text!r}") from None
    if not all(map(math.isfinite, (west, south, east, north))) or not (west < east and south < north):
        raise UsageError(f"--bbox {text}: WEST must be less than EAST and SOUTH less than NORTH")
    if max(abs(west), abs(east)) > 180 or max(abs(south), abs(north)) > MAX_LATITUDE:
        raise UsageError(f"--bbox {text} is not in degrees: give longitude/latitude (WGS 84), e.g. {EXAMPLE}")
    return west, south, east, north


def ward_box_sql(code: str) -> tuple[sql.Composed, list[Any]]:
    """Name and Web-Mercator box of each ward with GSO ``code``: a 2025 ward may reuse an old ward's code
    (26968 was Phường 4 and is Tân Sơn Nhất), so both layers are searched."""
    parts = sql.SQL(" UNION ALL ").join(
        sql.SQL(
            "SELECT name, ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)"
            " FROM (SELECT name, ST_Extent(geom_3857)::box2d b FROM {} WHERE code = %s GROUP BY name) w"
        ).format(sql.Identifier(layer.table))
        for layer in (registry.WARDS, registry.WARDS_2025)
    )
    return parts, [code, code]


def ward_box(code: str) -> tuple[Box, list[str]]:
    """The box around every ward with that code, and their names (both, when the code was reused)."""
    with connection.cursor() as cursor:
        cursor.execute(*ward_box_sql(code))
        rows = cursor.fetchall()
    if not rows:
        raise UsageError(f"--ward {code}: no old or 2025 ward has that GSO code ('gis layers' shows what is loaded)")
    box = (min(r[1] for r in rows), min(r[2] for r in rows), max(r[3] for r in rows), max(r[4] for r in rows))
    return tuple(map(float, box)), [str(r[0]) for r in rows]  # type: ignore[return-value]


def check_layers(names: Sequence[str]) -> tuple[str, ...]:
    """Layer ids (vector or raster), or every layer when none is named; ``ioc`` alone purges only that tileset."""
    known = (*registry.ids(), *registry.raster_ids(), IOC)
    unknown = [name for name in names if name not in known]
    if unknown:
        raise UsageError(f"unknown layer {', '.join(map(repr, unknown))}: choose from {', '.join(known)}")
    return tuple(names) or known


def vector_tilesets(names: Sequence[str]) -> list[str]:
    """The vector tilesets showing these layers: each vector layer's own and the IOC set."""
    sets = tilesets()
    found = [name for name in names if name in sets]
    if found and IOC not in found:
        found.append(IOC)
    return found


def raster_tilesets(names: Sequence[str]) -> list[str]:
    from tile_cache.mapproxy_config import tilesets_drawing

    found: list[str] = []
    for name in names:
        found += [t for t in (tilesets_drawing(name) if name != IOC else (IOC,)) if t not in found]
    return found


def _purge_vector(names: list[str], box: Box | None, report: PurgeReport) -> None:
    tiles_store, sets = store.backend(), tilesets()
    for name in names:
        report.vector[name] = tiles_store.clear(name) if box is None else purge_tileset(tiles_store, sets[name], box)


def _purge_raster(names: list[str], box: Box | None, report: PurgeReport) -> None:
    from tile_cache import raster_purge

    for name in names:
        report.raster[name] = raster_purge.clear(name) if box is None else raster_purge.purge_tileset(name, box)


def purge(names: Sequence[str], box: Box | None, where: str) -> PurgeReport:
    """Delete the cached tiles of ``names`` over a Web-Mercator ``box`` (None: every cached tile of them)."""
    layers = check_layers(names)
    report = PurgeReport(where)
    store.backend().bump_generation()  # first: a tile rendered meanwhile from the old rows is not kept
    _purge_vector(vector_tilesets(layers), box, report)
    _purge_raster(raster_tilesets(layers), box, report)
    return report


def run_command(args: Any) -> dict[str, Any]:
    """`gis tiles purge [LAYER …] [--bbox W,S,E,N | --ward CODE]`: the CLI's result."""
    bbox, ward = getattr(args, "bbox", None), getattr(args, "ward", None)
    if bbox and ward:
        raise UsageError("give --bbox or --ward, not both")
    if bbox:
        box, where = to_3857(parse_bbox(bbox), 4326), f"over {bbox}"
    elif ward:
        box, names = ward_box(ward)
        where = f"over ward {ward} ({' and '.join(names)})"
    else:
        box, where = None, "(every cached tile of these layers)"
    report = purge(getattr(args, "layers", None) or (), box, where)
    return {"status": "done", "vector": report.vector, "raster": report.raster, "deleted": report.total,
            "message": report.message()}  # fmt: skip
