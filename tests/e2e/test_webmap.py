"""The citizen web map in a real browser: map, layers, search, click, report, language, shareable URL, phone, print."""

from __future__ import annotations

import io
import re
from collections import Counter
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from PIL import Image

from layers import registry, vocabulary
from tests.e2e.conftest import ARTIFACTS, Page
from tile_cache import styles

REPORT = "#report"


def a_parcel(*, cut_by_a_road: bool = True) -> dict[str, Any]:
    """A parcel with an address (and, by default, a right-of-way strip and several zones): the richest report."""
    condition = (
        "EXISTS (SELECT 1 FROM layer_road_boundaries r WHERE ST_Area(ST_Intersection(r.geom, p.geom)) > 1)"
        if cut_by_a_road
        else "TRUE"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.id, p.ward_code, p.map_sheet, p.parcel_no, p.address, "
            "ST_X(ST_Transform(ST_PointOnSurface(p.geom), 4326)), ST_Y(ST_Transform(ST_PointOnSurface(p.geom), 4326)) "
            f"FROM layer_parcels p WHERE p.address IS NOT NULL AND {condition} ORDER BY p.id LIMIT 1"
        )
        row = cursor.fetchone()
    keys = ("id", "ward_code", "map_sheet", "parcel_no", "address", "lon", "lat")
    parcel = dict(zip(keys, row, strict=True))
    parcel["ward_name"] = next(name for name, code in vocabulary.OLD_WARDS.items() if code == parcel["ward_code"])
    parcel["ward_number"] = parcel["ward_name"].split()[-1]
    return parcel


def planning(parcel_id: int) -> dict[str, Any]:
    response = Client().get(f"/api/parcels/{parcel_id}/planning")
    assert response.status_code == 200
    return response.json()


def field_values(page: Page, scope: str) -> dict[str, str]:
    """data-field → data-value of the cells inside `scope` (the API's raw values)."""
    return page.page.eval_on_selector_all(
        f"{scope} [data-field]", "cells => Object.fromEntries(cells.map(c => [c.dataset.field, c.dataset.value]))"
    )


def number(value: Any) -> str:
    return "" if value is None else str(value)


def same(shown: str, expected: Any) -> bool:
    return (shown == "" and expected is None) or float(shown) == float(expected)


def wait_for_report(page: Page, parcel_id: int) -> None:
    page.page.wait_for_function(
        "id => window.webmap.state.shownId === id && !document.querySelector('#report').hidden",
        arg=parcel_id,
    )
    page.wait_for_map()


def assert_report_matches_api(page: Page, parcel_id: int) -> None:
    """Every number in the panel is the API's number for that parcel."""
    api = planning(parcel_id)
    facts = field_values(page, '[data-section="parcel"]')
    for key in ("area", "computed_area", "map_sheet", "parcel_no"):
        assert same(facts[key], api["parcel"][key]), key
    assert facts["ward_name"] == api["parcel"]["ward_name"]
    assert facts["ward_2025_name"] == api["parcel"]["ward_2025_name"]
    assert facts["land_use"] == api["parcel"]["land_use"]
    text = page.page.inner_text(REPORT)
    assert api["parcel"]["land_use_name"] in text
    assert api["parcel"]["ward_2025_name"] in text

    cards = page.page.locator('[data-section="zoning"] .card')
    assert cards.count() == len(api["zoning"]) > 0
    for i, zone in enumerate(api["zoning"]):
        shown = field_values(page, f'[data-zone="{i}"]')
        assert same(shown["area"], zone["area"]) and same(shown["share"], zone["share"])
        if zone["zone_code"]:
            assert same(shown["max_density"], zone.get("max_density"))
            assert same(shown["max_far"], zone.get("max_far"))
            assert same(shown["floors"], zone.get("max_floors"))
            assert zone["zone_code"] in cards.nth(i).inner_text()
        if zone.get("decision_no"):
            assert shown["decision_no"] == zone["decision_no"]

    ways = page.page.locator('[data-section="rights_of_way"] .card')
    assert ways.count() == len(api["rights_of_way"]) > 0
    for i, way in enumerate(api["rights_of_way"]):
        shown = field_values(page, f'[data-row="{i}"]')
        assert same(shown["row_width"], way["row_width"])
        assert same(shown["area_in_row"], way["area_in_row"])
        assert same(shown["buildable_area"], way["buildable_area"])
        assert way["name"] in ways.nth(i).inner_text()

    totals = field_values(page, '[data-section="totals"]')
    for key, value in api["totals"].items():
        assert same(totals[key], value), key
    lang = page.page.evaluate("document.documentElement.lang")
    assert page.page.inner_text('[data-field="disclaimer"]') == api["disclaimer"][lang]


def search(page: Page, text: str) -> None:
    page.page.fill("#search-input", text)
    page.page.press("#search-input", "Enter")


def test_map_draws_our_tiles_with_one_toggle_per_layer(page: Page) -> None:
    page.open()
    assert page.page.title() == "Bản đồ quy hoạch quận Tân Bình"
    titles = page.page.locator("[data-layer-title]").all_text_contents()
    assert titles == [layer.title_vi for layer in registry.LAYERS]
    page.page.click("#layers summary")
    drawn = "id => window.webmap.map.queryRenderedFeatures({layers: [id]}).length"
    assert page.page.evaluate(drawn, "wards-line") > 0
    assert page.page.evaluate(drawn, "zoning-fill") > 0
    page.screenshot("01-overview")

    page.page.uncheck('[data-layer="wards"]')
    assert page.page.evaluate("() => window.webmap.map.getLayoutProperty('wards-line', 'visibility')") == "none"
    page.page.check('[data-layer="wards"]')
    assert page.page.evaluate("() => window.webmap.map.getLayoutProperty('wards-line', 'visibility')") == "visible"
    page.assert_clean()


def test_parcels_are_coloured_by_the_first_land_use_code(page: Page) -> None:
    """The fill matches the tiles' class_code: each parcel in its palette colour, not all in the "other" grey."""
    palette = {entry["code"]: entry["color"] for entry in styles.legend("parcels")}
    parcel = a_parcel(cut_by_a_road=False)
    page.open()
    page.page.evaluate(
        """([lon, lat]) => {
            const map = window.webmap.map;
            const kept = ['parcels-fill', 'background'];
            for (const layer of map.getStyle().layers) {
                if (!kept.includes(layer.id)) map.setLayoutProperty(layer.id, 'visibility', 'none');
            }
            map.setPaintProperty('parcels-fill', 'fill-opacity', 1);
            map.jumpTo({center: [lon, lat], zoom: 17});
        }""",
        [parcel["lon"], parcel["lat"]],
    )
    page.wait_for_map()
    found = page.page.evaluate(
        "() => window.webmap.map.queryRenderedFeatures({layers: ['parcels-fill']}).map(f => f.properties)"
    )
    assert found and all(p["class_code"] == p["land_use"].split("+")[0] for p in found)
    shot = Image.open(io.BytesIO(page.page.locator("#map").screenshot())).convert("RGB")
    pixels = {colour: n for n, colour in shot.getcolors(maxcolors=shot.width * shot.height) or []}

    def drawn(colour: str) -> int:
        return pixels.get(tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5)), 0)

    seen = {code for code, colour in palette.items() if code and drawn(colour) >= 50}
    codes = Counter(p["class_code"] for p in found)
    assert codes.most_common(1)[0][0] in seen and len(seen) >= 2, seen
    assert seen <= set(codes), "a colour of a code that is not there"
    assert drawn(palette[""]) < drawn(palette[codes.most_common(1)[0][0]]), "parcels fell to the 'other' colour"
    page.assert_clean()


def parcel_at(page: Page, parcel: dict[str, Any], zoom: float) -> tuple[list[float], Any]:
    """The map centred on the parcel at ``zoom``: the parcel's point on screen and the id drawn under it."""
    page.page.evaluate(
        "([lon, lat, zoom]) => window.webmap.map.jumpTo({center: [lon, lat], zoom})",
        [parcel["lon"], parcel["lat"], zoom],
    )
    page.wait_for_map()
    point = page.page.evaluate(
        "([lon, lat]) => { const p = window.webmap.map.project([lon, lat]); return [p.x, p.y]; }",
        [parcel["lon"], parcel["lat"]],
    )
    under = page.page.evaluate(
        "([x, y]) => window.webmap.map.queryRenderedFeatures([x, y], {layers: ['parcels-fill']})[0]?.id", point
    )
    return point, under


def test_closer_than_z18_the_map_draws_z18_tiles_overzoomed(page: Page) -> None:
    """Tiles stop at z18 (TileJSON maxzoom): at z20.5 the parcel is drawn from them, no z19+ tile is asked for."""
    parcel = a_parcel()
    asked: list[str] = []
    page.page.on("request", lambda request: asked.append(request.url))
    page.open()
    _, under = parcel_at(page, parcel, 20.5)
    assert under == parcel["id"]
    zooms = {int(m[1]) for url in asked if (m := re.search(r"/tiles/[a-z_0-9]+/(\d+)/\d+/\d+\.mvt", url))}
    assert 18 in zooms and max(zooms) == 18, zooms
    page.assert_clean()


def test_search_by_sheet_and_parcel_opens_the_report(page: Page) -> None:
    parcel = a_parcel()
    page.open()
    search(page, f"P{parcel['ward_number']} {parcel['map_sheet']}/{parcel['parcel_no']}")
    wait_for_report(page, parcel["id"])
    assert_report_matches_api(page, parcel["id"])
    assert f"parcel={parcel['ward_code']}-{parcel['map_sheet']}-{parcel['parcel_no']}" in page.page.url
    page.screenshot("02-search-sheet-parcel")

    # The same parcel written out in Vietnamese words.
    page.page.click('[data-action="close"]')
    assert page.page.locator(REPORT).is_hidden()
    search(page, f"tờ {parcel['map_sheet']} thửa {parcel['parcel_no']} phường {parcel['ward_number']}")
    wait_for_report(page, parcel["id"])
    page.assert_clean()


def test_search_without_a_ward_asks_for_it(page: Page) -> None:
    page.open()
    search(page, "tờ 12 thửa 345")
    page.page.wait_for_function("() => document.querySelector('#search-status').textContent.includes('phường')")
    page.assert_clean()


def test_search_by_address_lists_results_and_opens_one(page: Page) -> None:
    parcel = a_parcel(cut_by_a_road=False)
    page.open()
    search(page, parcel["address"])
    result = page.page.locator("#results button", has_text=parcel["address"]).first
    result.wait_for()
    page.screenshot("03-search-address")
    result.click()
    wait_for_report(page, parcel["id"])
    assert parcel["address"] in page.page.inner_text('[data-field="address"]')

    search(page, "hoang van thu")  # a street: the map flies there
    page.page.locator("#results button", has_text="Hoàng Văn Thụ").first.click()
    page.wait_for_map()
    page.assert_clean()


def test_click_on_the_map_selects_and_highlights_the_parcel(page: Page) -> None:
    parcel = a_parcel()
    page.open()
    point, under = parcel_at(page, parcel, 18)
    box = page.page.locator("#map canvas").bounding_box()
    assert under == parcel["id"], "the tile draws the parcel picked in the database under that point"
    page.page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    wait_for_report(page, parcel["id"])
    assert_report_matches_api(page, parcel["id"])
    highlighted = page.page.evaluate(
        "([x, y]) => window.webmap.map.queryRenderedFeatures([x, y], {layers: ['selection-fill']}).length", point
    )
    assert highlighted >= 1
    page.screenshot("04-click-parcel")
    page.assert_clean()


def test_english_switch_translates_the_page_and_the_report(page: Page) -> None:
    parcel = a_parcel()
    page.open(f"/?parcel={parcel['id']}")
    wait_for_report(page, parcel["id"])
    page.page.click('[data-lang="en"]')
    assert page.page.evaluate("document.documentElement.lang") == "en"
    assert page.page.title() == "Tân Bình planning map"
    assert "Planning information" in page.page.inner_text(REPORT)
    assert "Zoning plan 1/2000" in page.page.inner_text(REPORT)
    assert page.page.locator("[data-layer-title]").all_text_contents() == [layer.title_en for layer in registry.LAYERS]
    assert "lang=en" in page.page.url
    assert_report_matches_api(page, parcel["id"])
    computed = planning(parcel["id"])["parcel"]["computed_area"]
    assert f"{computed:,.1f} m²" in page.page.inner_text('[data-section="parcel"]')
    page.screenshot("05-english")

    page.page.click('[data-lang="vi"]')
    assert "Thông tin quy hoạch" in page.page.inner_text(REPORT)
    vi_number = f"{computed:,.1f}".replace(",", "X").replace(".", ",").replace("X", ".")
    assert f"{vi_number} m²" in page.page.inner_text('[data-section="parcel"]')
    page.assert_clean()


def test_shareable_url_restores_the_selection(page: Page) -> None:
    parcel = a_parcel()
    page.open(f"/?parcel={parcel['id']}")
    wait_for_report(page, parcel["id"])
    assert_report_matches_api(page, parcel["id"])
    # The map is zoomed onto the parcel and draws it highlighted.
    assert page.page.evaluate("() => window.webmap.map.getZoom()") >= 16
    x, y = page.page.evaluate(
        "([lon, lat]) => { const p = window.webmap.map.project([lon, lat]); return [p.x, p.y]; }",
        [parcel["lon"], parcel["lat"]],
    )
    assert 0 < x < 1280 and 0 < y < 800
    assert page.page.evaluate(
        "([x, y]) => window.webmap.map.queryRenderedFeatures([x, y], {layers: ['selection-fill']}).length", [x, y]
    )
    # Back in history clears the selection the user made after arriving.
    page.page.click('[data-action="close"]')
    assert "parcel=" not in page.page.url
    page.page.go_back()
    wait_for_report(page, parcel["id"])
    page.assert_clean()


def test_phone_layout_is_a_bottom_sheet(phone_page: Page) -> None:
    page = phone_page
    page.open()
    width = page.page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360, "nothing overflows sideways"
    panel = page.page.locator("#panel").bounding_box()
    assert panel["width"] == 360 and abs(panel["y"] + panel["height"] - 740) < 1, "the panel sits on the bottom edge"
    assert panel["y"] > 740 * 0.45, "the map keeps most of the screen while nothing is selected"
    assert page.page.locator("#search-input").is_visible()
    page.screenshot("06-phone-start")

    parcel = a_parcel()
    search(page, f"P{parcel['ward_number']} {parcel['map_sheet']}/{parcel['parcel_no']}")
    wait_for_report(page, parcel["id"])
    assert page.page.get_attribute("#panel", "data-state") == "open"
    opened = page.page.locator("#panel").bounding_box()
    assert opened["y"] >= 44 + 100, "some map stays visible above the open sheet"
    shown = page.page.locator("#map").bounding_box()
    assert abs(shown["y"] + shown["height"] - 14 - opened["y"]) < 1, "the map shrinks to the space above the sheet"
    x, y = page.page.evaluate(
        "([lon, lat]) => { const p = window.webmap.map.project([lon, lat]); return [p.x, p.y]; }",
        [parcel["lon"], parcel["lat"]],
    )
    assert 0 < x < 360 and 0 < y < shown["height"], "the selected parcel is in view above the sheet"
    assert page.page.evaluate("() => document.documentElement.scrollWidth") <= 360
    assert page.page.locator('[data-field="computed_area"]').is_visible()
    page.screenshot("07-phone-report")

    page.page.click("#sheet-toggle")
    assert page.page.get_attribute("#panel", "data-state") == "peek"
    page.screenshot("08-phone-peek")
    assert_report_matches_api(page, parcel["id"])
    page.assert_clean()


def test_print_shows_the_report_alone(page: Page) -> None:
    parcel = a_parcel()
    page.open(f"/?parcel={parcel['id']}")
    wait_for_report(page, parcel["id"])
    page.page.emulate_media(media="print")
    assert page.page.locator("#map").is_hidden()
    assert page.page.locator("#search-form").is_hidden()
    assert page.page.locator('[data-action="print"]').is_hidden()
    assert page.page.locator('[data-section="zoning"]').is_visible()
    assert page.page.locator('[data-field="disclaimer"]').is_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.page.screenshot(path=str(ARTIFACTS / "09-print.png"), full_page=True)
    pdf = page.page.pdf(path=str(ARTIFACTS / "09-print.pdf"), format="A4")
    assert pdf.startswith(b"%PDF")
    assert re.search(r"Thông tin quy hoạch", page.page.inner_text(REPORT))
    page.assert_clean()


def test_each_ward_is_named_once_on_the_map(page: Page) -> None:
    """The names come from the tiles' one label point per ward: over the whole district, tile after tile, no
    name is written twice (a polygon was named once per tile piece)."""
    page.open()
    page.page.evaluate("() => window.webmap.map.jumpTo({zoom: 14})")  # the district spans several tiles
    page.wait_for_map()
    for layer in ("wards", "wards_2025"):
        names = page.page.evaluate(
            "id => window.webmap.map.queryRenderedFeatures({layers: [id]}).map(f => f.properties.name)",
            f"{layer}-label",
        )
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT name FROM layer_{layer}")
            known = {name for (name,) in cursor.fetchall()}
        assert names, f"no {layer} name drawn"
        assert len(names) == len(set(names)), Counter(names).most_common(3)
        assert set(names) <= known
    page.screenshot("ward-names")
    page.assert_clean()


def test_a_shared_link_names_the_parcel_by_its_cadastral_key(page: Page) -> None:
    """The address a citizen copies says ward-sheet-parcel, which every reload of the data keeps (a replacing load
    gives the rows new database ids); a link with an id, as shared before, still opens its parcel."""
    parcel = a_parcel()
    key = f"{parcel['ward_code']}-{parcel['map_sheet']}-{parcel['parcel_no']}"
    page.open(f"/?parcel={key}")
    wait_for_report(page, parcel["id"])
    assert_report_matches_api(page, parcel["id"])
    assert page.page.evaluate("() => new URL(location.href).searchParams.get('parcel')") == key
    page.open(f"/?parcel={parcel['id']}")
    wait_for_report(page, parcel["id"])
    assert page.page.evaluate("() => new URL(location.href).searchParams.get('parcel')") == key
    page.assert_clean()


@pytest.mark.parametrize("named", ["26965-999-999", "999999999"])
def test_a_link_to_a_parcel_no_longer_in_the_data_says_so(page: Page, named: str) -> None:
    """Not "could not load the data, try again": trying again will not bring back a parcel that was split, merged
    or renumbered."""
    page.open(f"/?parcel={named}")
    status = page.page.locator("#search-status")
    page.page.wait_for_function("() => document.querySelector('#search-status').textContent.length > 0")
    assert "không còn trong dữ liệu" in (status.text_content() or "")
    assert page.page.locator(REPORT).is_hidden()
