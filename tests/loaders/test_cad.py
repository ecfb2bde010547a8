"""CAD drawings (DXF zoning plan, DGN v7 parcel sheet) written from the sample district and read back.

No database: run with ``-p no:django``.
"""

from __future__ import annotations

import collections
import dataclasses
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
import shapely
import shapely.affinity

from fixtures import cad as fc
from fixtures.district import generate
from fixtures.model import FeatureSet
from gis_server.errors import DataRejected, UsageError
from loaders.cad import (
    DEFAULT_PARCEL_PROFILE,
    DEFAULT_ZONING_PROFILE,
    NOT_A_FEATURE,
    LabelRule,
    dgn_complete,
    profile_from_mapping,
    read_drawing,
)
from loaders.decode import decode_text

# DGN v7 as written by fixtures.cad: 0.1 mm UORs, so each vertex moves ≤ 0.05 mm per axis.
DGN_VERTEX_M = 0.0001


@pytest.fixture(autouse=True)
def _quiet_gdal():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*crs.*", category=UserWarning)
        yield


@pytest.fixture(scope="module")
def district():
    return generate(seed=1536, parcels=3000)


@pytest.fixture(scope="module")
def sheet(district) -> tuple[str, int, FeatureSet]:
    """The map sheet with the most parcels (one ward, one sheet: parcel numbers are unique in it)."""
    rows = district["parcels"].rows
    (ward, number), _ = collections.Counter((r[0], r[2]) for r in rows).most_common(1)[0]
    return ward, number, fc.sheet_parcels(district["parcels"], ward, number)


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cad")


@pytest.fixture(scope="module")
def zoning(district, out):
    path = out / "quy_hoach.dxf"
    assert fc.write_zoning_dxf(district["zoning"], path) == len(district["zoning"])
    return read_drawing(path, DEFAULT_ZONING_PROFILE)


@pytest.fixture(scope="module")
def parcels(sheet, out):
    ward, number, features = sheet
    path = out / "to.dgn"
    assert fc.write_parcels_dgn(features, path) == len(features)
    profile = dataclasses.replace(DEFAULT_PARCEL_PROFILE, constants={"MaXa": ward, "SoHieuToBanDo": number})
    return read_drawing(path, profile)


def _by(table, column) -> dict:
    return {v: shapely.from_wkb(w) for v, w in zip(table.columns[column].tolist(), table.wkb, strict=True)}


def _record(features: FeatureSet, i: int) -> dict:
    return dict(zip(features.fields, features.rows[i], strict=True))


# --- zoning, DXF -------------------------------------------------------------------------------------------


def test_zoning_dxf_gives_one_polygon_per_block(district, zoning):
    assert len(zoning) == len(district["zoning"])
    assert zoning.layer == "entities"
    assert zoning.crs is None
    assert zoning.raw_text
    assert zoning.fids.tolist() == list(range(1, len(zoning) + 1))
    assert sorted(zoning.columns["kyhieuloda"].tolist()) == sorted(district["zoning"].column("kyhieuloda"))


def test_zoning_geometries_match_source(district, zoning):
    got = _by(zoning, "kyhieuloda")
    for code, geom in zip(district["zoning"].column("kyhieuloda"), district["zoning"].geoms, strict=True):
        source = shapely.multipolygons(fc.drawn_parts(geom))
        read = got[code]
        assert read.geom_type == "MultiPolygon"
        assert shapely.get_num_geometries(read) == shapely.get_num_geometries(source), code
        assert abs(read.area - source.area) < 0.01, code
        assert shapely.symmetric_difference(read, source).area < 0.001, code


def test_zoning_labels_join_to_their_block(district, zoning):
    decoded = decode_text(zoning.columns, zoning.raw_text, None).columns
    index = {code: i for i, code in enumerate(zoning.columns["kyhieuloda"].tolist())}
    zones = district["zoning"]
    for i in range(len(zones)):
        src = _record(zones, i)
        k = index[src["kyhieuloda"]]
        assert decoded["maloaisdd"][k] == src["maloaisdd"]
        assert decoded["tenloaisdd"][k] == src["tenloaisdd"]
        assert float(decoded["matdoxd"][k]) == src["matdoxd"]
        assert float(decoded["hssdd"][k]) == src["hssdd"]
        assert int(decoded["sotangtoit"][k]) == src["sotangtoit"]
        assert int(decoded["sotangtoid"][k]) == src["sotangtoid"]


def test_zoning_multipart_blocks_come_back_as_one_feature(district, zoning):
    multi = [i for i, g in enumerate(district["zoning"].geoms) if len(fc.drawn_parts(g)) > 1]
    assert multi, "the sample has multipart blocks"
    got = _by(zoning, "kyhieuloda")
    for i in multi:
        code = district["zoning"].rows[i][0]
        assert shapely.get_num_geometries(got[code]) == len(fc.drawn_parts(district["zoning"].geoms[i]))


def test_zoning_only_reports_the_gaps_between_blocks(district, zoning):
    """Road loops enclose areas that belong to no block: reported, not loaded, never a block's area."""
    blocks = shapely.union_all(district["zoning"].geoms)
    assert zoning.problems
    for problem in zoning.problems:
        assert problem.fid == NOT_A_FEATURE
        assert "has no label" in problem.message
        x, y = (float(v) for v in re.search(r"E ([\d.]+), N ([\d.]+)", problem.message).groups())
        assert blocks.distance(shapely.Point(x, y)) > 0.001, problem.message


def test_fids_follow_reading_order(zoning):
    points = shapely.point_on_surface(shapely.from_wkb(zoning.wkb))
    y = shapely.get_y(points)
    assert y[0] > y[-1]


# --- parcels, DGN v7 ----------------------------------------------------------------------------------------


def test_parcel_dgn_gives_one_polygon_per_parcel(sheet, parcels):
    ward, number, features = sheet
    assert len(features) >= 100
    assert len(parcels) == len(features)
    assert parcels.layer == "elements"
    assert parcels.problems == []
    assert set(parcels.columns["MaXa"].tolist()) == {ward}
    assert set(parcels.columns["SoHieuToBanDo"].tolist()) == {number}


def test_parcel_geometries_match_source_within_dgn_resolution(sheet, parcels):
    _, _, features = sheet
    got = _by(parcels, "SoThuTuThua")
    for number, geom in zip(features.column("SoThuTuThua"), features.geoms, strict=True):
        read = got[str(number)]
        assert abs(read.area - geom.area) < 0.01, number
        assert shapely.symmetric_difference(read, geom).area < geom.length * DGN_VERTEX_M, number
        assert shapely.hausdorff_distance(read, geom) < DGN_VERTEX_M, number


def test_parcel_labels_join_to_their_parcel(sheet, parcels):
    _, _, features = sheet
    index = {n: i for i, n in enumerate(parcels.columns["SoThuTuThua"].tolist())}
    for i in range(len(features)):
        src = _record(features, i)
        k = index[str(src["SoThuTuThua"])]
        assert float(parcels.columns["DienTich"][k]) == src["DienTich"]
        assert parcels.columns["KyHieuMucDichSuDung"][k] == src["KyHieuMucDichSuDung"]


def test_parcels_limit_and_dgn_end_marker(sheet, out):
    _, _, features = sheet
    path = out / "first.dgn"
    assert fc.write_parcels_dgn(features, path, limit=25) == 25
    assert dgn_complete(path.read_bytes())
    assert not dgn_complete(path.read_bytes()[:-600])
    assert len(read_drawing(path, DEFAULT_PARCEL_PROFILE)) == 25


# --- findings on hand-spoilt drawings (parcels drawn as DXF on layers named after the DGN levels) -----------


@pytest.fixture(scope="module")
def small(sheet) -> FeatureSet:
    _, _, features = sheet
    return fc.subset(features, list(range(40)))


def _inside(part, point) -> bool:
    return bool(part.contains_properly(point))


def _write(entities: fc.Entities, path: Path):
    fc.write_dxf(entities, path)
    return read_drawing(path, DEFAULT_PARCEL_PROFILE)


def test_level_numbers_match_dxf_layer_names(small, out):
    table = _write(fc.parcel_entities(small), out / "levels.dxf")
    assert len(table) == len(small)
    assert table.problems == []


def test_unlabelled_parcel_is_reported_not_loaded(small, out):
    entities = fc.parcel_entities(small)
    victim = small.geoms[5]
    entities.texts = [t for t in entities.texts if not _inside(victim, t[2])]
    table = _write(entities, out / "unlabelled.dxf")
    assert len(table) == len(small) - 1
    [problem] = table.problems
    assert problem.fid == NOT_A_FEATURE
    assert "has no label" in problem.message


def test_missing_area_label_is_reported_on_the_feature(small, out):
    entities = fc.parcel_entities(small)
    victim = small.geoms[7]
    entities.texts = [t for t in entities.texts if not (t[0] == 21 and _inside(victim, t[2]))]
    table = _write(entities, out / "no_area.dxf")
    assert len(table) == len(small)
    [problem] = table.problems
    k = table.fids.tolist().index(problem.fid)
    assert problem.field == "DienTich"
    assert table.columns["SoThuTuThua"][k] == str(small.rows[7][3])
    assert table.columns["DienTich"][k] is None


def test_label_outside_every_parcel_is_reported(small, out):
    entities = fc.parcel_entities(small)
    x0, y0, _, _ = shapely.total_bounds(small.geoms)
    entities.texts.append((20, "999", shapely.Point(x0 - 50, y0 - 50)))
    table = _write(entities, out / "stray.dxf")
    assert len(table) == len(small)
    [problem] = table.problems
    assert (problem.fid, problem.field) == (NOT_A_FEATURE, "SoThuTuThua")
    assert "'999'" in problem.message
    assert "inside no closed boundary" in problem.message


def test_two_different_numbers_in_one_parcel_are_reported(small, out):
    entities = fc.parcel_entities(small)
    victim = small.geoms[3]
    entities.texts.append((20, "777", shapely.point_on_surface(victim)))
    table = _write(entities, out / "double.dxf")
    assert len(table) == len(small)
    [problem] = table.problems
    assert problem.field == "SoThuTuThua"
    assert "conflicting" in problem.message
    assert "'777'" in problem.message
    k = table.fids.tolist().index(problem.fid)
    assert table.columns["SoThuTuThua"][k] is None
    assert float(table.columns["DienTich"][k]) == small.rows[3][6]


def _shorten(line, by: float):
    """The line with its last vertex pulled back ``by`` metres along its last segment."""
    xy = shapely.get_coordinates(line)
    step = xy[-1] - xy[-2]
    xy[-1] = xy[-1] - step / np.hypot(*step) * by
    return shapely.linestrings(xy)


def test_small_gaps_in_boundaries_still_close(small, out):
    """Every third boundary line stops 5 mm short (lines under 0.5 m stay: a gap must be smaller than the edge)."""
    entities = fc.parcel_entities(small)
    opened = [(w, _shorten(g, 0.005) if g.length > 0.5 else g) for w, g in entities.lines[::3]]
    assert sum(g.length > 0.5 for _, g in entities.lines[::3]) > 10
    entities.lines = opened + entities.lines[1::3] + entities.lines[2::3]
    square = shapely.box(0, 0, 10, 10)
    x0, y0, _, _ = shapely.total_bounds(small.geoms)
    ring = shapely.affinity.translate(_shorten(square.exterior, 0.005), x0 - 100, y0 - 100)
    entities.lines.append((10, ring))
    entities.texts += [(20, "1000", shapely.Point(x0 - 95, y0 - 95)), (21, "100.0", shapely.Point(x0 - 95, y0 - 96))]
    entities.texts.append((22, "ODT", shapely.Point(x0 - 95, y0 - 97)))
    table = _write(entities, out / "gaps.dxf")
    assert table.problems == []
    assert len(table) == len(small) + 1
    got = _by(table, "SoThuTuThua")
    assert abs(got["1000"].area - 100.0) < 0.05
    for number, geom in zip(small.column("SoThuTuThua"), small.geoms, strict=True):
        assert abs(got[str(number)].area - geom.area) < 0.05, number


def test_gap_wider_than_the_tolerance_stays_open(out):
    ring = _shorten(shapely.box(0, 0, 10, 10).exterior, 0.05)
    entities = fc.Entities(lines=[(10, ring)], texts=[(20, "1", shapely.Point(5, 5))])
    fc.write_dxf(entities, out / "open.dxf")
    table = read_drawing(out / "open.dxf", DEFAULT_PARCEL_PROFILE)
    assert len(table) == 0
    assert "inside no closed boundary" in table.problems[0].message


def test_multipart_parcel_is_grouped_by_its_labels(out):
    left, right = shapely.box(0, 0, 10, 10), shapely.box(14, 0, 24, 10)
    features = FeatureSet(
        ("SoThuTuThua", "DienTich", "KyHieuMucDichSuDung"),
        [(1, 200.0, "ODT"), (2, 100.0, "CLN")],
        np.array([shapely.multipolygons([left, right]), shapely.box(0, 10, 10, 20)], dtype=object),
    )
    table = _write(fc.parcel_entities(features), out / "multi.dxf")
    assert len(table) == 2
    got = _by(table, "SoThuTuThua")
    assert got["1"].geom_type == "MultiPolygon"
    assert shapely.get_num_geometries(got["1"]) == 2
    assert shapely.equals(got["1"], features.geoms[0])
    assert table.fids.tolist() == [1, 2]
    assert table.columns["SoThuTuThua"].tolist() == ["2", "1"]  # north first


# --- one level for everything: regexes tell the texts apart ------------------------------------------------


def test_single_level_drawing_with_regex_rules(small, out):
    entities = fc.parcel_entities(small)
    entities.texts = [(1, text, point) for _, text, point in entities.texts]
    entities.lines = [(1, line) for _, line in entities.lines]
    profile = dataclasses.replace(
        DEFAULT_PARCEL_PROFILE,
        boundaries=(1,),
        labels=(
            LabelRule("SoThuTuThua", (1,), r"^\d+$"),
            LabelRule("DienTich", (1,), r"^\d+[.,]\d+$"),
            LabelRule("KyHieuMucDichSuDung", (1,), r"^[A-Z]{3}(\+[A-Z]{3})*$"),
        ),
    )
    fc.write_dxf(entities, out / "one_level.dxf")
    table = read_drawing(out / "one_level.dxf", profile)
    assert table.problems == []
    index = {n: i for i, n in enumerate(table.columns["SoThuTuThua"].tolist())}
    for row in small.rows:
        assert float(table.columns["DienTich"][index[str(row[3])]]) == row[6]


# --- files the loader refuses -------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".dxf", ".dgn"])
def test_garbage_is_rejected_in_one_line(out, suffix):
    path = out / f"garbage{suffix}"
    path.write_bytes(b"\x00\x17not a drawing at all\n" * 40)
    with pytest.raises(DataRejected) as info:
        read_drawing(path, DEFAULT_PARCEL_PROFILE)
    message = info.value.user_message
    assert path.name in message
    assert "\n" not in message
    assert "DGN v7" in message


@pytest.mark.parametrize("name", ["quy_hoach.dxf", "to.dgn"])
def test_truncated_drawing_is_rejected(zoning, parcels, out, name):
    data = (out / name).read_bytes()
    path = out / f"cut_{name}"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataRejected) as info:
        read_drawing(path, DEFAULT_ZONING_PROFILE if name.endswith("dxf") else DEFAULT_PARCEL_PROFILE)
    assert path.name in info.value.user_message
    assert "\n" not in info.value.user_message


def test_missing_file_is_a_usage_error(out):
    with pytest.raises(UsageError):
        read_drawing(out / "nowhere.dgn", DEFAULT_PARCEL_PROFILE)


def test_no_boundary_layer_names_the_layers_found(zoning, out):
    profile = dataclasses.replace(DEFAULT_ZONING_PROFILE, boundaries=("RANH_THUA",))
    with pytest.raises(DataRejected) as info:
        read_drawing(out / "quy_hoach.dxf", profile)
    message = info.value.user_message
    assert "RANH_THUA" in message
    assert "ranh_o_pho" in message.lower()
    assert "\n" not in message


# --- profiles from a mapping file ---------------------------------------------------------------------------


def test_profile_from_mapping_overrides_only_what_it_names():
    data = {
        "boundaries": [5],
        "labels": [{"field": "SoThuTuThua", "layers": [6], "pattern": r"^(?P<value>\d+)/\d+$"}],
        "constants": {"MaXa": "26965"},
    }
    profile = profile_from_mapping(data, DEFAULT_PARCEL_PROFILE)
    assert profile.boundaries == (5,)
    assert profile.labels[0].value("12/3") == "12"
    assert profile.constants == {"MaXa": "26965"}
    assert profile.snap_tolerance == DEFAULT_PARCEL_PROFILE.snap_tolerance
    assert profile_from_mapping({}, DEFAULT_ZONING_PROFILE) == DEFAULT_ZONING_PROFILE


@pytest.mark.parametrize(
    "data",
    [{"levels": [1]}, {"labels": [{"layers": [1]}]}, {"labels": [{"field": "x", "pattern": "("}]}],
)
def test_bad_mapping_is_a_usage_error(data):
    with pytest.raises(UsageError):
        profile_from_mapping(data, DEFAULT_PARCEL_PROFILE)
