"""The OGC API's HTML pages load nothing from another host (the server must work offline)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

PAGES = [
    "/ogc/?f=html",
    "/ogc/collections?f=html",
    "/ogc/collections/parcels?f=html",
    "/ogc/collections/parcels/items?f=html&limit=5",
    "/ogc/collections/parcels/tiles?f=html",
    "/ogc/collections/parcels/tiles/WebMercatorQuad?f=html",
    "/ogc/collections/parcels/tiles/WebMercatorQuad/metadata?f=html",
    "/ogc/TileMatrixSets?f=html",
    "/ogc/TileMatrixSets/WebMercatorQuad?f=html",
    "/ogc/openapi?f=html",
]
# What a browser fetches: scripts, images, and stylesheet/icon links (not rel=license/author/alternate links).
RESOURCE = re.compile(
    r"<(?:script|img)[^>]+src=\"([^\"]+)\""
    r"|<link(?=[^>]+rel=\"(?:stylesheet|icon|shortcut icon|preload)\")[^>]+href=\"([^\"]+)\""
)
# The tiles page's map: Leaflet (linked on cdnjs and unpkg) and Leaflet.VectorGrid (unpkg), served by us.
TILES_PAGE = "/ogc/collections/parcels/tiles?f=html"
TILES_PAGE_VENDOR = ("ogc/vendor/leaflet/dist/leaflet.js", "ogc/vendor/leaflet/dist/leaflet.css")
VECTORGRID = "ogc/vendor/leaflet.vectorgrid/dist/Leaflet.VectorGrid.bundled"
TILES_PATH = "/ogc/collections/parcels/tiles/WebMercatorQuad/"
PARCELS_MIN_ZOOM = 16
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def _resources(html: str) -> list[str]:
    return [a or b for a, b in RESOURCE.findall(html)]


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_html_pages_use_only_local_resources(client: Client, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    resources = _resources(response.content.decode())
    assert resources
    outside = [r for r in resources if r.startswith("http") and not r.startswith("http://testserver")]
    assert outside == [], outside
    # Every file the page loads from our own static copies is there (set-up: npm ci, vendor, collectstatic).
    for resource in resources:
        path = urlsplit(resource).path
        if path.startswith("/static/"):
            assert client.get(path).status_code == 200, resource


@pytest.mark.django_db
def test_tiles_page_loads_leaflet_and_vectorgrid_locally(client: Client) -> None:
    html = client.get(TILES_PAGE).content.decode()
    assert "cdnjs" not in html
    assert "unpkg" not in html
    scripts = [urlsplit(r).path for r in _resources(html)]
    for name in TILES_PAGE_VENDOR:
        stem, suffix = name.rsplit(".", 1)
        assert any(re.fullmatch(rf"/static/{re.escape(stem)}(\.[0-9a-f]+)?\.{suffix}", s) for s in scripts), name
    assert any(s.startswith(f"/static/{VECTORGRID}") and s.endswith(".js") for s in scripts)


@pytest.mark.django_db
def test_tiles_page_opens_at_the_layers_first_zoom(client: Client) -> None:
    html = client.get(TILES_PAGE).content.decode()
    assert f"map.setView(bounds.getCenter(), {PARCELS_MIN_ZOOM})" in html
    assert "maxZoom=" not in html.split("map.fitBounds(bounds", 1)[1].split(")", 1)[0]


def a_parcel_point(django_db_blocker: Any) -> tuple[float, float]:
    """Latitude and longitude of a point inside a parcel of the sample district."""
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_Y(p), ST_X(p) FROM (SELECT ST_Transform(ST_PointOnSurface(geom), 4326) AS p "
            "FROM layer_parcels ORDER BY id LIMIT 1) s"
        )
        lat, lon = cursor.fetchone()
    return lat, lon


def test_tiles_page_draws_our_vector_tiles_in_chromium(ogc_server: str, django_db_blocker: Any) -> None:
    """The tiles page in a real browser: Leaflet.VectorGrid draws our MVT tiles and nothing leaves the server.

    pygeoapi's page fits the whole district and sets no minimum zoom; ours opens at the layer's first zoom
    (parcels: 16). Any tile asked for outside the limits is a 404, as OGC API - Tiles says; zoomed in on a
    parcel, it is drawn.
    """
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent (Debian: apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Python Playwright is not installed")
    origin = ogc_server.rsplit("/ogc", 1)[0]
    parcel = a_parcel_point(django_db_blocker)
    outside: list[str] = []
    errors: list[str] = []
    tiles: list[tuple[int, int, int]] = []  # zoom, status, Content-Length

    def on_request(request: Any) -> None:
        if not request.url.startswith((origin, "data:", "blob:")):
            outside.append(request.url)

    def on_response(response: Any) -> None:
        path = urlsplit(response.url).path
        if path.startswith(TILES_PATH):
            size = int(response.headers.get("content-length", "0"))
            tiles.append((int(path.removeprefix(TILES_PATH).split("/")[0]), response.status, size))
        # The basemap is MapProxy's, which the OGC test server does not mount; everything else must answer.
        elif response.status >= 400 and not path.startswith("/mapproxy/"):
            errors.append(f"HTTP {response.status}: {response.url}")

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.on("request", on_request)
            page.on("response", on_response)
            page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
            page.goto(origin + TILES_PAGE, wait_until="load")
            page.wait_for_function("() => typeof L !== 'undefined' && typeof L.vectorGrid !== 'undefined'")
            opened_at = page.evaluate("() => map.getZoom()")
            page.evaluate(
                """([center, zoom]) => new Promise((resolve) => {
                    tilesPbfLayer.once('load', () => resolve());
                    map.setView(center, zoom, {animate: false});
                })""",
                [parcel, PARCELS_MIN_ZOOM + 1],
            )
            drawn = page.evaluate(
                """() => [...document.querySelectorAll('#items-map canvas.leaflet-tile')].some((canvas) => {
                    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
                    return pixels.some((value, i) => i % 4 === 3 && value > 0);
                })"""
            )
        finally:
            browser.close()
    assert outside == [], outside
    assert errors == [], errors
    assert opened_at >= PARCELS_MIN_ZOOM, f"the page opened at zoom {opened_at}, where parcels are not served"
    assert all(status == 404 for zoom, status, _ in tiles if zoom < PARCELS_MIN_ZOOM), tiles
    zoomed_in = [(status, size) for zoom, status, size in tiles if zoom >= PARCELS_MIN_ZOOM]
    assert zoomed_in, "the map asked for no parcel tiles once zoomed in"
    assert all(status in (200, 204) for status, _ in zoomed_in), zoomed_in
    assert any(size > 0 for _, size in zoomed_in), zoomed_in
    assert drawn, "no parcel drawn on the map's tiles"
