"""Field mapping: real export layouts without options, mapping files, value maps and vocabularies."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

from gis_server.errors import DataRejected, UsageError
from layers import registry, vocabulary
from loaders.mapping import Problem, convert_column, map_fields
from loaders.profile import load_profile

FIDS = np.array([1, 2, 3])


def columns(**values: list[object]) -> dict[str, np.ndarray]:
    return {name: np.array(v, dtype=object) for name, v in values.items()}


def test_plain_shapefile_layout_maps_without_options() -> None:
    source = columns(
        maxa=["P2", "Phường 2", "26965"], soto=["12", "12", "13"], sothua=["1", "2", "3"],
        dientich=["80,5", "100", "60.25"], maloaidat=["ODT", "otc+cln", "Đất ở đô thị"], chusudung1=["A", "B", "C"],
    )  # fmt: skip
    table = map_fields(registry.PARCELS, source, FIDS, "thua.shp")
    assert table.columns["ward_code"] == ["26965", "26965", "26965"]
    assert table.columns["map_sheet"] == [12, 12, 13]
    assert table.columns["area"] == [80.5, 100.0, 60.25]
    assert table.columns["land_use"] == ["ODT", "ODT+CLN", "ODT"]
    assert table.columns["owner_name"] == ["A", "B", "C"]
    assert not table.problems and not table.warnings


def test_bad_number_is_a_problem_naming_feature_and_field() -> None:
    source = columns(MaXa=["26965"] * 3, SoHieuToBanDo=["1", "x1", "1"], SoThuTuThua=[1, 2, 3],
                     DienTich=[1.0, 2.0, 3.0], KyHieuMucDichSuDung=["ODT"] * 3)  # fmt: skip
    table = map_fields(registry.PARCELS, source, FIDS, "thua.gpkg")
    assert [(p.fid, p.field) for p in table.problems] == [(2, "map_sheet")]


def test_unknown_codes_are_warnings() -> None:
    source = columns(MaXa=["Phường 99", "26965", "26965"], SoHieuToBanDo=[1, 1, 1], SoThuTuThua=[1, 2, 3],
                     DienTich=[1.0, 2.0, 3.0], KyHieuMucDichSuDung=["ODT", "XYZ", "ODT"])  # fmt: skip
    table = map_fields(registry.PARCELS, source, FIDS, "thua.gpkg")
    assert {(w.fid, w.field) for w in table.warnings} == {(1, "ward_code"), (2, "land_use")}


def test_mapping_file_fields_constants_and_value_maps(tmp_path: Path) -> None:
    mapping = tmp_path / "to12.yaml"
    mapping.write_text(
        "fields: {parcel_no: SO_HIEU, area: DT}\nconstants: {ward_code: 'Phường 2', map_sheet: 12}\n"
        "values: {land_use: {NHA: ODT, 'Đất chợ': DCH}}\n",
        encoding="utf-8",
    )
    profile = load_profile(mapping, registry.PARCELS)
    source = columns(SO_HIEU=[5, 6, 7], DT=[50.0, 60.0, 70.0], LOAI=["NHA", "dat cho", "TMD"])
    source_with_use = {**source, "mdsd": source["LOAI"]}
    table = map_fields(registry.PARCELS, source_with_use, FIDS, "to12.dgn", profile)
    assert table.columns["ward_code"] == ["26965"] * 3
    assert table.columns["map_sheet"] == [12] * 3
    assert table.columns["parcel_no"] == [5, 6, 7]
    assert table.columns["land_use"] == ["ODT", "DCH", "TMD"]


def test_value_maps_give_values_of_the_fields_kind(tmp_path: Path) -> None:
    """A mapped number written as text in YAML loads as a number; one that is not a number rejects the feature."""
    mapping = tmp_path / "sheets.yaml"
    mapping.write_text("values: {map_sheet: {5: '12', 6: 13, 7: mười}}\n", encoding="utf-8")
    source = columns(MaXa=["26965"] * 3, SoHieuToBanDo=[5, 6, 7], SoThuTuThua=[1, 2, 3],
                     DienTich=[1.0, 2.0, 3.0], KyHieuMucDichSuDung=["ODT"] * 3)  # fmt: skip
    table = map_fields(registry.PARCELS, source, FIDS, "thua.gpkg", load_profile(mapping, registry.PARCELS))
    assert table.columns["map_sheet"] == [12, 13, None]
    assert [(p.fid, p.field) for p in table.problems] == [(3, "map_sheet")]
    assert "the mapping file maps '7' to 'mười'" in table.problems[0].message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("fields: {nope: X}\n", "fields.nope is not a field of parcels"),
        ("colour: red\n", "unknown key(s) colour"),
        ("fields: [a, b]\n", "fields must be a mapping"),
        ("fields: {a: [\n", "not valid UTF-8 YAML at line"),
    ],
)
def test_bad_mapping_files_say_what_to_fix(tmp_path: Path, text: str, message: str) -> None:
    mapping = tmp_path / "bad.yaml"
    mapping.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError, match=re.escape(message)):
        load_profile(mapping, registry.PARCELS)


def test_mapping_to_a_missing_column_names_the_columns(tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text("fields: {parcel_no: SOTHUA_X}\n", encoding="utf-8")
    with pytest.raises(DataRejected, match=r"SOTHUA_X.*its columns: MaXa"):
        map_fields(registry.PARCELS, columns(MaXa=["1"] * 3), FIDS, "f.gpkg", load_profile(mapping, registry.PARCELS))


@pytest.mark.parametrize(
    ("value", "code"),
    [("Phường 15", "27007"), ("P.4", "26968"), ("phuong 4", "26968"), ("4", "26968"), ("26968", "26968")],
)
def test_old_ward_names(value: str, code: str) -> None:
    assert vocabulary.old_ward_code(value) == code


def test_2025_ward_names_without_diacritics() -> None:
    assert vocabulary.ward_2025_code("tan son nhat") == "26968"
    assert vocabulary.ward_2025_code("Bảy Hiền") == "26983"


def test_land_use_vocabulary_has_names_for_every_code() -> None:
    data = vocabulary.land_use()
    assert all(vocabulary.land_use_name(code) for code in data["codes"])
    assert set(data["legacy"].values()) <= set(data["codes"])
    assert set(data["names"].values()) <= set(data["codes"])


@pytest.mark.parametrize(
    ("values", "expected", "problems"),
    [
        ([12.0, math.nan, 3.0], [12, None, 3], 0),  # GDAL's nullable integer column: floats with NaN
        ([1.5, 2.0], [None, 2], 1),  # not a whole number: rejected by name, the rest converted
        ([3e9, 1.0], [3_000_000_000, 1], 0),  # beyond int4: value by value, as before (the database refuses it)
        ([math.inf, -0.0], [None, 0], 1),
    ],
)
def test_integer_fields_from_float_columns(values: list[float], expected: list[object], problems: int) -> None:
    spec = next(f for f in registry.PARCELS.fields if f.name == "old_map_sheet")
    found: list[Problem] = []
    converted = convert_column(spec, np.array(values, dtype=np.float64), np.arange(1, len(values) + 1), found)
    assert converted == expected and [type(v) for v in converted] == [type(v) for v in expected]
    assert len(found) == problems and all(p.field == "old_map_sheet" for p in found)
