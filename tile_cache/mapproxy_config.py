"""MapProxy configuration and Mapnik map files, generated from the registry and the palette.

Nothing here is kept by hand: each registry layer becomes a Mapnik map (a
PostGIS subquery on ``layer_<id>.geom_3857`` selecting only public fields,
styled from ``tile_cache.styles``), a MapProxy source, a file cache and a
layer; the active orthophoto COG (``RasterDataset``) becomes a raster layer
read by Mapnik's GDAL plugin (offline, no second server); and ``ioc`` draws
them all in registry order. Caches use the ``tms`` directory layout on the
``GLOBAL_WEBMERCATOR`` grid (origin north-west), so a tile's file is
``<cache_dir>/<tileset>/<z>/<x>/<y>.png`` with the XYZ y — computable by the purge.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

from layers import registry
from layers.crs import TAN_BINH_WGS84_BOUNDS
from tile_cache import styles

IOC = "ioc"  # every layer in one raster tileset, as the operations centre shows it
GRID = "webmercator"
MAX_ZOOM = 22
TILE_PIXELS = 256
META_SIZE = 4  # tiles rendered together per side: one Mapnik query for 16 tiles
META_BUFFER = 64  # pixels rendered around a meta tile so labels and strokes match across edges
WORLD_3857 = "-20037508.34,-20037508.34,20037508.34,20037508.34"
CLASS_COLUMN = styles.CLASS_COLUMN  # the same column name in vector tiles
# What every source draws: the district. MapProxy takes a layer's extent from its sources' coverage, so the
# WMTS/WMS capabilities give the district's box ("Zoom to layer" in QGIS) instead of the world; tiles
# entirely outside it are blank without asking Mapnik.
COVERAGE_SRS = "EPSG:4326"
SERVICE_MD = {
    "title": "Bản đồ nền quận Tân Bình / Tân Bình district base maps",
    "abstract": "Thửa đất, quy hoạch phân khu 1/2000, lộ giới, ranh giới phường và ảnh trực giao (MapProxy + Mapnik).",
    "fees": "none",
    "access_constraints": "Chỉ để tham khảo / for reference only",
}


@dataclass(frozen=True)
class Database:
    """Where Mapnik reads PostGIS: the Django connection's own settings (the test database in tests)."""

    host: str
    port: str
    user: str
    password: str
    dbname: str

    @classmethod
    def current(cls) -> Database:
        from django.db import connection

        conf = connection.settings_dict
        return cls(
            str(conf.get("HOST") or "127.0.0.1"),
            str(conf.get("PORT") or "5432"),
            str(conf.get("USER") or ""),
            str(conf.get("PASSWORD") or ""),
            str(conf["NAME"]),
        )


@dataclass(frozen=True)
class Raster:
    """An active orthophoto: a COG in Web Mercator."""

    layer_id: str
    path: str


def active_rasters() -> tuple[Raster, ...]:
    """The served COG of each raster layer (one indexed query); files that vanished are left out."""
    from layers.models import RasterDataset

    rows = RasterDataset.objects.filter(active=True).order_by("layer").values_list("layer", "path")
    known = set(registry.raster_ids())
    return tuple(Raster(layer, path) for layer, path in rows if layer in known and Path(path).is_file())


def mapproxy_dir() -> Path:
    return Path(getattr(settings, "GIS_MAPPROXY_DIR", Path(settings.GIS_DATA_DIR) / "mapproxy"))


def cache_dir() -> Path:
    return Path(getattr(settings, "GIS_MAPPROXY_CACHE_DIR", mapproxy_dir() / "cache_data"))


def tileset_members(rasters: Sequence[Raster] = ()) -> dict[str, tuple[str, ...]]:
    """Raster tileset name → the layers it draws, bottom first (imagery under the vector layers)."""
    vector = tuple(layer.id for layer in sorted(registry.LAYERS, key=lambda layer: layer.order))
    images = tuple(r.layer_id for r in rasters)
    sets: dict[str, tuple[str, ...]] = {layer.id: (layer.id,) for layer in registry.LAYERS}
    sets.update({image: (image,) for image in images})
    sets[IOC] = (*images, *vector)
    return sets


def tilesets_drawing(layer_id: str) -> tuple[str, ...]:
    """Every tileset whose tiles show ``layer_id`` (its own and the combined one): what a purge must touch."""
    every_raster = [Raster(r.id, "") for r in registry.RASTERS]
    return tuple(name for name, members in tileset_members(every_raster).items() if layer_id in members)


# ---------------------------------------------------------------- Mapnik XML


def _subquery(layer: registry.Layer, style: styles.LayerStyle) -> str:
    """Only the id, the class code, the label and the geometry leave the database: never a private field."""
    columns = ["id"]
    source = styles.class_source(layer.id)
    if source is not None:
        columns.append(f"split_part({source}, '+', 1) AS {CLASS_COLUMN}")
    if style.label:
        columns.append(style.label)
    columns.append("geom_3857")
    # Every name comes from the registry and the palette (checked public), none from a request.
    return f"(SELECT {', '.join(columns)} FROM {layer.table}) AS {layer.id}"  # noqa: S608


def _datasource(parent: ET.Element, params: dict[str, str]) -> None:
    holder = ET.SubElement(parent, "Datasource")
    for name, value in params.items():
        ET.SubElement(holder, "Parameter", name=name).text = value


def _postgis_params(layer_id: str, db: Database) -> dict[str, str]:
    layer = registry.get(layer_id)
    params = {"type": "postgis", "host": db.host, "port": db.port, "user": db.user, "dbname": db.dbname}
    if db.password:
        params["password"] = db.password
    return params | {
        "table": _subquery(layer, styles.layer_style(layer_id)),
        "geometry_field": "geom_3857",
        "key_field": "id",
        "srid": "3857",
        "extent": WORLD_3857,  # no ST_Extent scan of a million parcels each time a map loads
        "estimate_extent": "false",
        "connect_timeout": "5",
        # Pooled connections by default; off where the database must be droppable at once (tests).
        "persist_connection": "true" if getattr(settings, "GIS_MAPNIK_PERSIST_CONNECTION", True) else "false",
    }


def _fill_rules(style_el: ET.Element, style: styles.LayerStyle) -> None:
    opacity = f"{style.opacity:g}"
    for entry in style.classes:
        rule = ET.SubElement(style_el, "Rule")
        ET.SubElement(rule, "Filter").text = f"[{CLASS_COLUMN}] = '{entry.code}'"
        ET.SubElement(rule, "PolygonSymbolizer", {"fill": entry.color, "fill-opacity": opacity})
    fallback = style.other.color if style.other else style.fill
    if fallback is not None:
        rule = ET.SubElement(style_el, "Rule")
        if style.classes:
            ET.SubElement(rule, "ElseFilter")
        ET.SubElement(rule, "PolygonSymbolizer", {"fill": fallback, "fill-opacity": opacity})


def mapnik_styles(layer_id: str) -> list[ET.Element]:
    """The Mapnik <Style> elements of a layer: fill (one rule per code), outline, labels, or raster."""
    style = styles.layer_style(layer_id)
    found: list[ET.Element] = []
    if style.raster:
        raster = ET.Element("Style", name=f"{layer_id}-raster")
        ET.SubElement(ET.SubElement(raster, "Rule"), "RasterSymbolizer", opacity="1", scaling="bilinear")
        return [raster]
    if style.has_fill:
        fill = ET.Element("Style", name=f"{layer_id}-fill")
        _fill_rules(fill, style)
        found.append(fill)
    if style.stroke:
        line = ET.Element("Style", name=f"{layer_id}-line")
        attrs = {"stroke": style.stroke, "stroke-width": f"{style.stroke_width:g}"}
        if style.dash:
            attrs["stroke-dasharray"] = ", ".join(f"{d:g}" for d in style.dash)
        ET.SubElement(ET.SubElement(line, "Rule"), "LineSymbolizer", attrs)
        found.append(line)
    if style.label:
        label = ET.Element("Style", name=f"{layer_id}-label")
        text = {"face-name": styles.LABEL_FONT, "size": "12", "fill": style.label_color, "halo-fill": "#ffffff"}
        text |= {"halo-radius": "1.5", "placement": "interior", "wrap-width": "80"}
        ET.SubElement(ET.SubElement(label, "Rule"), "TextSymbolizer", text).text = f"[{style.label}]"
        found.append(label)
    return found


def _mapnik_layer(layer_id: str, db: Database | None, rasters: Sequence[Raster]) -> ET.Element:
    style = styles.layer_style(layer_id)
    high, low = styles.visible_scales(style)
    attrs = {"name": layer_id, "srs": "epsg:3857"}
    attrs |= {"maximum-scale-denominator": f"{high:.2f}", "minimum-scale-denominator": f"{low:.2f}"}
    element = ET.Element("Layer", attrs)
    for style_el in mapnik_styles(layer_id):
        ET.SubElement(element, "StyleName").text = style_el.get("name")
    if style.raster:
        image = next((r for r in rasters if r.layer_id == layer_id), None)
        if image is not None:
            _datasource(element, {"type": "gdal", "file": image.path})
    elif db is not None:
        _datasource(element, _postgis_params(layer_id, db))
    return element


def mapnik_xml(layer_ids: Sequence[str], db: Database | None = None, rasters: Sequence[Raster] = ()) -> str:
    """A Mapnik map drawing ``layer_ids`` bottom first; without ``db`` the styles alone (the download)."""
    root = ET.Element("Map", {"srs": "epsg:3857", "background-color": "transparent"})
    for layer_id in layer_ids:
        root.extend(mapnik_styles(layer_id))
    for layer_id in layer_ids:
        root.append(_mapnik_layer(layer_id, db, rasters))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


# ---------------------------------------------------------------- MapProxy


def _title(name: str) -> str:
    if name == IOC:
        return "Tổng hợp các lớp (Trung tâm điều hành)"
    return styles.layer_style(name).title_vi


def mapproxy_config(mapfiles: dict[str, Path], caches: Path, locks: Path) -> dict[str, Any]:
    """The MapProxy configuration: one layer, cache and Mapnik source per tileset, one grid, every service."""
    layers, cache_conf, sources = [], {}, {}
    for name, mapfile in mapfiles.items():
        layers.append({"name": name, "title": _title(name), "sources": [f"{name}_cache"]})
        cache_conf[f"{name}_cache"] = {
            "grids": [GRID],
            "sources": [f"{name}_mapnik"],
            "format": "image/png",
            "meta_size": [META_SIZE, META_SIZE],
            "meta_buffer": META_BUFFER,
            "cache": {"type": "file", "directory_layout": "tms", "directory": str(caches / name)},
        }
        sources[f"{name}_mapnik"] = {
            "type": "mapnik",
            "mapfile": str(mapfile),
            "transparent": True,
            "coverage": {"bbox": list(TAN_BINH_WGS84_BOUNDS), "srs": COVERAGE_SRS},  # a fresh dict: no YAML alias
        }
    return {
        "globals": {
            "cache": {"base_dir": str(caches), "lock_dir": str(locks / "cache"), "tile_lock_dir": str(locks / "tile")},
            "image": {"resampling_method": "bilinear"},
            # Browsers and proxies may keep a tile this long without asking; MapProxy's default is 72 hours, for
            # which a tile purged after a load would stay stale in QGIS and on the wall for three days.
            "tiles": {"expires_hours": settings.GIS_TILE_MAX_AGE / 3600},
        },
        "services": {
            "tms": {"use_grid_names": False, "origin": "sw"},
            "wmts": {"restful": True, "kvp": True, "md": SERVICE_MD},
            "wms": {"srs": ["EPSG:3857", "EPSG:4326", "CRS:84"], "image_formats": ["image/png"], "md": SERVICE_MD},
            "ogcapi": {"enable_tiles": True, "enable_maps": True},
        },
        "grids": {GRID: {"base": "GLOBAL_WEBMERCATOR", "num_levels": MAX_ZOOM + 1}},
        "layers": layers,
        "caches": cache_conf,
        "sources": sources,
    }


def _write(path: Path, text: str) -> None:
    """Atomic and private (the Mapnik files hold the database password); same content → same file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


def write_config(db: Database, rasters: Sequence[Raster]) -> Path:
    """Generate the Mapnik maps and ``mapproxy-<hash>.yaml`` under the MapProxy directory; returns the YAML path.

    File names carry a hash of their content, so processes that generated a
    different configuration (an image loaded meanwhile) never overwrite each other's files.
    """
    base = mapproxy_dir()
    mapfiles: dict[str, Path] = {}
    for name, members in tileset_members(rasters).items():
        text = mapnik_xml(members, db, rasters)
        digest = hashlib.sha256(text.encode()).hexdigest()[:12]
        mapfiles[name] = base / "mapnik" / f"{name}-{digest}.xml"
        if not mapfiles[name].exists():
            _write(mapfiles[name], text)
    conf = yaml.safe_dump(mapproxy_config(mapfiles, cache_dir(), base / "locks"), allow_unicode=True, sort_keys=False)
    target = base / f"mapproxy-{hashlib.sha256(conf.encode()).hexdigest()[:12]}.yaml"
    if not target.exists():
        _write(target, conf)
    return target
