"""Stage 1 — read: a vector file into memory through pyogrio/GDAL, nothing interpreted yet."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError

from gis_server.errors import DataRejected, UsageError


@dataclass(frozen=True)
class SourceTable:
    """What a file holds: feature ids, WKB geometries, raw attribute columns and the declared CRS."""

    path: Path
    layer: str
    fids: np.ndarray
    wkb: np.ndarray
    columns: dict[str, np.ndarray]
    crs: str | None

    def __len__(self) -> int:
        return len(self.wkb)


def _choose_layer(path: Path, requested: str | None) -> str:
    layers = [str(name) for name, _ in pyogrio.list_layers(path)]
    if requested is not None:
        if requested not in layers:
            raise UsageError(f"{path.name}: no layer {requested!r}; it has: {', '.join(layers)}")
        return requested
    if len(layers) != 1:
        raise UsageError(f"{path.name} has {len(layers)} layers ({', '.join(layers)}); choose one with --source-layer")
    return layers[0]


def read_source(path: Path, source_layer: str | None = None) -> SourceTable:
    """Read every feature of one layer of ``path``; unreadable files become one clear message."""
    if not path.exists():
        raise UsageError(f"{path}: no such file")
    try:
        layer = _choose_layer(path, source_layer)
        meta, fids, wkb, data = pyogrio.raw.read(path, layer=layer, return_fids=True)
    except (DataSourceError, DataLayerError) as exc:
        raise DataRejected(
            f"{path.name}: GDAL cannot read it as a vector file ({_first_line(exc)}); "
            "check that the file is complete and in a supported format"
        ) from exc
    if wkb is None:
        raise DataRejected(f"{path.name}: layer {layer!r} has no geometry column; a map layer needs geometries")
    columns: dict[str, Any] = dict(zip([str(n) for n in meta["fields"]], data, strict=True))
    return SourceTable(path=path, layer=layer, fids=np.asarray(fids), wkb=wkb, columns=columns, crs=meta["crs"])


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
