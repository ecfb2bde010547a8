"""CAD drawings (DXF, MicroStation DGN v7) to polygons with attributes.

A cadastral or zoning drawing has no polygons and no attribute table: parcel
boundaries are lines on some CAD layers (DXF) or levels (DGN), and the
parcel number, area and land-use code are text elements placed inside each
parcel. GDAL reads the whole drawing as one layer (DXF ``entities``, DGN
``elements``) of lines and text points, so this module

1. keeps the lines on the profile's boundary layers/levels, nodes them, closes
   gaps up to ``snap_tolerance`` (drawings are never perfectly closed: a
   dangling end within the tolerance of another line or another dangling end
   is joined to it) and polygonizes; dangles are ignored (:mod:`loaders.linework`);
2. joins every text that matches a :class:`LabelRule` to the face containing
   its insertion point (STRtree, ``within``);
3. groups the faces that carry the same complete label set into one
   MultiPolygon (a parcel cut in two by a lane is labelled in both parts);
4. returns a :class:`loaders.read.SourceTable`: fids 1..n in reading order
   (north to south, then west to east, by representative point), MultiPolygon
   WKB, one object column per label field plus the profile's constants.

Findings never raise: they come back in ``SourceTable.problems`` as
:class:`loaders.mapping.Problem`. A problem about an output feature (a
missing or conflicting label) carries its fid; a problem about something that
is not a feature — a text inside no face, or a face with no label at all,
which is dropped because it is usually a road, a courtyard or a gap between
sheets — carries ``fid`` :data:`NOT_A_FEATURE` (0).

Limits: a label counts where its insertion point is, so text hanging outside a tiny parcel (DGN text is
often left-bottom justified) is reported as stray; label sets must identify a feature within one drawing
(one map sheet per file: two parcels with the same number, area and code on different sheets of one file
would be grouped); edges shorter than the snap tolerance may collapse when a gap next to them is closed.

Text is read byte for byte (ISO-8859-1, ``raw_text=True``) like every byte
format, so the decode stage decides between UTF-8, TCVN3 and VNI afterwards;
label patterns therefore should match ASCII (numbers, codes) or be lenient.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import pyogrio.raw
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from gis_server.errors import DataRejected, UsageError
from loaders import linework
from loaders.mapping import Problem
from loaders.read import SourceTable

LayerRef = str | int
SNAP_TOLERANCE_M = 0.01
NOT_A_FEATURE = 0
ANY_TEXT = r"^.+$"


@dataclass(frozen=True)
class LabelRule:
    """Which texts fill one output attribute.

    ``layers`` are DXF layer names or DGN levels (compared as text, case-insensitively, so level 20 also
    matches a DXF layer called "20"); empty means every layer. ``pattern`` is searched in the stripped
    text; its named group ``value`` (if any) is the value, else the whole match. A rule that is not
    ``required`` is not reported when a face lacks it.
    """

    field: str
    layers: tuple[LayerRef, ...] = ()
    pattern: str = ANY_TEXT
    required: bool = True

    def value(self, text: str) -> str | None:
        """The attribute value this rule reads from ``text``, or None when the text is not for it."""
        match = re.search(self.pattern, text)
        if match is None:
            return None
        return match.group("value") if "value" in match.re.groupindex else match.group(0)


@dataclass(frozen=True)
class DrawingProfile:
    """How to read one kind of drawing: boundary layers/levels, label rules, per-file constants."""

    boundaries: tuple[LayerRef, ...]
    labels: tuple[LabelRule, ...]
    # Attributes the drawing does not write on every parcel (ward code and sheet number of a sheet drawing).
    constants: Mapping[str, Any] = field(default_factory=dict)
    snap_tolerance: float = SNAP_TOLERANCE_M

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(rule.field for rule in self.labels))


NUMBER = r"^\d+$"
DECIMAL = r"^\d+([.,]\d+)?$"
LAND_USE = r"^[A-Z]{3}(\+[A-Z]{3})*$"

DEFAULT_PARCEL_PROFILE = DrawingProfile(
    boundaries=("RANH_THUA", "THUA", 10),
    labels=(
        LabelRule("SoThuTuThua", ("SOTHUA", "SO_THUA", 20), NUMBER),
        LabelRule("DienTich", ("DIENTICH", "DIEN_TICH", 21), DECIMAL),
        LabelRule("KyHieuMucDichSuDung", ("MDSD", "LOAIDAT", "LOAI_DAT", 22), LAND_USE),
    ),
)
DEFAULT_ZONING_PROFILE = DrawingProfile(
    boundaries=("RANH_O_PHO", "RANH_QH"),
    labels=(
        LabelRule("kyhieuloda", ("KYHIEU", "KY_HIEU")),
        LabelRule("maloaisdd", ("CHUCNANG", "CHUC_NANG"), r"^[A-Z]{1,6}$"),
        LabelRule("tenloaisdd", ("TENCHUCNANG", "TEN_CHUC_NANG")),
        LabelRule("matdoxd", ("MATDO", "MAT_DO"), r"^(?P<value>\d+([.,]\d+)?)\s*%?$", required=False),
        LabelRule("hssdd", ("HSSDD", "HE_SO"), r"^(?P<value>\d+([.,]\d+)?)$", required=False),
        LabelRule("sotangtoit", ("TANGCAO", "TANG_CAO"), r"^(?P<value>\d+)\s*[-÷]\s*\d+$", required=False),
        LabelRule("sotangtoid", ("TANGCAO", "TANG_CAO"), r"^(?:\d+\s*[-÷]\s*)?(?P<value>\d+)$", required=False),
    ),
)
DEFAULT_PROFILES = {"parcels": DEFAULT_PARCEL_PROFILE, "zoning": DEFAULT_ZONING_PROFILE}


@dataclass(frozen=True)
class Drawing:
    """Every element of a drawing: where it lies (layer name or level as text), its text and geometry."""

    path: Path
    layer: str
    crs: str | None
    where: np.ndarray
    text: np.ndarray
    geoms: np.ndarray


@dataclass
class Feature:
    """One output feature before numbering: its faces and, per field, the distinct label values found."""

    parts: list[Any]
    values: dict[str, list[str]]


def profile_from_mapping(data: Mapping[str, Any], base: DrawingProfile) -> DrawingProfile:
    """A profile from a mapping file's ``drawing:`` section; keys left out keep ``base``'s values.

    ``{boundaries: [10], labels: [{field: SoThuTuThua, layers: [20], pattern: '^\\d+$'}],
    constants: {MaXa: '26965'}, snap_tolerance: 0.01}``
    """
    unknown = set(data) - {"boundaries", "labels", "constants", "snap_tolerance"}
    if unknown:
        raise UsageError(f"drawing: unknown key(s) {', '.join(sorted(unknown))}")
    try:
        labels = tuple(_rule(item) for item in data["labels"]) if "labels" in data else base.labels
        return DrawingProfile(
            boundaries=tuple(data.get("boundaries", base.boundaries)),
            labels=labels,
            constants=dict(data.get("constants", base.constants)),
            snap_tolerance=float(data.get("snap_tolerance", base.snap_tolerance)),
        )
    except (TypeError, ValueError, KeyError, re.error) as exc:
        raise UsageError(f"drawing: not a valid drawing profile ({exc})") from None


def _rule(item: Mapping[str, Any]) -> LabelRule:
    rule = LabelRule(
        field=str(item["field"]),
        layers=tuple(item.get("layers", ())),
        pattern=str(item.get("pattern", ANY_TEXT)),
        required=bool(item.get("required", True)),
    )
    re.compile(rule.pattern)
    return rule


def read_drawing(path: Path, profile: DrawingProfile) -> SourceTable:
    """Polygonize the drawing's boundary lines and join its labels; findings go to ``problems``."""
    drawing = _read(path)
    lines = _boundary_lines(drawing, profile)
    faces = linework.faces(lines, profile.snap_tolerance)
    features, problems = _join_labels(drawing, faces, profile)
    features = _group_parts(features, profile.fields)
    features.sort(key=_reading_order)
    problems += _feature_problems(features, profile)
    fids = np.arange(1, len(features) + 1, dtype=np.int64)
    geoms = np.array([shapely.multipolygons(f.parts) for f in features], dtype=object)
    columns = _columns(features, profile)
    wkb = np.array(list(shapely.to_wkb(geoms)), dtype=object) if len(geoms) else np.array([], dtype=object)
    return SourceTable(path, drawing.layer, fids, wkb, columns, drawing.crs, raw_text=True, problems=problems)


def _read(path: Path) -> Drawing:
    """All elements of the drawing's single layer; anything GDAL cannot read becomes one clear line."""
    if not path.exists():
        raise UsageError(f"{path}: no such file")
    try:
        layers = pyogrio.list_layers(str(path))
        layer = str(layers[0][0])
        meta, _, wkb, data = pyogrio.raw.read(str(path), layer=layer, return_fids=True, encoding="ISO-8859-1")
    except (DataSourceError, DataLayerError, UnicodeDecodeError, IndexError) as exc:
        reason = _first_line(exc).replace(str(path), path.name)
        raise DataRejected(
            f"{path.name}: GDAL cannot read it as a DXF or DGN v7 drawing ({reason}); "
            "check the file is complete, and save DGN v8 or DWG drawings as DGN v7 or DXF"
        ) from exc
    columns = dict(zip([str(n) for n in meta["fields"]], data, strict=True))
    where_column = "Level" if "Level" in columns else "Layer"
    if where_column not in columns or wkb is None:
        raise DataRejected(f"{path.name}: not a CAD drawing (no Layer or Level field); load it as a vector file")
    if where_column == "Level" and not dgn_complete(path.read_bytes()):
        raise DataRejected(f"{path.name}: the DGN file is cut short (no end-of-design marker); copy it again")
    where = np.array([_norm(v) for v in columns[where_column].tolist()], dtype=object)
    text = np.asarray(columns.get("Text", np.full(len(where), None, dtype=object)), dtype=object)
    # Paper space holds the sheet frame, title block and legend, never the map itself.
    model = np.array([v != 1 for v in columns.get("PaperSpace", np.zeros(len(where))).tolist()], dtype=bool)
    geoms = shapely.force_2d(shapely.from_wkb(wkb))
    return Drawing(path, layer, meta["crs"], where[model], text[model], geoms[model])


def dgn_complete(data: bytes) -> bool:
    """True when the element chain of a DGN v7 file reaches its end-of-design marker (0xFFFF).

    GDAL stops silently at the end of a truncated DGN and returns what it read, so a copy cut short would
    load as a partial sheet; every element starts with 2 bytes type/level and a little-endian word count.
    """
    pos = 0
    while pos + 2 <= len(data):
        if data[pos : pos + 2] == b"\xff\xff":
            return True
        if pos + 4 > len(data):
            return False
        pos += 4 + 2 * int.from_bytes(data[pos + 2 : pos + 4], "little")
    return False


def _norm(value: Any) -> str:
    """Layer names and levels compared as text, case-insensitively (DXF layer names are)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().casefold()


def _on(drawing: Drawing, refs: Iterable[LayerRef]) -> np.ndarray:
    wanted = {_norm(r) for r in refs}
    if not wanted:
        return np.ones(len(drawing.where), dtype=bool)
    return np.isin(drawing.where, list(wanted))


def _boundary_lines(drawing: Drawing, profile: DrawingProfile) -> np.ndarray:
    """Boundary linework as LineStrings: lines, polylines and polygon rings on the boundary layers."""
    selected = drawing.geoms[_on(drawing, profile.boundaries) & ~shapely.is_missing(drawing.geoms)]
    parts = shapely.get_parts(selected)
    polygonal = np.isin(shapely.get_type_id(parts), [3, 6])
    drawn = np.concatenate([parts[~polygonal], shapely.get_parts(shapely.boundary(parts[polygonal]))])
    lines = shapely.get_parts(drawn)
    lines = lines[np.isin(shapely.get_type_id(lines), [1, 2]) & (shapely.length(lines) > 0)]
    if len(lines) == 0:
        found = sorted({w for w, g in zip(drawing.where, drawing.geoms, strict=True) if _is_line(g)})
        names = ", ".join(str(b) for b in profile.boundaries)
        raise DataRejected(
            f"{drawing.path.name}: no boundary lines on layer(s)/level(s) {names}; lines are on: "
            f"{', '.join(found) or 'none'} — name the boundary layer in the mapping file (drawing.boundaries)"
        )
    return lines


def _is_line(geom: Any) -> bool:
    return geom is not None and geom.geom_type in ("LineString", "MultiLineString", "Polygon", "MultiPolygon")


def _labels(drawing: Drawing, rule: LabelRule) -> tuple[np.ndarray, list[str]]:
    """Indices and values of the texts this rule reads."""
    is_text = (shapely.get_type_id(drawing.geoms) == 0) & np.array([isinstance(t, str) for t in drawing.text])
    candidates = np.flatnonzero(is_text & _on(drawing, rule.layers))
    found = [(int(i), rule.value(str(drawing.text[i]).strip())) for i in candidates]
    hits = [(i, v) for i, v in found if v is not None]
    return np.array([i for i, _ in hits], dtype=np.int64), [v for _, v in hits]


def _join_labels(drawing: Drawing, faces: np.ndarray, profile: DrawingProfile) -> tuple[list[Feature], list[Problem]]:
    """Every matching text to the face holding its insertion point; unlabelled faces and stray texts reported."""
    values: list[dict[str, list[str]]] = [{} for _ in faces]
    problems: list[Problem] = []
    tree = shapely.STRtree(faces)
    for rule in profile.labels:
        index, texts = _labels(drawing, rule)
        pairs = tree.query(drawing.geoms[index], predicate="within")
        for k, face in zip(pairs[0].tolist(), pairs[1].tolist(), strict=True):
            found = values[face].setdefault(rule.field, [])
            if texts[k] not in found:
                found.append(texts[k])
        for k in sorted(set(range(len(index))) - set(pairs[0].tolist())):
            problems.append(_stray(drawing, int(index[k]), rule.field))
    features = [Feature([f], v) for f, v in zip(faces, values, strict=True) if v]
    problems += [_unlabelled(drawing, f) for f, v in zip(faces, values, strict=True) if not v]
    return features, problems


def _where(point: Any) -> str:
    x, y = shapely.get_coordinates(point)[0]
    return f"E {x:.2f}, N {y:.2f}"


def _stray(drawing: Drawing, i: int, name: str) -> Problem:
    text, layer = drawing.text[i], drawing.where[i]
    message = f"label {text!r} (layer/level {layer}) at {_where(drawing.geoms[i])} lies inside no closed boundary"
    return Problem(NOT_A_FEATURE, name, message + "; ignored")


def _unlabelled(drawing: Drawing, face: Any) -> Problem:
    where = _where(shapely.point_on_surface(face))
    message = (
        f"closed boundary at {where} ({face.area:.1f} m²) has no label; not loaded (a road or gap, or unlabelled?)"
    )
    return Problem(NOT_A_FEATURE, "geometry", message)


def _group_parts(features: list[Feature], names: tuple[str, ...]) -> list[Feature]:
    """Faces with the same complete, unambiguous label set become one multipart feature."""
    grouped: dict[tuple[str, ...], Feature] = {}
    out: list[Feature] = []
    for feature in features:
        complete = all(len(feature.values.get(n, ())) == 1 for n in names)
        if not complete:
            out.append(feature)
            continue
        key = tuple(feature.values[n][0] for n in names)
        if key in grouped:
            grouped[key].parts.extend(feature.parts)
        else:
            grouped[key] = feature
            out.append(feature)
    return out


def _reading_order(feature: Feature) -> tuple[float, float]:
    """North to south, then west to east, by the largest part's representative point."""
    largest = max(feature.parts, key=lambda p: p.area)
    x, y = shapely.get_coordinates(shapely.point_on_surface(largest))[0]
    return (-round(float(y), 3), round(float(x), 3))


def _feature_problems(features: list[Feature], profile: DrawingProfile) -> list[Problem]:
    """Missing required labels and conflicting labels, by fid (fids are 1.. in the given order)."""
    problems: list[Problem] = []
    for fid, feature in enumerate(features, start=1):
        for rule in profile.labels:
            found = feature.values.get(rule.field, [])
            if len(found) > 1:
                shown = ", ".join(repr(v) for v in found)
                problems.append(Problem(fid, rule.field, f"conflicting labels {shown} in one closed boundary"))
            elif not found and rule.required:
                layers = ", ".join(str(r) for r in rule.layers) or "any layer"
                problems.append(Problem(fid, rule.field, f"no label on {layers} matching {rule.pattern}"))
    return _unique(problems)


def _unique(problems: list[Problem]) -> list[Problem]:
    """One report per fid, field and message (two rules may fill one field)."""
    seen: set[tuple[int, str, str]] = set()
    out: list[Problem] = []
    for p in problems:
        if (p.fid, p.field, p.message) not in seen:
            seen.add((p.fid, p.field, p.message))
            out.append(p)
    return out


def _columns(features: list[Feature], profile: DrawingProfile) -> dict[str, np.ndarray]:
    """One object column per label field (None when missing or ambiguous) plus the profile's constants."""
    columns: dict[str, np.ndarray] = {}
    for name in profile.fields:
        column = [f.values[name][0] if len(f.values.get(name, ())) == 1 else None for f in features]
        columns[name] = np.array(column, dtype=object)
    for name, value in profile.constants.items():
        columns[name] = np.array([value] * len(features), dtype=object)
    return columns


def _first_line(exc: Exception) -> str:
    """GDAL's message without its source-file prefix ("…/ogrdxflayer.cpp, 3684: ")."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    return re.sub(r"^\S+\.cpp, \d+: ", "", first).split("; It might help")[0]
