"""Stage 4 — map fields: source columns onto registry fields, values onto their kinds.

The default profile of a layer accepts each field's registry name and its
aliases (the names real exports use), compared case-insensitively.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gis_server.errors import DataRejected
from layers import vocabulary
from layers.registry import Field, Kind, Layer
from loaders.profile import MappingProfile

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
    warnings: list[Problem] = field(default_factory=list)


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


def require_columns(
    layer: Layer, matched: dict[str, str], filename: str, constants: dict[str, Any], available: list[str]
) -> None:
    """Refuse a file that lacks a required column, naming what would have been accepted — or the layer the file
    is for, when its columns are another layer's (files for one layer loaded into another are a common slip)."""
    for spec in layer.required_fields:
        if spec.name not in matched and spec.name not in constants:
            other = _layer_it_fits(layer, available)
            if other is not None:
                raise DataRejected(
                    f"{filename}: no column for required field {spec.name!r} ({spec.title_vi}) of {layer.id}, but "
                    f"its columns are those of {other}: was it meant for 'gis load {other} {filename}'?"
                )
            accepted = ", ".join((spec.name, *spec.aliases))
            raise DataRejected(
                f"{filename}: no column for required field {spec.name!r} ({spec.title_vi}); "
                f"accepted names: {accepted}; rename the column, or name it in a mapping file (--mapping with "
                f"'fields: {{{spec.name}: COLUMN}}'), or give there the one value every feature has "
                f"('constants: {{{spec.name}: VALUE}}', as for a drawing of one map sheet)"
            )


def _layer_it_fits(layer: Layer, available: list[str]) -> str | None:
    """Another layer whose required fields the columns all carry (and which has one that ``layer`` lacks)."""
    from layers.registry import LAYERS

    own = {spec.name for spec in layer.required_fields}
    for other in LAYERS:
        required = {spec.name for spec in other.required_fields}
        if other.id != layer.id and required - own and required <= match_columns(other, available).keys():
            return other.id
    return None


def _text(value: Any) -> str | None:
    """Text as decoded (the decode stage already made it NFC), trimmed; blank is missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = (value if isinstance(value, str) else str(value)).strip()
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


# An integer field's values as GDAL's float column (nullable integers come as floats) take the fast path
# only within the int4 column's range; anything else is converted value by value, with its error.
_INT4 = 2.0**31


def _whole_floats(values: np.ndarray) -> list[Any] | None:
    """A float column of whole numbers (NaN for missing) as ints and None, or None when a value is not one."""
    floats = values.astype(np.float64)
    missing = np.isnan(floats)
    present = floats[~missing]
    if not (np.all(np.abs(present) < _INT4) and np.all(present == np.floor(present))):
        return None
    out = np.where(missing, 0, floats).astype(np.int64).astype(object)
    out[missing] = None
    return list(out.tolist())


def _fast_path(spec: Field, values: np.ndarray) -> list[Any] | None:
    """Columns GDAL already typed need no per-value parsing."""
    if spec.kind is Kind.INTEGER and values.dtype.kind in "iu":
        return list(values.tolist())
    if spec.kind is Kind.INTEGER and values.dtype.kind == "f":
        return _whole_floats(values)
    if spec.kind is Kind.REAL and values.dtype.kind in "iuf":
        floats = values.astype(np.float64)
        return [None if math.isnan(v) else v for v in floats.tolist()]
    return None


def convert_column(spec: Field, values: np.ndarray, fids: np.ndarray, problems: list[Problem]) -> list[Any]:
    """Convert one column; a bad value becomes None plus a Problem naming the feature."""
    fast = _fast_path(spec, values)
    if fast is not None:
        return fast
    if spec.kind is Kind.TEXT:
        # The hot path of every load: plain strings need only trimming.
        return [(v.strip() or None) if type(v) is str else None if v is None else _text(v) for v in values.tolist()]
    convert = CONVERTERS[spec.kind]
    out: list[Any] = []
    for fid, value in zip(fids.tolist(), values.tolist(), strict=True):
        try:
            out.append(convert(value))
        except (ValueError, TypeError) as exc:
            problems.append(Problem(fid, spec.name, f"{value!r} is not a valid {spec.kind} ({exc})"))
            out.append(None)
    return out


def _profile_columns(profile: MappingProfile, available: list[str], filename: str) -> dict[str, str]:
    for name, column in profile.fields.items():
        if column not in available:
            raise DataRejected(
                f"{filename}: the mapping file maps {name} to column {column!r}, which the file does not have; "
                f"its columns: {', '.join(available)}"
            )
    return dict(profile.fields)


def _column_values(spec: Field, source: MappingSource, problems: list[Problem]) -> list[Any]:
    if spec.name in source.profile.constants:
        value = source.profile.constants[spec.name]
        return convert_column(spec, np.array([value] * len(source.fids), dtype=object), source.fids, problems)
    if spec.name in source.matched:
        return convert_column(spec, source.columns[source.matched[spec.name]], source.fids, problems)
    return [None] * len(source.fids)


@dataclass(frozen=True)
class MappingSource:
    columns: dict[str, np.ndarray]
    fids: np.ndarray
    matched: dict[str, str]
    profile: MappingProfile


def map_fields(
    layer: Layer, columns: dict[str, np.ndarray], fids: np.ndarray, filename: str, profile: MappingProfile | None = None
) -> MappedTable:
    """Apply the layer's default profile, amended by a mapping file, then the value maps and vocabularies."""
    profile = profile or MappingProfile()
    matched = match_columns(layer, list(columns)) | _profile_columns(profile, list(columns), filename)
    require_columns(layer, matched, filename, profile.constants, list(columns))
    source = MappingSource(columns, fids, matched, profile)
    problems: list[Problem] = []
    mapped = {spec.name: _column_values(spec, source, problems) for spec in layer.fields}
    table = MappedTable(columns=mapped, centreline_wkt=None, problems=problems, source_names=matched)
    apply_value_maps(table, profile, fids, layer)
    apply_vocabularies(table, fids)
    check_ward_era(layer, table, filename)
    if layer.centreline:
        lowered = {name.lower(): name for name in columns}
        column = next((lowered[a] for a in CENTRELINE_ALIASES if a in lowered), None)
        table.centreline_wkt = None if column is None else [_text(v) for v in columns[column].tolist()]
    return table


def apply_value_maps(table: MappedTable, profile: MappingProfile, fids: np.ndarray, layer: Layer) -> None:
    """The mapping file's value maps: source value → loaded value, matched exactly, then without diacritics.

    A mapped value is converted to the field's kind like any source value (YAML may give ``"12"`` for a
    number); one that does not convert rejects the feature, naming the mapping.
    """
    kinds = {spec.name: spec.kind for spec in layer.fields}
    for name, value_map in profile.values.items():
        folded = {vocabulary.fold(k): v for k, v in value_map.items()}
        convert = CONVERTERS[kinds[name]]
        column = table.columns[name]
        for i, value in enumerate(column):
            if value is None:
                continue
            key = str(value)
            mapped = value_map.get(key, folded.get(vocabulary.fold(key), value))
            try:
                column[i] = convert(mapped)
            except (ValueError, TypeError) as exc:
                message = f"the mapping file maps {key!r} to {mapped!r}, not a valid {kinds[name]} ({exc})"
                table.problems.append(Problem(int(fids[i]), name, message))
                column[i] = None


def _ward_codes(table: MappedTable, name: str, lookup: Callable[[str], str | None], fids: np.ndarray) -> None:
    column = table.columns.get(name)
    if column is None:
        return
    memo: dict[str, str | None] = {}
    for i, value in enumerate(column):
        if value is None:
            continue
        key = str(value)
        code = memo[key] if key in memo else memo.setdefault(key, lookup(key))
        if code is None:
            table.warnings.append(Problem(int(fids[i]), name, f"{value!r} is not a known ward name or GSO code"))
        else:
            column[i] = code


def apply_vocabularies(table: MappedTable, fids: np.ndarray) -> None:
    """Old ward names → GSO codes, 2025 ward names → codes, legacy land-use codes and names → current codes."""
    _ward_codes(table, "ward_code", vocabulary.old_ward_code, fids)
    _ward_codes(table, "ward_2025_code", vocabulary.ward_2025_code, fids)
    column = table.columns.get("land_use")
    if column is None:
        return
    memo: dict[str, tuple[str, list[str]]] = {}
    for i, value in enumerate(column):
        if value is None:
            continue
        key = str(value)
        if key not in memo:
            memo[key] = vocabulary.canonical_land_use(key)
        column[i], unknown = memo[key]
        if unknown:
            table.warnings.append(Problem(int(fids[i]), "land_use", f"unknown land-use code(s) {', '.join(unknown)}"))


# Each ward layer's names, folded; the other layer's file has the same columns (code, name) and reused codes.
_WARD_ERAS = {
    "wards": ("wards_2025", frozenset(map(vocabulary.fold, vocabulary.OLD_WARDS))),
    "wards_2025": ("wards", frozenset(map(vocabulary.fold, vocabulary.WARDS_2025))),
}


def check_ward_era(layer: Layer, table: MappedTable, filename: str) -> None:
    """Refuse the 2025 wards loaded as the old ones, or the other way round: nothing else tells them apart (26968
    is Phường 4 and Tân Sơn Nhất), and the old wards replaced by six 2025 ones would misplace every parcel."""
    if layer.id not in _WARD_ERAS:
        return
    other, own_names = _WARD_ERAS[layer.id]
    names = {vocabulary.fold(name) for name in table.columns.get("name", []) if isinstance(name, str)}
    other_names = _WARD_ERAS[other][1]
    if names and names <= other_names and not names & own_names:
        shown = sorted({n for n in table.columns["name"] if isinstance(n, str)})
        listed = ", ".join(shown[:4]) + (", …" if len(shown) > 4 else "")
        raise DataRejected(
            f"{filename}: its {len(shown)} wards ({listed}) are those of {other}, not {layer.id}: was it meant for "
            f"'gis load {other} {filename}'?"
        )
