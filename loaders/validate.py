"""Stage 5 — validate and repair: geometry and attribute checks, every finding tied to a feature id.

Invalid geometries are repaired (make-valid) and listed; empty or null
geometries, wrong geometry types, missing required values, bad values and
duplicate keys reject the feature.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.errors import ShapelyError

from layers.registry import Geometry, Layer
from loaders.blocks import map_blocks
from loaders.mapping import MappedTable, Problem

_POLYGONAL = {"Polygon", "MultiPolygon"}
_LINEAL = {"LineString", "MultiLineString"}


@dataclass
class Validated:
    """Features that passed, by index into the source, with their final geometries."""

    keep: np.ndarray
    geoms: np.ndarray
    centrelines: list[Any] | None
    repaired: list[int] = field(default_factory=list)
    rejected: list[Problem] = field(default_factory=list)


def _as_multi(geom: Any, wanted: Geometry) -> Any:
    """Promote single to multi and keep only the parts of the wanted dimension; None if nothing is left."""
    kinds = _POLYGONAL if wanted is Geometry.MULTIPOLYGON else _LINEAL
    parts = [part for part in shapely.get_parts(geom) if part.geom_type in kinds and not part.is_empty]
    parts = [p for sub in parts for p in shapely.get_parts(sub)]
    if not parts:
        return None
    if wanted is Geometry.MULTIPOLYGON:
        return shapely.MultiPolygon(parts)
    return shapely.MultiLineString(parts)


_MULTI_TYPE_ID = {Geometry.MULTIPOLYGON: 6, Geometry.MULTILINESTRING: 5}
_SINGLE_TYPE_ID = {Geometry.MULTIPOLYGON: 3, Geometry.MULTILINESTRING: 1}


def check_geometries(layer: Layer, fids: np.ndarray, geoms: np.ndarray, result: Validated) -> np.ndarray:
    """Repair, normalise to the layer's multi type, and reject what cannot be used.

    The common cases (valid multi, valid single) are handled on whole arrays;
    only invalid or odd features go through the per-feature path.
    """
    out = np.empty(len(geoms), dtype=object)
    types = shapely.get_type_id(geoms)
    valid = map_blocks(shapely.is_valid, geoms)
    multi = valid & (types == _MULTI_TYPE_ID[layer.geometry])
    out[multi] = geoms[multi]
    single = np.flatnonzero(valid & (types == _SINGLE_TYPE_ID[layer.geometry]))
    if len(single):
        promote = shapely.multipolygons if layer.geometry is Geometry.MULTIPOLYGON else shapely.multilinestrings
        out[single] = promote(geoms[single], indices=np.arange(len(single)))
    for i in np.flatnonzero(~multi & ~np.isin(np.arange(len(geoms)), single)):
        out[i] = _one_geometry(layer, int(fids[i]), geoms[i], bool(valid[i]), result)
    return out


def _one_geometry(layer: Layer, fid: int, geom: Any, valid: bool, result: Validated) -> Any:
    if geom is None or shapely.is_empty(geom):
        result.rejected.append(Problem(fid, "geometry", "empty or missing geometry"))
        return None
    fixed = geom
    if not valid:
        fixed = shapely.make_valid(geom)
        result.repaired.append(fid)
    multi = _as_multi(fixed, layer.geometry)
    if multi is None:
        result.rejected.append(Problem(fid, "geometry", f"{fixed.geom_type} where {layer.geometry} is expected"))
    return multi


def check_required(layer: Layer, fids: np.ndarray, mapped: MappedTable, result: Validated) -> None:
    for spec in layer.required_fields:
        for i, value in enumerate(mapped.columns[spec.name]):
            if value is None:
                source = mapped.source_names.get(spec.name, spec.name)
                result.rejected.append(Problem(int(fids[i]), source, f"required value ({spec.title_vi}) is empty"))


def _codes(values: Any) -> np.ndarray:
    """One integer per distinct value from 0 (Arrow's equality on the kinds the mapping converted to), -1 for None."""
    import pyarrow as pa

    encoded = pa.array(values, from_pandas=False).dictionary_encode().indices
    return np.asarray(encoded.fill_null(-1), dtype=np.int64)


def check_duplicate_keys(layer: Layer, fids: np.ndarray, mapped: MappedTable, result: Validated) -> None:
    """Features sharing a complete key, each rejected naming the others.

    Arrow dictionary-encodes each key column in C and numpy counts the rows
    of codes (a Python dict over a million keys took 2 s); only the rows that
    repeat are grouped here.
    """
    if not layer.key or not len(fids):
        return
    codes = np.column_stack([_codes(mapped.columns[name]) + 1 for name in layer.key])  # 0 for None
    radix = [int(column.max(initial=0)) + 1 for column in codes.T]
    if math.prod(radix) < 2**62:  # one integer per distinct key (mixed radix): a 1-D sort
        combined = np.zeros(len(fids), dtype=np.int64)
        for column, base in zip(codes.T, radix, strict=True):
            combined = combined * base + column
        _, inverse, counts = np.unique(combined, return_inverse=True, return_counts=True)
    else:
        _, inverse, counts = np.unique(codes, axis=0, return_inverse=True, return_counts=True)
    repeated = (counts[inverse.reshape(-1)] > 1) & (codes > 0).all(axis=1)
    seen: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    columns = [mapped.columns[name] for name in layer.key]
    for i in np.flatnonzero(repeated).tolist():
        seen[tuple(column[i] for column in columns)].append(int(fids[i]))
    for key, ids in seen.items():  # every key here is shared: only repeated rows were grouped
        label = ", ".join(f"{n}={v}" for n, v in zip(layer.key, key, strict=True))
        for fid in ids:
            result.rejected.append(Problem(fid, "+".join(layer.key), f"duplicate key ({label}) shared by {ids}"))


def parse_centrelines(fids: np.ndarray, wkt: list[Any], result: Validated) -> list[Any]:
    out: list[Any] = []
    for fid, text in zip(fids.tolist(), wkt, strict=True):
        try:
            line = None if text is None else _as_multi(shapely.from_wkt(text), Geometry.MULTILINESTRING)
        except ShapelyError:
            result.rejected.append(Problem(int(fid), "centreline_wkt", "not a readable WKT line"))
            line = None
        out.append(line)
    return out


def validate(layer: Layer, fids: np.ndarray, geoms: np.ndarray, mapped: MappedTable) -> Validated:
    """Run every check; ``keep`` holds the indices of the features without a problem."""
    result = Validated(keep=np.array([], dtype=np.int64), geoms=geoms, centrelines=None)
    result.rejected.extend(mapped.problems)
    result.geoms = check_geometries(layer, fids, geoms, result)
    check_required(layer, fids, mapped, result)
    check_duplicate_keys(layer, fids, mapped, result)
    if mapped.centreline_wkt is not None:
        result.centrelines = parse_centrelines(fids, mapped.centreline_wkt, result)
    bad = {p.fid for p in result.rejected}
    result.keep = np.array([i for i, fid in enumerate(fids.tolist()) if fid not in bad], dtype=np.int64)
    return result
