"""The web map follows the data: after a load, the tiles in view are asked for again under the new version.

The server thread sees only committed rows, so the load record is written on a connection of its own and
removed afterwards (the tiles themselves do not change: what is tested is that the page notices).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from layers import registry
from tests.e2e.conftest import DESKTOP, Page, _page
from tests.loaders.conftest import _connect
from tile_cache import styles, tilejson
from tile_cache.grid import IOC

TILES = "window.webmap.map.getSource('tanbinh').tiles[0]"
TILE = re.compile(rf"/tiles/{IOC}/(\d+)/(\d+)/(\d+)\.mvt(\?v=\d+)?$")


@contextmanager
def committed_load(layer: str) -> Iterator[int]:
    """A finished load record of ``layer``, committed for as long as the block runs."""
    with _connect(connection.settings_dict["NAME"], autocommit=True) as conn:
        row = conn.execute(
            'INSERT INTO gis_load (layer, source, sha256, mode, options, "user", started_at, finished_at, status, '
            "counts, report) VALUES (%s, 'e2e', '', 'append', '{}', 'e2e', now(), now(), 'done', '{}', '{}') "
            "RETURNING id",
            (layer,),
        ).fetchone()
        assert row is not None
        load_id = row[0]
        try:
            yield int(load_id)
        finally:
            conn.execute("DELETE FROM gis_load WHERE id = %s", (load_id,))


def test_after_a_load_the_map_asks_for_the_tiles_in_view_again_under_its_version(page: Page, settings: Any) -> None:
    settings.GIS_MAP_REFRESH_SECONDS = 1
    asked: list[re.Match[str]] = []

    def record(request: Any) -> None:
        if found := TILE.search(request.url):
            asked.append(found)

    page.page.on("request", record)
    page.open()
    first = {m.group(1, 2, 3) for m in asked}
    assert first, "the map drew its tiles"
    count = len(asked)
    page.page.wait_for_timeout(2_500)  # two checks and more: nothing changed, nothing is asked again
    assert len(asked) == count
    with committed_load("wards") as load_id:
        page.page.wait_for_function(f"() => {TILES}.endsWith('?v={load_id}')", timeout=10_000)
        # Not ``wait_for_map``: MapLibre may send no further 'idle' event once the reloaded tiles are in.
        page.page.wait_for_function("() => window.webmap.map.loaded() && window.webmap.map.areTilesLoaded()")
    again = asked[count:]
    assert again and {m.group(4) for m in again} == {f"?v={load_id}"}, "asked again, under the new URL"
    assert {m.group(1, 2, 3) for m in again} <= first, "the tiles the map holds, not others"
    assert page.page.locator("#data-stamp").is_hidden(), "the stamp is the wall's"
    page.assert_clean()


def test_the_wall_shows_the_map_every_legend_and_when_its_data_last_changed(page: Page, settings: Any) -> None:
    """``?wall``: the operations centre's screen. Nothing to type into, every layer's legend open, and a stamp
    that moves on when a load changes what the map shows."""
    settings.GIS_MAP_REFRESH_SECONDS = 1
    page.open("/?wall")
    screen = page.page
    assert screen.locator("#search-form").is_hidden() and screen.locator("#intro").is_hidden()
    classed = [layer.id for layer in registry.LAYERS if styles.legend(layer.id)]
    legends = screen.locator("#layer-list details.legend")
    assert legends.count() == len(classed) > 0
    assert all(legends.nth(n).evaluate("d => d.open") for n in range(legends.count()))
    assert screen.locator("#layer-list details.legend li").last.is_visible()
    stamp = screen.locator("#data-stamp")
    assert stamp.is_visible() and re.search(r"\d\d:\d\d", stamp.text_content() or "")
    last = tilejson.last_change(registry.LAYERS)
    assert last is not None and last[1] is not None
    assert (stamp.get_attribute("data-version"), stamp.get_attribute("data-updated")) == (
        str(last[0]), last[1].isoformat()), "the end of the last load, not the page's opening"  # fmt: skip
    with committed_load("zoning") as load_id:
        screen.wait_for_function(f"() => document.querySelector('#data-stamp').dataset.version === '{load_id}'")
        changed = tilejson.last_change(registry.LAYERS)
        assert changed is not None and changed[1] is not None
        assert stamp.get_attribute("data-updated") == changed[1].isoformat()
    page.screenshot("wall")
    page.assert_clean()


@pytest.fixture
def new_york_page(browser: Any, server_url: str, db: None) -> Iterator[Page]:
    """A browser whose clock is not the district's."""
    yield from _page(browser, server_url, DESKTOP, timezone_id="America/New_York")


def test_the_wall_tells_the_time_of_the_district_whatever_the_screen_is_set_to(new_york_page: Page) -> None:
    """A wall PC left on another time zone still says when the data changed in Ho Chi Minh City's time (the
    server's TIME_ZONE), as the printed planning sheets do."""
    new_york_page.open("/?wall")
    last = tilejson.last_change(registry.LAYERS)
    assert last is not None and last[1] is not None
    text = new_york_page.page.locator("#data-stamp").text_content() or ""
    here, there = (last[1].astimezone(ZoneInfo(zone)) for zone in ("Asia/Ho_Chi_Minh", "America/New_York"))
    assert f"{here:%H:%M}" in text and f"{there:%H:%M}" not in text, text
    assert f"{here.day}/{here.month}/" in text, text
