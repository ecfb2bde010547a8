"""Stage 1 — read: a source file into memory through pyogrio/GDAL, nothing interpreted yet.

Byte-oriented formats (Shapefile DBF, CSV, DXF, DGN) are read as ISO-8859-1
so every byte survives as one code point; the decode stage then decides the
file's real encoding (TCVN3, VNI, …). Never trust a ``.cpg``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError

from gis_server.errors import DataRejected, UsageError

BYTE_FORMATS = {".shp", ".dbf", ".zip", ".csv", ".dxf", ".dgn"}
CSV_OPTIONS = {
    "GEOM_POSSIBLE_NAMES": "WKT,wkt,geom_wkt,geometry,the_geom,hinh_hoc",
    "X_POSSIBLE_NAMES": "x,X,easting,toa_do_x,lon,longitude",
    "Y_POSSIBLE_NAMES": "y,Y,northing,toa_do_y,lat,latitude",
    "KEEP_GEOM_COLUMNS": "NO",
    "AUTODETECT_TYPE": "NO",
}


@dataclass(frozen=True)
class SourceTable:
    """What a file holds: feature ids, WKB geometries, raw attribute columns and the declared CRS."""

    path: Path
    layer: str
    fids: np.ndarray
    wkb: np.ndarray
    columns: dict[str, np.ndarray]
    crs: str | None
    # True when text was read byte-for-byte (ISO-8859-1) and still needs its encoding decided.
    raw_text: bool = False
    problems: list[Any] = field(default_factory=list)
    warnings: list[Any] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.wkb)


def gdal_path(path: Path) -> str:
    """The path GDAL opens: zipped shapefiles through /vsizip/."""
    return f"/vsizip/{path}" if path.suffix.lower() == ".zip" else str(path)


def _choose_layer(path: Path, requested: str | None) -> str:
    layers = [str(name) for name, _ in pyogrio.list_layers(gdal_path(path))]
    if requested is not None:
        if requested not in layers:
            raise UsageError(f"{path.name}: no layer {requested!r}; it has: {', '.join(layers)}")
        return requested
    if len(layers) != 1:
        raise UsageError(f"{path.name} has {len(layers)} layers ({', '.join(layers)}); choose one with --source-layer")
    return layers[0]


def _open_options(path: Path) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if path.suffix.lower() in BYTE_FORMATS:
        options["encoding"] = "ISO-8859-1"
    if path.suffix.lower() == ".csv":
        options |= CSV_OPTIONS
    return options


def read_source(path: Path, source_layer: str | None = None) -> SourceTable:
    """Read every feature of one layer of ``path``; unreadable files become one clear message."""
    if not path.exists():
        raise UsageError(f"{path}: no such file")
    try:
        layer = _choose_layer(path, source_layer)
        meta, fids, wkb, data = pyogrio.raw.read(
            gdal_path(path), layer=layer, return_fids=True, datetime_as_string=True, **_open_options(path)
        )
    except (DataSourceError, DataLayerError, UnicodeDecodeError) as exc:
        raise DataRejected(
            f"{path.name}: GDAL cannot read it as a vector file ({_first_line(exc)}); "
            "check that the file is complete (all parts of a Shapefile) and in a supported format"
        ) from exc
    if wkb is None:
        raise DataRejected(f"{path.name}: layer {layer!r} has no geometry column; a map layer needs geometries")
    columns: dict[str, Any] = dict(zip([str(n) for n in meta["fields"]], data, strict=True))
    raw = path.suffix.lower() in BYTE_FORMATS
    return SourceTable(path, layer, np.asarray(fids), wkb, columns, meta["crs"], raw_text=raw)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
