"""Every polygon layer shows on the MapLibre page in its style: alone on the map, the middle of the widest
polygon of each class is the palette's colour for that class at the style's opacity over the page's
background — what the QGIS tests check of QGIS, checked of Chromium drawing with WebGL."""

from __future__ import annotations

import io
import math

import pytest
from django.db import connection
from PIL import Image

from gis_server.webmap.config import BACKGROUND
from layers import registry
from tests import palette
from tests.e2e.conftest import Page
from tile_cache import styles

FILL_LAYERS = [layer_id for layer_id in registry.ids() if styles.layer_style(layer_id).has_fill]
WORLD_M = 40075016.685578488  # EPSG:3857 metres across the world; MapLibre's world is 512 px at zoom 0
RADIUS_PX = 12  # each judged polygon is drawn at least this wide around its centre
JUDGED = 5


def widest_polygons(layer_id: str) -> list[tuple[str | None, float, float, float]]:
    """Class, longitude, latitude (of the centre of its largest inscribed circle) and that circle's radius in
    Web-Mercator metres, of the widest polygon of each class (of the layer when unclassed); widest first."""
    field = styles.layer_style(layer_id).field
    code = f"split_part({field}, '+', 1)" if field else "id::text"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT code, ST_X(ST_Transform(center, 4326)), ST_Y(ST_Transform(center, 4326)), radius FROM"
            f" (SELECT DISTINCT ON (code) code, center, radius FROM (SELECT {code} code,"
            f" (ST_MaximumInscribedCircle(geom_3857)).* FROM layer_{layer_id}) s ORDER BY code, radius DESC) t"
            " ORDER BY radius DESC LIMIT %s",
            [JUDGED],
        )
        rows = cursor.fetchall()
    return [(code if field else None, lon, lat, radius) for code, lon, lat, radius in rows]


def zoom_for(layer_id: str, radius_m: float) -> float:
    """The zoom at which the circle is RADIUS_PX wide, not below the layer's first zoom nor above z20."""
    wanted = math.log2(WORLD_M * RADIUS_PX / (512 * radius_m))
    return min(20.0, max(registry.get(layer_id).min_zoom + 0.5, wanted))


def expected(layer_id: str, code: str | None) -> tuple[int, ...]:
    """The class's colour at the style's opacity over the page's background."""
    top, opacity = palette.fill(layer_id, code)
    under = palette.rgb(BACKGROUND)
    return tuple(round(t * opacity + u * (1 - opacity)) for t, u in zip(top, under, strict=True))


def drawn_at(page: Page, layer_id: str, lon: float, lat: float, zoom: float) -> tuple[int, ...]:
    """The colour on screen at (lon, lat), the map centred there with only the layer's fill drawn."""
    page.page.evaluate(
        """([fill, lon, lat, zoom]) => {
            const map = window.webmap.map;
            for (const layer of map.getStyle().layers) {
                if (![fill, 'background'].includes(layer.id)) map.setLayoutProperty(layer.id, 'visibility', 'none');
            }
            map.setLayoutProperty(fill, 'visibility', 'visible');
            map.jumpTo({center: [lon, lat], zoom});
        }""",
        [f"{layer_id}-fill", lon, lat, zoom],
    )
    page.wait_for_map()
    x, y = page.page.evaluate(
        "([lon, lat]) => { const p = window.webmap.map.project([lon, lat]); return [p.x, p.y]; }", [lon, lat]
    )
    shot = Image.open(io.BytesIO(page.page.locator("#map").screenshot())).convert("RGB")
    return tuple(shot.getpixel((round(x), round(y))))


@pytest.mark.parametrize("layer_id", FILL_LAYERS)
def test_every_polygon_layer_is_drawn_in_its_palette_colours(page: Page, layer_id: str) -> None:
    """The widest polygon of each class (up to five), alone on the map: its middle is its class's colour."""
    page.open()
    widest = widest_polygons(layer_id)
    assert widest
    wrong = []
    for code, lon, lat, radius in widest:
        got, want = drawn_at(page, layer_id, lon, lat, zoom_for(layer_id, radius)), expected(layer_id, code)
        if max(abs(a - b) for a, b in zip(got, want, strict=True)) > 3:
            wrong.append(f"class {code!r} at {lon:.5f}, {lat:.5f}: drew {got}, the style says {want}")
    assert wrong == []
    page.assert_clean()
