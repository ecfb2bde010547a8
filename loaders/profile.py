"""Mapping files (`--mapping FILE.yaml`): field names, constants and value maps for sources the defaults miss.

    fields:      {map_sheet: SO_TO, parcel_no: SO_THUA}     # registry field: source column
    constants:   {ward_code: "26965", map_sheet: 12}         # registry field: value for every feature
    values:                                                  # registry field: {source value: loaded value}
      land_use: {NHA: ODT, "Đất ở": ODT}
    drawing: {...}                                           # DXF/DGN only, see loaders/cad.py

Without a file the layer's default profile (registry names and aliases, plus
the ward and land-use vocabularies) applies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gis_server.errors import UsageError
from layers.registry import Layer

KEYS = {"fields", "constants", "values", "drawing"}


@dataclass(frozen=True)
class MappingProfile:
    fields: dict[str, str] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    drawing: dict[str, Any] = field(default_factory=dict)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"--mapping {path}: no such file") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise UsageError(f"--mapping {path.name}: not valid UTF-8 YAML{where}; fix the file") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UsageError(f"--mapping {path.name}: expected a mapping with keys {', '.join(sorted(KEYS))}")
    return data


def _check_fields(path: Path, layer: Layer, section: str, names: dict[str, Any]) -> None:
    known = set(layer.field_names)
    for name in names:
        if name not in known:
            fields = ", ".join(sorted(known))
            raise UsageError(f"--mapping {path.name}: {section}.{name} is not a field of {layer.id}; fields: {fields}")


def load_profile(path: Path | None, layer: Layer) -> MappingProfile:
    """Read and check a mapping file against the layer's fields; no file gives the empty profile."""
    if path is None:
        return MappingProfile()
    data = _read_yaml(path)
    unknown = set(data) - KEYS
    if unknown:
        raise UsageError(f"--mapping {path.name}: unknown key(s) {', '.join(sorted(unknown))}; allowed: {sorted(KEYS)}")
    sections = {key: data.get(key) or {} for key in KEYS}
    for key, value in sections.items():
        if not isinstance(value, dict):
            raise UsageError(f"--mapping {path.name}: {key} must be a mapping")
    for key in ("fields", "constants", "values"):
        _check_fields(path, layer, key, sections[key])
    values = {name: {str(k): v for k, v in (table or {}).items()} for name, table in sections["values"].items()}
    fields = {name: str(column) for name, column in sections["fields"].items()}
    return MappingProfile(fields, dict(sections["constants"]), values, dict(sections["drawing"]))
