"""The registry is the spine: every layer complete, keys and private fields as DOMAIN.md says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from layers import registry

STYLES = Path(__file__).resolve().parents[2] / "styles"


@pytest.mark.parametrize("layer", registry.LAYERS, ids=registry.ids())
def test_layer_is_complete(layer: registry.Layer) -> None:
    names = layer.field_names
    assert len(set(names)) == len(names), "duplicate field names"
    assert set(layer.key) <= set(names)
    assert all(layer.field(k).required for k in layer.key), "key fields must be required"
    assert 0 <= layer.min_zoom <= layer.max_zoom <= 24
    assert layer.title_vi and layer.title_en and layer.description_vi and layer.description_en
    assert layer.srid == 9210


@pytest.mark.parametrize("layer", registry.LAYERS, ids=registry.ids())
def test_every_layer_has_a_maplibre_style(layer: registry.Layer) -> None:
    style = json.loads((STYLES / f"{layer.style}.json").read_text(encoding="utf-8"))
    assert style["version"] == 8
    assert style["layers"], "a style must draw something"
    assert {item["source-layer"] for item in style["layers"]} == {layer.id}


def test_layer_ids() -> None:
    assert registry.ids() == ("parcels", "zoning", "road_boundaries", "alleys", "wards", "wards_2025")


def test_private_fields_are_owner_and_certificate() -> None:
    private = {(layer.id, f.name) for layer in registry.LAYERS for f in layer.private_fields}
    assert private == {("parcels", "owner_name"), ("parcels", "certificate_no")}


def test_parcel_key_is_old_ward_sheet_parcel() -> None:
    assert registry.PARCELS.key == ("ward_code", "map_sheet", "parcel_no")


@pytest.mark.parametrize(
    ("style_name", "columns"),
    [
        ("land database", ["MaXa", "SoHieuToBanDo", "SoThuTuThua", "DienTich", "KyHieuMucDichSuDung", "TenChu"]),
        ("ViLIS", ["MAXA", "SOHIEUTOBANDO", "SOTHUTUTHUA", "DIENTICH", "KYHIEUMUCDICHSUDUNG"]),
        ("plain shapefile", ["soto", "sothua", "dientich", "maloaidat", "diachithua", "chusudung1", "maxa"]),
    ],
)
def test_parcel_aliases_accept_real_export_layouts(style_name: str, columns: list[str]) -> None:
    from loaders.mapping import match_columns

    matched = match_columns(registry.PARCELS, columns)
    assert {f.name for f in registry.PARCELS.required_fields} <= set(matched), style_name


def test_aliases_do_not_collide_within_a_layer() -> None:
    for layer in registry.LAYERS:
        seen: dict[str, str] = {}
        for spec in layer.fields:
            for name in (spec.name, *spec.aliases):
                assert seen.setdefault(name.lower(), spec.name) == spec.name, (layer.id, name)


def test_unknown_layer_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="parcels"):
        registry.get("nope")
