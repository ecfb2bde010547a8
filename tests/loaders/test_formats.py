"""Every format data staff receive loads into the right layer with the right counts and correct Vietnamese."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import shapely
from django.db import connection

from layers.models import Alley, Parcel, RoadBoundary
from loaders.cli import main


def _load(*args: str) -> int:
    return main(["load", *args, "--quiet"])


def _addresses() -> dict[tuple[str, int, int], str]:
    return {(p.ward_code, p.map_sheet, p.parcel_no): p.address for p in Parcel.objects.all()}


@pytest.fixture
def gpkg_addresses(sample_district: Any) -> dict[tuple[str, int, int], str]:
    """What the clean GeoPackage says, the reference for every other format."""
    fs = sample_district["parcels"]
    names = list(fs.fields)
    key = [names.index(n) for n in ("MaXa", "SoHieuToBanDo", "SoThuTuThua")]
    address = names.index("DiaChi")
    return {(row[key[0]], row[key[1]], row[key[2]]): row[address] for row in fs.rows}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "extra", "exact_case"),
    [
        ("parcels_tcvn3.shp", ["--crs", "vn2000-hcm"], False),  # TCVN3 has no accented capitals (DOMAIN.md §5)
        ("parcels_vni.shp", ["--crs", "vn2000-hcm"], True),
        ("parcels_tcvn3.zip", ["--crs", "vn2000-hcm"], False),
        ("parcels.gdb", [], True),
        ("parcels_vilis.gpkg", [], True),
    ],
)
def test_parcel_formats_load_with_right_counts_and_text(
    sample_dir: Path, gpkg_addresses: dict[tuple[str, int, int], str], name: str, extra: list[str], exact_case: bool
) -> None:
    assert _load("parcels", str(sample_dir / "legacy" / name), "--mode", "replace", "--force", *extra) == 0
    loaded = _addresses()
    assert len(loaded) == len(gpkg_addresses)
    if "vilis" in name:
        return  # the ViLIS layout carries no address column
    for key, text in gpkg_addresses.items():
        assert (loaded[key] if exact_case else loaded[key].casefold()) == (text if exact_case else text.casefold())


@pytest.mark.django_db
def test_shapefile_report_says_what_was_converted(sample_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    path = sample_dir / "legacy" / "parcels_tcvn3.shp"
    assert main(["load", "parcels", str(path), "--mode", "replace", "--crs", "vn2000-hcm", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["notes"]["encoding"] == "tcvn3"
    assert report["notes"]["converted_values"] > 1000
    # PROJ names a CRS made from the alias's PROJ string "unknown": the report says what was given instead
    assert report["notes"]["source_crs"] == "VN-2000 / TM-3 105°45' with the EPSG:6960 shift (--crs vn2000-hcm)"


@pytest.mark.django_db
def test_shapefile_prj_without_datum_shift_needs_the_flag(sample_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _load("parcels", str(sample_dir / "legacy" / "parcels_tcvn3.shp"), "--mode", "replace") == 2
    assert "--crs vn2000-hcm" in capsys.readouterr().err


@pytest.mark.django_db
def test_csv_with_wkt_loads_road_boundaries(sample_dir: Path, sample_district: Any) -> None:
    assert _load("road_boundaries", str(sample_dir / "legacy" / "road_boundaries.csv"), "--mode", "replace",
                 "--crs", "vn2000-hcm") == 0  # fmt: skip
    fs = sample_district["road_boundaries"]
    assert RoadBoundary.objects.count() == len(fs)
    ids = list(fs.fields).index("ma_doan")
    source = {row[ids]: geom for row, geom in zip(fs.rows, fs.geoms, strict=True)}
    for road in RoadBoundary.objects.all():
        assert shapely.hausdorff_distance(shapely.from_wkb(bytes(road.geom.wkb)), source[road.segment_id]) < 1e-6
        assert road.centreline is not None


@pytest.mark.django_db
def test_geojson_centrelines_become_alley_rights_of_way(sample_dir: Path, sample_district: Any) -> None:
    assert _load("alleys", str(sample_dir / "legacy" / "alleys.geojson"), "--mode", "replace") == 0
    fs = sample_district["alleys"]
    assert Alley.objects.count() == len(fs)
    ids = list(fs.fields).index("ma_doan")
    source = {row[ids]: geom for row, geom in zip(fs.rows, fs.geoms, strict=True)}
    for alley in Alley.objects.all():
        derived = shapely.from_wkb(bytes(alley.geom.wkb))
        original = source[alley.segment_id]
        # the generator clips polygons to the district; the derived ROW is the unclipped buffer
        assert shapely.area(shapely.difference(original, derived)) < 0.001 * original.area
        assert abs(derived.area - original.area) / original.area < 0.05


@pytest.mark.django_db
def test_derived_alleys_keep_their_centrelines_in_vn2000(sample_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["load", "alleys", str(sample_dir / "legacy" / "alleys.geojson"), "--mode", "replace"]) == 0
    assert f"; right-of-way polygons drawn from {Alley.objects.count()} centrelines" in capsys.readouterr().out
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM layer_alleys WHERE centreline IS NULL OR ST_SRID(centreline) <> 9210")
        assert cursor.fetchone()[0] == 0


@pytest.mark.django_db
def test_zoning_dxf_drawing_loads_every_block(tmp_path: Path, sample_district: Any) -> None:
    from fixtures.cad import write_zoning_dxf
    from layers.models import ZoningZone

    path = tmp_path / "quy_hoach.dxf"
    write_zoning_dxf(sample_district["zoning"], path)
    assert _load("zoning", str(path), "--mode", "replace", "--crs", "vn2000-hcm") == 0
    fs = sample_district["zoning"]
    codes = list(fs.fields).index("kyhieuloda")
    names = list(fs.fields).index("tenloaisdd")
    source = {row[codes]: (row[names], geom) for row, geom in zip(fs.rows, fs.geoms, strict=True)}
    assert ZoningZone.objects.count() == len(fs)
    for zone in ZoningZone.objects.all():
        name, geom = source[zone.zone_code]
        assert zone.function_name == name  # Vietnamese text through the DXF's byte encoding
        assert abs(zone.geom.area - geom.area) < 0.1  # the generator's zero-area slivers are not drawn


@pytest.mark.django_db
def test_parcel_sheet_dgn_with_a_mapping_file(tmp_path: Path, sample_district: Any) -> None:
    from fixtures.cad import sheet_parcels, write_parcels_dgn

    fs = sample_district["parcels"]
    names = list(fs.fields)
    ward, number = fs.rows[0][names.index("MaXa")], fs.rows[0][names.index("SoHieuToBanDo")]
    sheet = sheet_parcels(fs, ward, number)
    path = tmp_path / "to.dgn"
    count = write_parcels_dgn(sheet, path)
    mapping = tmp_path / "to.yaml"
    mapping.write_text(f"constants: {{ward_code: '{ward}', map_sheet: {number}}}\n", encoding="utf-8")
    args = ("parcels", str(path), "--mode", "upsert", "--crs", "vn2000-hcm", "--mapping", str(mapping))
    assert _load(*args) == 0
    loaded = Parcel.objects.filter(ward_code=ward, map_sheet=number)
    assert loaded.count() == count
    areas = {p.parcel_no: p.area for p in loaded}
    for row in sheet.rows:
        assert areas[row[names.index("SoThuTuThua")]] == pytest.approx(row[names.index("DienTich")], abs=0.05)


@pytest.mark.django_db
def test_csv_with_x_y_columns_is_read_and_points_are_refused_for_a_polygon_layer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "diem.csv"
    path.write_text("x,y,MaXa,SoHieuToBanDo,SoThuTuThua,DienTich,KyHieuMucDichSuDung\n"
                    "598400.5,1196500.5,26965,950,1,80,ODT\n", encoding="utf-8")  # fmt: skip
    assert main(["load", "parcels", str(path), "--mode", "append", "--crs", "vn2000-hcm"]) == 1
    assert "Point where MultiPolygon is expected" in capsys.readouterr().err
