"""CAD drawings (DXF, DGN v7) as a loader source: the layer's default drawing profile, amended by a mapping file.

Findings tied to a feature (a missing or conflicting label) reject it; findings
tied to no feature (fid 0: a closed area without any label — usually a road
loop — or a label outside every boundary) are warnings, so a clean drawing
loads without --max-errors and --strict still refuses an untidy one.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from gis_server.errors import UsageError
from layers.registry import Layer
from loaders.cad import DEFAULT_PROFILES, DrawingProfile, profile_from_mapping, read_drawing
from loaders.read import SourceTable


def read_cad(layer: Layer, path: Path, drawing: dict[str, Any]) -> SourceTable:
    base = DEFAULT_PROFILES.get(layer.id)
    if base is None and not drawing:
        known = ", ".join(sorted(DEFAULT_PROFILES))
        raise UsageError(
            f"{path.name}: no default drawing profile for {layer.id} (there are for {known}); "
            "describe the drawing's layers in a mapping file (--mapping, section 'drawing')"
        )
    profile = profile_from_mapping(drawing, base or DrawingProfile(boundaries=(), labels=())) if drawing else base
    table = read_drawing(path, profile)  # type: ignore[arg-type]  # base is set when drawing is empty
    rejected = [p for p in table.problems if p.fid != 0]
    loose = [p for p in table.problems if p.fid == 0]
    return dataclasses.replace(table, problems=rejected, warnings=loose)
