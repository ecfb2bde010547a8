"""`gis load`: the sample district loads through the CLI; bad input fails with one line and changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely
from django.db import connection

from layers import crs
from layers.models import Load, Parcel, Ward
from loaders.cli import main

# A 5 x 20 m lot near Tân Sơn Nhất, in VN-2000 metres.
LOT = shapely.box(598_400.0, 1_196_500.0, 598_405.0, 1_196_520.0)


def write_parcels(
    path: Path, geoms: list[object], rows: list[dict[str, object]], srs: str | None = "EPSG:9210"
) -> Path:
    names = list(rows[0])
    data = [np.array([row[name] for row in rows], dtype=object) for name in names]
    wkb = np.array([None if g is None else shapely.to_wkb(g) for g in geoms], dtype=object)
    pyogrio.raw.write(path, wkb, data, names, driver="GPKG", crs=srs, geometry_type="Unknown", layer="thua")
    return path


def lot_row(sheet: int, parcel: int, **extra: object) -> dict[str, object]:
    return {
        "MaXa": "26965",
        "SoHieuToBanDo": sheet,
        "SoThuTuThua": parcel,
        "DienTich": 100.0,
        "KyHieuMucDichSuDung": "ODT",
        "TenChu": "Nguyễn Văn A",
        **extra,
    }


def _parcel_state() -> list[tuple[object, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, ward_code, map_sheet, parcel_no, md5(ST_AsBinary(geom)) FROM layer_parcels ORDER BY id"
        )
        return cursor.fetchall()


@pytest.mark.django_db
def test_sample_district_is_loaded_with_right_counts(sample_dir: Path) -> None:
    read = {layer: pyogrio.read_info(sample_dir / f"{layer}.gpkg")["features"] for layer in ("parcels", "wards")}
    assert Parcel.objects.count() == read["parcels"]
    assert Ward.objects.count() == read["wards"] == 15
    latest = Load.objects.filter(layer="parcels", status="done").first()
    assert latest is not None
    assert latest.counts["written"] == read["parcels"]
    assert latest.changed_extent is not None


@pytest.mark.django_db
def test_every_parcel_has_both_wards_and_private_fields_are_loaded(sample_dir: Path) -> None:
    assert not Parcel.objects.filter(ward_2025_code__isnull=True).exists()
    assert Parcel.objects.filter(owner_name__isnull=False).exists()


@pytest.mark.django_db
def test_loaded_geometry_is_the_file_geometry_to_the_millimetre(sample_dir: Path) -> None:
    meta, _fids, wkb, fields = pyogrio.raw.read(sample_dir / "parcels.gpkg", max_features=50)
    names = list(meta["fields"])
    source = shapely.from_wkb(wkb)
    for i in range(len(source)):
        key = {
            "ward_code": fields[names.index("MaXa")][i],
            "map_sheet": int(fields[names.index("SoHieuToBanDo")][i]),
            "parcel_no": int(fields[names.index("SoThuTuThua")][i]),
        }
        stored = shapely.from_wkb(bytes(Parcel.objects.get(**key).geom.wkb))
        assert shapely.hausdorff_distance(stored, source[i]) < 1e-3


@pytest.mark.django_db
def test_same_file_again_is_a_no_op(sample_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = Load.objects.count()
    assert main(["load", "wards", str(sample_dir / "wards.gpkg"), "--mode", "replace"]) == 0
    assert "unchanged since load" in capsys.readouterr().out
    assert Load.objects.count() == before


@pytest.mark.django_db
def test_mode_is_required_when_the_layer_has_rows(sample_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["load", "wards", str(sample_dir / "wards.gpkg"), "--force"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: wards already has 15 rows") and "--mode" in err


@pytest.mark.django_db
def test_duplicate_keys_reject_the_load_and_change_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = _parcel_state()
    path = write_parcels(tmp_path / "dup.gpkg", [LOT, LOT], [lot_row(900, 1), lot_row(900, 1)])
    assert main(["load", "parcels", str(path), "--mode", "replace"]) == 1
    err = capsys.readouterr().err
    assert "dup.gpkg" in err and "duplicate key" in err and "nothing was written" in err
    assert "Traceback" not in err
    assert _parcel_state() == before


@pytest.mark.django_db
def test_missing_required_column_names_file_field_and_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    row = lot_row(901, 1)
    del row["SoThuTuThua"]
    path = write_parcels(tmp_path / "nofield.gpkg", [LOT], [row])
    assert main(["load", "parcels", str(path), "--mode", "append"]) == 1
    err = capsys.readouterr().err
    assert "nofield.gpkg" in err and "parcel_no" in err and "SoThuTuThua" in err and "rename" in err
    assert "'fields: {parcel_no: COLUMN}'" in err and "'constants: {parcel_no: VALUE}'" in err


@pytest.mark.django_db
def test_file_without_crs_that_looks_like_vn2000_names_the_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_parcels(tmp_path / "nocrs.gpkg", [LOT], [lot_row(902, 1)], srs=None)
    assert main(["load", "parcels", str(path), "--mode", "append"]) == 2
    err = capsys.readouterr().err
    assert "look like VN-2000" in err and "--crs vn2000-hcm" in err
    assert main(["load", "parcels", str(path), "--mode", "append", "--crs", "vn2000-hcm", "--quiet"]) == 0
    assert Parcel.objects.filter(map_sheet=902).count() == 1


@pytest.mark.django_db
def test_wgs84_source_is_reprojected_through_epsg_6960(tmp_path: Path) -> None:
    to_wgs84 = crs.transformer(9210, 4326)
    wgs84_lot = shapely.transform(LOT, lambda xy: np.column_stack(to_wgs84.transform(xy[:, 0], xy[:, 1])))
    path = write_parcels(tmp_path / "wgs84.gpkg", [wgs84_lot], [lot_row(903, 1)], srs="EPSG:4326")
    assert main(["load", "parcels", str(path), "--mode", "append", "--quiet"]) == 0
    stored = shapely.from_wkb(bytes(Parcel.objects.get(map_sheet=903).geom.wkb))
    assert shapely.hausdorff_distance(stored, LOT) < 0.001


@pytest.mark.django_db
def test_self_intersecting_polygon_is_repaired_and_listed(tmp_path: Path) -> None:
    bowtie = shapely.Polygon([(598_400, 1_196_500), (598_410, 1_196_510), (598_410, 1_196_500), (598_400, 1_196_510)])
    path = write_parcels(tmp_path / "bowtie.gpkg", [bowtie], [lot_row(904, 1)])
    assert main(["load", "parcels", str(path), "--mode", "append", "--quiet"]) == 0
    load = Load.objects.filter(layer="parcels").first()
    assert load is not None and load.counts["repaired"] == 1
    assert Parcel.objects.get(map_sheet=904).geom.valid


@pytest.mark.django_db
def test_empty_geometry_is_rejected_with_its_feature_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_parcels(tmp_path / "empty.gpkg", [LOT, None], [lot_row(905, 1), lot_row(905, 2)])
    assert main(["load", "parcels", str(path), "--mode", "append"]) == 1
    assert "feature 2, field geometry" in capsys.readouterr().err
    assert main(["load", "parcels", str(path), "--mode", "append", "--max-errors", "1", "--quiet"]) == 0
    assert Parcel.objects.filter(map_sheet=905).count() == 1


@pytest.mark.django_db
def test_replace_swaps_all_rows_and_records_the_changed_extent(tmp_path: Path) -> None:
    path = write_parcels(tmp_path / "one.gpkg", [LOT], [lot_row(906, 1)])
    assert main(["load", "parcels", str(path), "--mode", "replace", "--quiet"]) == 0
    assert Parcel.objects.count() == 1
    load = Load.objects.filter(layer="parcels").first()
    assert load is not None and load.changed_extent is not None
    assert load.changed_extent.area > 1_000_000, "replace changes the old rows' extent too"


@pytest.mark.django_db
def test_upsert_updates_in_place(tmp_path: Path) -> None:
    key = Parcel.objects.order_by("id").values("ward_code", "map_sheet", "parcel_no").first()
    assert key is not None
    row = {
        "MaXa": key["ward_code"],
        "SoHieuToBanDo": key["map_sheet"],
        "SoThuTuThua": key["parcel_no"],
        "DienTich": 12.5,
        "KyHieuMucDichSuDung": "TMD",
    }
    count = Parcel.objects.count()
    path = write_parcels(tmp_path / "up.gpkg", [LOT], [row])
    assert main(["load", "parcels", str(path), "--mode", "upsert", "--quiet"]) == 0
    assert Parcel.objects.count() == count
    assert Parcel.objects.get(**key).land_use == "TMD"


@pytest.mark.django_db
def test_unreadable_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "broken.gpkg"
    path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    assert main(["load", "parcels", str(path), "--mode", "append"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: broken.gpkg") and "\n" not in err


def test_unknown_layer_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["load", "roads", str(tmp_path / "x.gpkg")]) == 2
    assert "unknown layer 'roads'" in capsys.readouterr().err


@pytest.mark.django_db
def test_a_delivery_folder_is_validated_whole_with_dry_run(
    sample_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    loads, parcels = Load.objects.count(), Parcel.objects.count()
    assert main(["load-dir", str(sample_dir), "--mode", "replace", "--dry-run", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "done"
    found = {item["layer"]: (item["status"], item["counts"]["read"]) for item in report["loads"]}
    assert found["parcels"] == ("dry-run", parcels) and found["wards"][0] == "dry-run"
    assert set(found) == {"wards", "wards_2025", "parcels", "zoning", "road_boundaries", "alleys"}
    assert (Load.objects.count(), Parcel.objects.count()) == (loads, parcels), "a dry run writes nothing"


@pytest.mark.django_db
def test_a_delivery_with_refused_files_loads_none_of_its_files(
    sample_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each file was loaded as it came: a refused parcels file left the wards before it replaced. Now every file
    is checked first, every refusal is told, and nothing is written."""
    import shutil

    delivery = tmp_path / "giao_nop"
    delivery.mkdir()
    shutil.copy(sample_dir / "wards.gpkg", delivery / "wards.gpkg")
    shutil.copy(sample_dir / "broken" / "duplicates.gpkg", delivery / "parcels.gpkg")
    shutil.copy(sample_dir / "broken" / "empty_geometry.gpkg", delivery / "road_boundaries.gpkg")
    done = Load.objects.filter(status="done").count()
    wards = list(Load.objects.filter(layer="wards").values_list("pk", flat=True))

    assert main(["load-dir", str(delivery), "--mode", "replace", "--force"]) == 1

    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "error: 2 of 3 files of giao_nop/ refused, so none was loaded:"
    assert lines[1].startswith("  road_boundaries.gpkg: ") and lines[2].startswith("  parcels.gpkg: 2 finding(s)")
    assert Load.objects.filter(status="done").count() == done, "the wards, which passed, were not loaded either"
    assert list(Load.objects.filter(layer="wards").values_list("pk", flat=True)) == wards
    assert main(["load-dir", str(delivery), "--mode", "replace", "--dry-run", "--json"]) == 1
    refused = json.loads(capsys.readouterr().out)["refused"]
    assert [item["file"] for item in refused] == ["road_boundaries.gpkg", "parcels.gpkg"]
    assert {p["fid"] for p in refused[1]["problems"]} >= {3, 4}


@pytest.mark.django_db
def test_a_replace_from_a_file_with_nothing_to_load_is_refused(
    sample_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An empty export loaded with --mode replace emptied the layer (recoverable by rollback, but the map went
    blank until then)."""
    import pyogrio.raw

    meta, _, geoms, columns = pyogrio.raw.read(sample_dir / "parcels.gpkg", max_features=1)
    empty = tmp_path / "thua_dat.gpkg"
    pyogrio.raw.write(empty, geoms[:0], [c[:0] for c in columns], list(meta["fields"]), driver="GPKG",
                      geometry_type="MultiPolygon", crs=meta["crs"], layer="thua")  # fmt: skip
    parcels, loads = Parcel.objects.count(), Load.objects.count()
    assert main(["load", "parcels", str(empty), "--mode", "replace"]) == 1
    assert capsys.readouterr().err.strip() == (
        f"error: thua_dat.gpkg: the file has no features; a replace would empty parcels (its {parcels} rows); "
        "nothing was written. Check the export (its layer: --source-layer)"
    )
    assert (Parcel.objects.count(), Load.objects.count()) == (parcels, loads)
    assert main(["load", "parcels", str(empty), "--mode", "append", "--quiet"]) == 0, "adding nothing harms nothing"


@pytest.mark.django_db
def test_a_csv_without_geometry_columns_is_told_the_names_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "duong.csv"
    table.write_text("ma_doan,toa_do_dong,toa_do_bac\n1,600000,1190000\n", encoding="utf-8")
    assert main(["load", "road_boundaries", str(table), "--mode", "append", "--dry-run"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: duong.csv: no geometry column; name the WKT column one of WKT, ")
    assert "X as one of x, X, easting, toa_do_x" in err and "Y as one of y, Y, northing, toa_do_y" in err


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("layer", "file", "meant"), [("parcels", "zoning.gpkg", "zoning"), ("alleys", "parcels.gpkg", "parcels")]
)
def test_a_file_loaded_into_the_wrong_layer_is_told_which_it_is_for(
    sample_dir: Path, capsys: pytest.CaptureFixture[str], layer: str, file: str, meant: str
) -> None:
    assert main(["load", layer, str(sample_dir / file), "--mode", "append", "--dry-run"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {file}: no column for required field ")
    assert err.endswith(
        f" of {layer}, but its columns are those of {meant}: was it meant for 'gis load {meant} {file}'?"
    )


@pytest.mark.django_db
def test_the_2025_wards_loaded_as_the_old_ones_are_refused(
    sample_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Same columns, reused codes (26968 is Phường 4 and Tân Sơn Nhất): only the names tell the two apart."""
    assert main(["load", "wards", str(sample_dir / "wards_2025.gpkg"), "--mode", "replace", "--dry-run"]) == 1
    assert capsys.readouterr().err.strip() == (
        "error: wards_2025.gpkg: its 6 wards (Bảy Hiền, Tân Bình, Tân Hòa, Tân Sơn, …) are those of wards_2025, "
        "not wards: was it meant for 'gis load wards_2025 wards_2025.gpkg'?"
    )
    assert main(["load", "wards_2025", str(sample_dir / "wards.gpkg"), "--mode", "replace", "--dry-run"]) == 1
    assert "its 15 wards (Phường 1, Phường 10, Phường 11, Phường 12, …) are those of wards" in capsys.readouterr().err
    for layer in ("wards", "wards_2025"):
        assert main(["load", layer, str(sample_dir / f"{layer}.gpkg"), "--mode", "replace", "--dry-run"]) == 0
