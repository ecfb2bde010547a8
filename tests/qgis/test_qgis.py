"""Every layer shows in QGIS with its style — as XYZ vector tiles with the MapLibre style URL, as WMTS, WMS
and XYZ raster tiles, and as OGC API Features with the QML or the SLD — judged feature by feature: inside each
of the largest polygons in view the colour QGIS drew is the layer's palette colour for that feature's class at
the style's opacity; each ward boundary is drawn in its line colour; where the layer has nothing, the image is
transparent."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast
from urllib.request import urlopen

import numpy as np
import pytest
import rasterio.features
import rasterio.transform
import shapely
from django.db import connection

from layers import registry
from tests import palette
from tests.qgis.conftest import Drawn, Extent, QgisRun
from tile_cache import styles

pytestmark = pytest.mark.django_db
SIZE = 1024  # pixels across a z16 tile: QGIS draws it at z18's resolution
VIEW_ZOOM = 16
HALF_WORLD = 20037508.342789244
SAMPLED = 12  # largest polygons judged per view
FILL_LAYERS = [layer_id for layer_id in registry.ids() if styles.layer_style(layer_id).has_fill]
LINE_LAYERS = [layer_id for layer_id in registry.ids() if not styles.layer_style(layer_id).has_fill]
KINDS = ("vectortile", "wmts", "wms", "xyz", "oapif", "oapif-sld")
LABELLED = [layer_id for layer_id in registry.ids() if styles.layer_style(layer_id).label]


@dataclass(frozen=True)
class Feature:
    code: str | None
    geom: Any  # clipped to the view, EPSG:3857
    boundary: Any


def view_extent(layer_id: str) -> Extent:
    """The z16 tile holding the most of the layer: polygon centres, or boundary vertices for line layers."""
    points = (
        "ST_PointOnSurface(geom_3857)"
        if styles.layer_style(layer_id).has_fill
        else "(ST_DumpPoints(ST_Boundary(geom_3857))).geom"
    )
    size = 2 * HALF_WORLD / 2**VIEW_ZOOM
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT floor((ST_X(p) + %(h)s) / %(s)s)::int, floor((%(h)s - ST_Y(p)) / %(s)s)::int"
            f" FROM (SELECT {points} p FROM layer_{layer_id}) s GROUP BY 1, 2 ORDER BY count(*) DESC, 1, 2 LIMIT 1",
            {"h": HALF_WORLD, "s": size},
        )
        x, y = cursor.fetchone()
    west, north = -HALF_WORLD + x * size, HALF_WORLD - y * size
    return (west, north - size, west + size, north)


def features(layer_id: str, extent: Extent) -> list[Feature]:
    """The layer's rows in view: the class the styles colour by (first code of ``ODT+CLN``), geometry clipped."""
    field = styles.layer_style(layer_id).field
    code = f"split_part({field}, '+', 1)" if field else "NULL"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {code}, ST_AsBinary(ST_Intersection(geom_3857, e)),"
            f" ST_AsBinary(ST_Intersection(ST_Boundary(geom_3857), e))"
            f" FROM layer_{layer_id}, ST_MakeEnvelope(%s, %s, %s, %s, 3857) e WHERE geom_3857 && e",
            list(extent),
        )
        rows = cursor.fetchall()
    return [Feature(c, shapely.from_wkb(bytes(g)), shapely.from_wkb(bytes(b))) for c, g, b in rows]


def expected_fill(layer_id: str, code: str | None) -> tuple[int, ...]:
    """The RGBA every renderer must give a feature of this class: the palette's colour at the style's opacity."""
    colour, opacity = palette.fill(layer_id, code)
    return (*colour, round(opacity * 255))


def mask(geoms: list[Any], extent: Extent, all_touched: bool = False) -> np.ndarray:
    shapes = [g for g in geoms if not g.is_empty]
    if not shapes:
        return np.zeros((SIZE, SIZE), dtype=bool)
    transform = rasterio.transform.from_bounds(*extent, SIZE, SIZE)
    burnt = rasterio.features.rasterize(shapes, (SIZE, SIZE), transform=transform, all_touched=all_touched)
    return burnt.astype(bool)


def most_common(pixels: np.ndarray) -> tuple[int, ...]:
    colours, counts = np.unique(pixels.reshape(-1, 4), axis=0, return_counts=True)
    return tuple(int(v) for v in colours[counts.argmax()])


def fill_mismatches(layer_id: str, image: np.ndarray, extent: Extent) -> list[str]:
    """Each of the largest polygons in view, 3 px in from its edges (outlines, anti-aliasing): its usual colour."""
    pixel = (extent[2] - extent[0]) / SIZE
    found = sorted(features(layer_id, extent), key=lambda f: -f.geom.area)
    judged, wrong = 0, []
    for feature in found[:SAMPLED]:
        inside = mask([feature.geom.buffer(-3 * pixel)], extent)
        if inside.sum() < 200:
            continue
        judged += 1
        got, want = most_common(image[inside]), expected_fill(layer_id, feature.code)
        if max(abs(a - b) for a, b in zip(got, want, strict=True)) > 3:
            wrong.append(f"class {feature.code!r}: drew RGBA {got}, the style says {want}")
    assert judged >= min(3, len(found)), f"{layer_id}: too few polygons large enough to judge in view"
    return wrong


def transparent_elsewhere(layer_id: str, image: np.ndarray, extent: Extent) -> float:
    """Share of the pixels more than 3 px from any of the layer's polygons that are fully transparent."""
    pixel = (extent[2] - extent[0]) / SIZE
    near = mask([f.geom.buffer(3 * pixel) for f in features(layer_id, extent)], extent)
    return float((image[~near][:, 3] == 0).mean()) if (~near).any() else 1.0


def line_share(layer_id: str, image: np.ndarray, extent: Extent) -> float:
    """Share of the pixels on the layer's boundaries drawn in its line colour (dashes leave gaps)."""
    style = styles.layer_style(layer_id)
    assert style.stroke is not None
    on_line = mask([f.boundary for f in features(layer_id, extent)], extent)
    assert on_line.sum() > 100, f"{layer_id}: no boundary in view"
    pixels = image[on_line].astype(int)
    close = (np.abs(pixels[:, :3] - np.array(palette.rgb(style.stroke))).max(axis=1) <= 40) & (pixels[:, 3] >= 128)
    return float(close.mean())


def download(url: str, to: Path) -> str:
    with urlopen(url, timeout=30) as response:
        to.write_bytes(response.read())
    return str(to)


def jobs_for(base: str, layer_id: str, extent: tuple[float, ...], styles_dir: Path) -> list[dict[str, Any]]:
    """The layer added the ways the README tells QGIS users, zoom range as TileJSON gives it."""
    with urlopen(f"{base}/tiles/{layer_id}.json", timeout=30) as response:
        tilejson = json.load(response)
    qml = download(f"{base}/styles/{layer_id}.qml", styles_dir / f"{layer_id}.qml")
    sld = download(f"{base}/styles/{layer_id}.sld", styles_dir / f"{layer_id}.sld")
    features_api = {"layer": layer_id, "url": f"{base}/ogc"}
    common = {"extent": list(extent), "size": SIZE}
    tiles = f"{base}/tiles/{layer_id}/{{z}}/{{x}}/{{y}}.mvt"
    zooms = {"zmin": tilejson["minzoom"], "zmax": tilejson["maxzoom"]}
    capabilities = f"{base}/mapproxy/wmts/1.0.0/WMTSCapabilities.xml"
    raster_xyz = f"{base}/mapproxy/wmts/{layer_id}/webmercator/{{z}}/{{x}}/{{y}}.png"
    return [
        {"kind": "vectortile", "name": f"{layer_id}-vectortile", "url": tiles,
         "style": f"{base}/styles/{layer_id}.json", **zooms, **common},
        {"kind": "wmts", "name": f"{layer_id}-wmts", "layer": layer_id, "matrix_set": "webmercator",
         "url": capabilities, **common},
        {"kind": "wmts", "name": f"{layer_id}-wms", "layer": layer_id, "url": f"{base}/mapproxy/service", **common},
        {"kind": "xyz", "name": f"{layer_id}-xyz", "url": raster_xyz, **zooms, **common},
        {"kind": "oapif", "name": f"{layer_id}-oapif", "style": qml, **features_api, **common},
        {"kind": "oapif", "name": f"{layer_id}-oapif-sld", "style": sld, **features_api, **common},
    ]  # fmt: skip


def ioc_job(base: str, extent: tuple[float, ...]) -> dict[str, Any]:
    """The operations centre's tileset, every layer in one QGIS layer, as the README's QGIS steps add it."""
    with urlopen(f"{base}/tiles/ioc.json", timeout=30) as response:
        tilejson = json.load(response)
    return {
        "kind": "vectortile", "name": "ioc-vectortile", "url": f"{base}/tiles/ioc/{{z}}/{{x}}/{{y}}.mvt",
        "zmin": tilejson["minzoom"], "zmax": tilejson["maxzoom"], "style": f"{base}/styles/ioc.json",
        "extent": list(extent), "size": SIZE,
    }  # fmt: skip


def render(qgis: QgisRun, jobs: list[dict[str, Any]]) -> Drawn:
    """The jobs' images and results by (layer, how it was added), each with the extent it shows."""
    done = qgis(jobs)
    return {
        tuple(job["name"].split("-", 1)): (out, cast(Extent, tuple(job["extent"])))
        for job, out in zip(jobs, done, strict=True)
    }


@pytest.fixture(scope="module")
def rendered(
    project_server: str, qgis: QgisRun, tmp_path_factory: pytest.TempPathFactory, django_db_blocker: Any
) -> Drawn:
    """Every vector layer added every way, rendered by one QGIS process over the layer's busiest z16 tile; and
    the IOC tileset over the parcels' one."""
    styles_dir = tmp_path_factory.mktemp("styles")
    with django_db_blocker.unblock():
        views = {layer_id: view_extent(layer_id) for layer_id in registry.ids()}
    jobs = [job for layer_id, extent in views.items() for job in jobs_for(project_server, layer_id, extent, styles_dir)]
    return render(qgis, [*jobs, ioc_job(project_server, views["parcels"])])


def _drawn(rendered: Drawn, layer_id: str, kind: str) -> tuple[np.ndarray, Extent]:
    (result, image), extent = rendered[(layer_id, kind)]
    assert result["valid"], f"QGIS could not add {layer_id} as {kind}: {result['errors']}"
    assert result["style"] == [], f"QGIS could not load the {kind} style of {layer_id}: {result['style']}"
    assert result["errors"] == [], f"QGIS reported while drawing {layer_id} as {kind}: {result['errors']}"
    assert result["extent"] == pytest.approx(list(extent), abs=0.01)
    return image, extent


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("layer_id", FILL_LAYERS)
def test_every_polygon_layer_is_drawn_in_its_palette_colours(rendered: Drawn, layer_id: str, kind: str) -> None:
    image, extent = _drawn(rendered, layer_id, kind)
    assert fill_mismatches(layer_id, image, extent) == []
    assert transparent_elsewhere(layer_id, image, extent) > 0.99


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("layer_id", LINE_LAYERS)
def test_every_ward_layer_is_drawn_in_its_line_colour(rendered: Drawn, layer_id: str, kind: str) -> None:
    image, extent = _drawn(rendered, layer_id, kind)
    dashed = bool(styles.layer_style(layer_id).dash)
    assert line_share(layer_id, image, extent) > (0.4 if dashed else 0.8)


def label_pixels(layer_id: str, image: np.ndarray) -> int:
    """How many opaque pixels are the label colour itself: the core of the glyphs, not their anti-aliased edge."""
    colour = np.array(palette.rgb(styles.layer_style(layer_id).label_color))
    pixels = image.reshape(-1, 4).astype(int)
    return int(((np.abs(pixels[:, :3] - colour).max(axis=1) <= 8) & (pixels[:, 3] == 255)).sum())


def district_extent() -> Extent:
    """The square around every ward, in EPSG:3857."""
    with connection.cursor() as cursor:
        every = " UNION ALL ".join(f"SELECT geom_3857 FROM layer_{layer_id}" for layer_id in LABELLED)
        cursor.execute(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)"
            f" FROM (SELECT ST_Extent(geom_3857) e FROM ({every}) w) s"
        )
        west, south, east, north = cursor.fetchone()
    half = max(east - west, north - south) / 2 + 100
    x, y = (west + east) / 2, (south + north) / 2
    return (x - half, y - half, x + half, y + half)


@pytest.fixture(scope="module")
def district(
    project_server: str, qgis: QgisRun, tmp_path_factory: pytest.TempPathFactory, django_db_blocker: Any
) -> Drawn:
    """The labelled layers added every way, rendered over the whole district (several tiles of each zoom)."""
    with django_db_blocker.unblock():
        extent = district_extent()
    styles_dir = tmp_path_factory.mktemp("district_styles")
    return render(
        qgis, [job for layer_id in LABELLED for job in jobs_for(project_server, layer_id, extent, styles_dir)]
    )


@pytest.mark.parametrize("kind", ["vectortile", "oapif", "oapif-sld"])
@pytest.mark.parametrize("layer_id", LABELLED)
def test_each_ward_is_named_once_in_its_label_colour(district: Drawn, layer_id: str, kind: str) -> None:
    """Every name once across the district: vector tiles carry one label point per ward (a polygon was named
    once per tile piece: "Phường 5" four times). Drawn at the label colour at full strength (a QML without a
    font weight was read as weight 0: a thin, grey-looking face; a QML whose wards were obstacles to their own
    names dropped those of narrow wards)."""
    image, _ = _drawn(district, layer_id, kind)
    (result, _), _ = district[(layer_id, kind)]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {styles.layer_style(layer_id).label} FROM layer_{layer_id}")
        names = sorted(name for (name,) in cursor.fetchall())
    assert result["labels"] == names
    assert label_pixels(layer_id, image) > 10 * len(names)


@pytest.mark.parametrize("layer_id", LABELLED)
def test_the_raster_tiles_name_the_wards_too(district: Drawn, layer_id: str) -> None:
    image, _ = _drawn(district, layer_id, "wmts")
    assert label_pixels(layer_id, image) > 30


def over(top: tuple[int, ...], bottom: tuple[int, ...]) -> tuple[int, ...]:
    """``top`` drawn over ``bottom`` (straight alpha, 0–255), as any painter composes two translucent fills."""
    a_top, a_bottom = top[3] / 255, bottom[3] / 255
    alpha = a_top + a_bottom * (1 - a_top)
    rgb = [(t * a_top + b * a_bottom * (1 - a_top)) / alpha for t, b in zip(top[:3], bottom[:3], strict=False)]
    return (*(round(v) for v in rgb), round(alpha * 255))


def test_the_ioc_tileset_shows_every_layer_in_one_qgis_layer(rendered: Drawn) -> None:
    """The wall's tileset with its style: drawn over every polygon of every layer in view; inside
    a parcel that only the zoning plan lies under, the parcel's colour over its zone's, as the style stacks them."""
    image, extent = _drawn(rendered, "ioc", "vectortile")
    pixel = (extent[2] - extent[0]) / SIZE
    found = {layer_id: features(layer_id, extent) for layer_id in FILL_LAYERS}
    shapes = [f.geom for layer in found.values() for f in layer]
    assert (image[mask([g.buffer(-2 * pixel) for g in shapes], extent)][:, 3] > 0).mean() > 0.999
    rights_of_way = shapely.union_all([f.geom for f in (*found["road_boundaries"], *found["alleys"])])
    judged = 0
    for parcel in sorted(found["parcels"], key=lambda f: -f.geom.area)[:SAMPLED]:
        inside = parcel.geom.buffer(-3 * pixel)
        zones = [z for z in found["zoning"] if z.geom.contains(inside)]
        if inside.area < 200 * pixel**2 or len(zones) != 1 or inside.intersects(rights_of_way):
            continue
        judged += 1
        want = over(expected_fill("parcels", parcel.code), expected_fill("zoning", zones[0].code))
        got = most_common(image[mask([inside], extent)])
        assert max(abs(a - b) for a, b in zip(got, want, strict=True)) <= 4, (parcel.code, zones[0].code, got, want)
    assert judged >= 3


def test_closer_than_z18_qgis_draws_the_z18_tiles_it_was_told_of(
    project_server: str,
    project_scratch: Path,
    qgis: QgisRun,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """TileJSON says maxzoom 18: a view at z21's resolution is drawn, in the palette, from z18 tiles alone."""
    west, south, east, north = view_extent("parcels")
    x, y, half = (west + east) / 2, (south + north) / 2, (east - west) / 16  # a z19 tile's width, at 1024 px
    extent = (x - half, y - half, x + half, y + half)
    log = project_scratch / "server.log"
    before = len(log.read_text(encoding="utf-8"))
    job = jobs_for(project_server, "parcels", extent, tmp_path_factory.mktemp("overzoom"))[0]
    [(result, image)] = qgis([job])
    assert result["valid"] and result["style"] == [] and result["errors"] == []
    asked = re.findall(r"GET /tiles/parcels/(\d+)/", log.read_text(encoding="utf-8")[before:])
    assert asked and {int(z) for z in asked} == {18}
    assert fill_mismatches("parcels", image, extent) == []
