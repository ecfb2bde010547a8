"""The web map page without a browser: its configuration, its style (our tiles only) and the set-up check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from layers import registry


def page_config(client: Client) -> dict[str, Any]:
    response = client.get("/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    start = html.index('<script id="webmap-config" type="application/json">') + len(
        '<script id="webmap-config" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


@pytest.mark.django_db
def test_page_serves_one_toggle_per_registry_layer(webmap_settings: Any, client: Client) -> None:
    config = page_config(client)
    assert [(layer["id"], layer["title_vi"]) for layer in config["layers"]] == [
        (layer.id, layer.title_vi) for layer in registry.LAYERS
    ]
    drawn = {entry["id"] for entry in config["style"]["layers"]}
    for layer in config["layers"]:
        assert layer["style_layers"], layer["id"]
        assert set(layer["style_layers"]) <= drawn
    assert client.head("/").status_code == 200


@pytest.mark.django_db
def test_style_uses_our_tiles_only_and_names_no_glyph_server(webmap_settings: Any, client: Client) -> None:
    """Offline: no glyph server, no sprites; the names MapLibre draws with the browser's fonts are the wards'
    label points."""
    style = page_config(client)["style"]
    assert "glyphs" not in style and "sprite" not in style, "the page must work offline"
    symbols = [entry for entry in style["layers"] if entry["type"] == "symbol"]
    assert {entry["source-layer"] for entry in symbols} == {"wards", "wards_2025"}
    assert all(entry["filter"] == ["==", ["geometry-type"], "Point"] for entry in symbols)
    (source,) = style["sources"].values()
    assert source["url"] == "http://testserver/tiles/ioc.json"
    tilejson = client.get("/tiles/ioc.json").json()
    layer_ids = {layer["id"] for layer in tilejson["vector_layers"]}
    assert {entry["source-layer"] for entry in style["layers"] if "source-layer" in entry} == layer_ids
    private = {f.name for layer in registry.LAYERS for f in layer.private_fields}
    assert not private & set(json.dumps(style).split('"')), "no private field is styled"


def test_check_names_the_set_up_step_when_maplibre_is_missing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from gis_server.webmap import checks, config

    assert checks.vendor_files() == [], "npm ci + npm run vendor ran at set-up"
    monkeypatch.setattr(config, "VENDOR_DIR", tmp_path)  # the check reads the page's configuration when it runs
    (error,) = checks.vendor_files()
    assert error.id == "webmap.E001"
    assert "npm ci --prefix frontend" in (error.hint or "")
