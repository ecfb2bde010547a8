"""Stage 4 — map fields: source columns onto registry fields, values onto their kinds.

The default profile of a layer accepts each field's registry name and its
aliases (the names real exports use), compared case-insensitively.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gis_server.errors import DataRejected
from layers.registry import Field, Kind, Layer

CENTRELINE_ALIASES = ("centreline_wkt", "centerline_wkt", "centreline", "timduong_wkt", "tim_wkt")


@dataclass
class Problem:
    """One rejected value: which feature, which field, what is wrong."""

    fid: int
    field: str
    message: str


@dataclass
class MappedTable:
    """Registry-named columns of Python values plus the per-feature problems found converting them."""

    columns: dict[str, list[Any]]
    centreline_wkt: list[Any] | None
    problems: list[Problem] = field(default_factory=list)
    source_names: dict[str, str] = field(default_factory=dict)


def match_columns(layer: Layer, available: list[str]) -> dict[str, str]:
    """Registry field name → source column name for every field the file carries."""
    lowered = {name.lower(): name for name in available}
    matched: dict[str, str] = {}
    for spec in layer.fields:
        for candidate in (spec.name, *spec.aliases):
            if candidate.lower() in lowered:
                matched[spec.name] = lowered[candidate.lower()]
                break
    return matched


def require_columns(layer: Layer, matched: dict[str, str], filename: str) -> None:
    """Refuse a file that lacks a required column, naming what would have been accepted."""
    for spec in layer.required_fields:
        if spec.name not in matched:
            accepted = ", ".join((spec.name, *spec.aliases))
            raise DataRejected(
                f"{filename}: no column for required field {spec.name!r} ({spec.title_vi}); "
                f"accepted names: {accepted}; rename the column or give a mapping file"
            )


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = unicodedata.normalize("NFC", str(value)).strip()
    return text or None


def _integer(value: Any) -> int | None:
    text = _text(value)
    if text is None:
        return None
    number = float(text.replace(",", "."))
    if not number.is_integer():
        raise ValueError(f"{text!r} is not a whole number")
    return int(number)


def _real(value: Any) -> float | None:
    text = _text(value)
    return None if text is None else float(text.replace(",", "."))


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime | np.datetime64):
        return dt.date.fromisoformat(str(value)[:10])
    text = _text(value)
    return None if text is None else dt.date.fromisoformat(text[:10])


CONVERTERS: dict[Kind, Callable[[Any], Any]] = {
    Kind.TEXT: _text,
    Kind.INTEGER: _integer,
    Kind.REAL: _real,
    Kind.DATE: _date,
}


def convert_column(spec: Field, values: np.ndarray, fids: np.ndarray, problems: list[Problem]) -> list[Any]:
    """Convert one column; a bad value becomes None plus a Problem naming the feature."""
    convert = CONVERTERS[spec.kind]
    out: list[Any] = []
    for fid, value in zip(fids.tolist(), values.tolist(), strict=True):
        try:
            out.append(convert(value))
        except (ValueError, TypeError) as exc:
            problems.append(Problem(fid, spec.name, f"{value!r} is not a valid {spec.kind} ({exc})"))
            out.append(None)
    return out


def map_fields(layer: Layer, columns: dict[str, np.ndarray], fids: np.ndarray, filename: str) -> MappedTable:
    """Apply the layer's default profile to the source columns."""
    matched = match_columns(layer, list(columns))
    require_columns(layer, matched, filename)
    problems: list[Problem] = []
    mapped = {
        spec.name: convert_column(spec, columns[matched[spec.name]], fids, problems)
        if spec.name in matched
        else [None] * len(fids)
        for spec in layer.fields
    }
    centreline = None
    if layer.centreline:
        lowered = {name.lower(): name for name in columns}
        source = next((lowered[a] for a in CENTRELINE_ALIASES if a in lowered), None)
        centreline = None if source is None else [_text(v) for v in columns[source].tolist()]
    return MappedTable(columns=mapped, centreline_wkt=centreline, problems=problems, source_names=matched)
