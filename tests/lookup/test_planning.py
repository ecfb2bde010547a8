"""The planning report equals an independent shapely computation in VN-2000, parcel by parcel (≥ 200 parcels)."""

from __future__ import annotations

from typing import Any

import pytest
import shapely
from django.db import connection
from django.test import Client

TOLERANCE = 0.11  # 0.1 m² rounding plus float noise
SLIVER = 0.1


def _geoms(statement: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])
        return cursor.fetchall()


def _ids(statement: str, limit: int) -> list[int]:
    return [row[0] for row in _geoms(statement + f" LIMIT {limit}")]


@pytest.fixture(scope="module")
def sample_ids(django_db_setup: None, django_db_blocker: Any) -> dict[str, list[int]]:
    with django_db_blocker.unblock():
        return {
            "two_zones": _ids(
                "SELECT p.id FROM layer_parcels p JOIN layer_zoning z ON ST_Intersects(p.geom, z.geom) "
                "WHERE ST_Area(ST_Intersection(p.geom, z.geom)) > 1 GROUP BY p.id HAVING count(*) > 1 ORDER BY p.id",
                40,
            ),
            "road_and_alley": _ids(
                "SELECT p.id FROM layer_parcels p WHERE EXISTS (SELECT 1 FROM layer_road_boundaries r WHERE "
                "ST_Area(ST_Intersection(p.geom, r.geom)) > 0.5) AND EXISTS (SELECT 1 FROM layer_alleys a WHERE "
                "ST_Area(ST_Intersection(p.geom, a.geom)) > 0.5) ORDER BY p.id",
                20,
            ),
            "touching": _ids(
                "SELECT p.id FROM layer_parcels p JOIN layer_alleys a ON ST_DWithin(p.geom, a.geom, 0.01) "
                "GROUP BY p.id HAVING max(ST_Area(ST_Intersection(p.geom, a.geom))) < 0.05 ORDER BY p.id",
                20,
            ),
            "multipolygon": _ids("SELECT id FROM layer_parcels WHERE ST_NumGeometries(geom) > 1 ORDER BY id", 10),
            "inside_row": _ids(
                "SELECT p.id FROM layer_parcels p JOIN layer_road_boundaries r ON ST_Within(p.geom, r.geom) "
                "ORDER BY p.id",
                5,
            ),
            "any": _ids("SELECT id FROM layer_parcels ORDER BY md5(id::text)", 140),
        }


def expected(parcel_id: int) -> dict[str, Any]:
    """The report's numbers, computed with shapely from the stored VN-2000 geometries."""
    parcel = shapely.from_wkb(
        bytes(_geoms("SELECT ST_AsBinary(geom) FROM layer_parcels WHERE id = %s", [parcel_id])[0][0])
    )
    zones = _geoms("SELECT zone_code, ST_AsBinary(geom) FROM layer_zoning")
    rows = _geoms(
        "SELECT segment_id, ST_AsBinary(geom), ST_AsBinary(centreline), row_width, COALESCE(setback, 0) "
        "FROM layer_road_boundaries UNION ALL SELECT segment_id, ST_AsBinary(geom), ST_AsBinary(centreline), "
        "row_width, COALESCE(setback, 0) FROM layer_alleys"
    )
    zone_areas = {}
    for code, wkb in zones:
        area = shapely.intersection(parcel, shapely.from_wkb(bytes(wkb))).area
        if area >= SLIVER:
            zone_areas[code] = area
    row_geoms, lines, per_row = [], [], {}
    for segment, wkb, centre, width, setback in rows:
        geom = shapely.from_wkb(bytes(wkb))
        if shapely.distance(geom, parcel) > 0.5:
            continue
        if centre:
            line = shapely.buffer(shapely.from_wkb(bytes(centre)), width / 2 + setback, cap_style="flat",
                                  join_style="mitre")  # fmt: skip
        else:
            line = shapely.buffer(geom, setback, join_style="mitre")
        row_geoms.append(geom)
        lines.append(line)
        per_row[segment] = (shapely.intersection(parcel, geom).area, shapely.difference(parcel, line).area)
    in_row = shapely.intersection(parcel, shapely.union_all(row_geoms)).area if row_geoms else 0.0
    buildable = shapely.difference(parcel, shapely.union_all(lines)).area if lines else parcel.area
    return {"area": parcel.area, "zones": zone_areas, "rows": per_row, "in_row": in_row, "buildable": buildable}


def _close(reported: float, truth: float) -> bool:
    truth = 0.0 if truth < SLIVER else truth
    return abs(reported - truth) <= TOLERANCE


@pytest.mark.django_db
def test_reports_match_shapely_for_200_parcels_with_edge_cases(
    client: Client, sample_ids: dict[str, list[int]]
) -> None:
    ids = sorted({i for group in sample_ids.values() for i in group})
    assert len(ids) >= 200
    for group in ("two_zones", "road_and_alley", "touching", "multipolygon"):
        assert sample_ids[group], f"the sample has no {group} parcel"
    for parcel_id in ids:
        report = client.get(f"/api/parcels/{parcel_id}/planning").json()
        truth = expected(parcel_id)
        totals = report["totals"]
        assert _close(totals["area"], truth["area"]), parcel_id
        assert _close(totals["area_in_rights_of_way"], truth["in_row"]), parcel_id
        assert _close(totals["remaining_area"], truth["area"] - (truth["in_row"] if truth["in_row"] >= SLIVER else 0))
        assert _close(totals["buildable_area"], truth["buildable"]), parcel_id
        zones = {z["zone_code"]: z["area"] for z in report["zoning"] if z["zone_code"]}
        assert zones.keys() == truth["zones"].keys(), parcel_id
        assert all(_close(zones[c], a) for c, a in truth["zones"].items()), parcel_id
        assert abs(sum(z["share"] for z in report["zoning"]) - 100.0) <= 0.1 + 1e-9, parcel_id
        rows = {r["segment_id"]: r for r in report["rights_of_way"]}
        assert rows.keys() == truth["rows"].keys(), parcel_id
        for segment, (inside, buildable) in truth["rows"].items():
            assert _close(rows[segment]["area_in_row"], inside), (parcel_id, segment)
            assert _close(rows[segment]["buildable_area"], buildable), (parcel_id, segment)


@pytest.mark.django_db
def test_touching_a_right_of_way_reads_zero(client: Client, sample_ids: dict[str, list[int]]) -> None:
    for parcel_id in sample_ids["touching"]:
        report = client.get(f"/api/parcels/{parcel_id}/planning").json()
        alleys = [r for r in report["rights_of_way"] if r["kind"] == "alleys"]
        assert alleys and all(r["area_in_row"] == 0.0 and not r["cuts"] for r in alleys)


@pytest.mark.django_db
def test_road_and_alley_corner_is_not_counted_twice(client: Client, sample_ids: dict[str, list[int]]) -> None:
    for parcel_id in sample_ids["road_and_alley"]:
        report = client.get(f"/api/parcels/{parcel_id}/planning").json()
        parts = sum(r["area_in_row"] for r in report["rights_of_way"])
        assert report["totals"]["area_in_rights_of_way"] <= parts + 0.11


@pytest.mark.django_db
def test_worked_example_from_domain(client: Client, tmp_path: Any) -> None:
    """DOMAIN.md §6: 5 × 20 m parcel, front 8 m from the centreline of a 20 m road → 10.0 m² in the ROW, 90.0 left;
    with a 3 m setback 75.0 m² buildable."""
    import numpy as np
    import pyogrio

    from loaders.cli import main
    from tests.loaders.test_load import lot_row, write_parcels

    x0, y0 = 598_600.0, 1_195_000.0
    centre = shapely.LineString([(x0 - 50, y0), (x0 + 50, y0)])
    path = tmp_path / "road.gpkg"
    pyogrio.raw.write(
        path, np.array([shapely.to_wkb(centre)], dtype=object),
        [np.array(["T-1"], dtype=object), np.array(["Đường thử"], dtype=object), np.array([20.0]), np.array([3.0])],
        ["ma_doan", "tenduong", "logioi", "khoang_lui"], driver="GPKG", crs="EPSG:9210", geometry_type="LineString",
    )  # fmt: skip
    assert main(["load", "road_boundaries", str(path), "--mode", "append", "--quiet"]) == 0
    lot = shapely.box(x0, y0 + 8, x0 + 5, y0 + 28)
    lots = write_parcels(tmp_path / "lot.gpkg", [lot], [lot_row(777, 1)])
    assert main(["load", "parcels", str(lots), "--mode", "append", "--quiet"]) == 0
    parcel_id = client.get("/api/parcels", {"ward": "P2", "sheet": 777, "parcel": 1}).json()["parcels"][0]["id"]
    report = client.get(f"/api/parcels/{parcel_id}/planning").json()
    road = next(r for r in report["rights_of_way"] if r["segment_id"] == "T-1")
    assert road["area_in_row"] == 10.0
    assert road["buildable_area"] == 75.0
    assert report["totals"]["remaining_area"] == 90.0
