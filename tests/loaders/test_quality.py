"""Quality checks: outside the district rejected; overlaps and area gaps warned, fatal with --strict."""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely
from django.db import connection

from layers.models import Load, Parcel
from loaders.cli import main
from tests.loaders.test_load import LOT, lot_row, write_parcels


@pytest.mark.django_db
def test_feature_outside_the_district_is_rejected(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    far = shapely.affinity.translate(LOT, xoff=20_000)
    path = write_parcels(tmp_path / "far.gpkg", [LOT, far], [lot_row(920, 1), lot_row(920, 2)])
    assert main(["load", "parcels", str(path), "--mode", "append"]) == 1
    assert "feature 2, field geometry: outside the district" in capsys.readouterr().err


@pytest.mark.django_db
def test_utm_tagged_data_lands_outside_and_is_rejected(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_parcels(tmp_path / "utm.gpkg", [LOT], [lot_row(921, 1)], srs="EPSG:32648")
    assert main(["load", "parcels", str(path), "--mode", "append"]) == 1
    assert "utm.gpkg: its one feature lies outside the district (its coordinate system: WGS 84 / UTM zone 48N)" in (
        capsys.readouterr().err
    )


@pytest.mark.django_db
def test_vn2000_coordinates_tagged_as_degrees_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_parcels(tmp_path / "deg.gpkg", [LOT], [lot_row(922, 1)], srs="EPSG:4326")
    assert main(["load", "parcels", str(path), "--mode", "append"]) == 2
    err = capsys.readouterr().err
    assert "not degrees" in err and "--crs vn2000-hcm" in err


@pytest.mark.django_db
def test_prj_without_datum_shift_is_refused_then_loaded_with_the_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    no_shift = "+proj=tmerc +lat_0=0 +lon_0=105.75 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 +units=m +no_defs"
    path = write_parcels(tmp_path / "noshift.gpkg", [LOT], [lot_row(923, 1)], srs=no_shift)
    assert main(["load", "parcels", str(path), "--mode", "append"]) == 2
    assert "without the datum shift" in capsys.readouterr().err
    assert main(["load", "parcels", str(path), "--mode", "append", "--crs", "vn2000-hcm", "--quiet"]) == 0
    stored = shapely.from_wkb(bytes(Parcel.objects.get(map_sheet=923).geom.wkb))
    assert shapely.hausdorff_distance(stored, LOT) < 1e-6


@pytest.mark.django_db
def test_overlaps_and_area_gaps_are_warnings_and_strict_makes_them_fatal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    overlapping = shapely.affinity.translate(LOT, xoff=2.0)  # 3 x 20 m shared = 60 m²
    rows = [lot_row(924, 1), lot_row(924, 2, DienTich=60.0)]
    path = write_parcels(tmp_path / "overlap.gpkg", [LOT, overlapping], rows)
    assert main(["load", "parcels", str(path), "--mode", "append", "--strict"]) == 1
    err = capsys.readouterr().err
    assert "--strict" in err and "overlaps feature 2 by 60.0 m²" in err
    assert main(["load", "parcels", str(path), "--mode", "append", "--json"]) == 0
    import json

    report = json.loads(capsys.readouterr().out)
    messages = {(w["fid"], w["field"], w["message"]) for w in report["warnings"]}
    assert (1, "geometry", "overlaps feature 2 by 60.0 m²") in messages
    assert (2, "area", "official 60.0 m² but the geometry measures 100.0 m²") in messages
    assert Load.objects.get(pk=report["load_id"]).report["warnings"]


@pytest.mark.django_db
def test_centrelines_become_right_of_way_polygons(tmp_path: Path) -> None:
    import numpy as np
    import pyogrio

    from layers.models import Alley

    line = shapely.LineString([(598_400, 1_196_500), (598_500, 1_196_500), (598_500, 1_196_600)])
    path = tmp_path / "hem.gpkg"
    pyogrio.raw.write(
        path, np.array([shapely.to_wkb(line)], dtype=object),
        [np.array(["H-T1"], dtype=object), np.array(["Hẻm thử"], dtype=object), np.array([6.0])],
        ["ma_doan", "tenhem", "logioi"], driver="GPKG", crs="EPSG:9210", geometry_type="LineString",
    )  # fmt: skip
    assert main(["load", "alleys", str(path), "--mode", "append", "--quiet"]) == 0
    alley = Alley.objects.get(segment_id="H-T1")
    polygon = shapely.from_wkb(bytes(alley.geom.wkb))
    assert polygon.area == pytest.approx(200 * 6.0, abs=1e-6)  # mitred corner, flat caps: exactly length x width
    assert shapely.equals(shapely.from_wkb(bytes(alley.centreline.wkb)), shapely.MultiLineString([line]))
    with connection.cursor() as cursor:
        cursor.execute("SELECT ST_Area(geom) FROM layer_alleys WHERE segment_id = 'H-T1'")
        assert cursor.fetchone()[0] == pytest.approx(1200.0, abs=1e-6)
