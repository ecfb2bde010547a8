"""Each deliberately broken sample file: the loader's verdict and report name exactly the bad features."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fixtures.broken import EXPECTED
from layers.models import Load, Parcel
from loaders.cli import main
from loaders.read import cut_short

# kind → (exit code, where the report lists the features)
VERDICT: dict[str, tuple[int, str]] = {
    "self_intersection": (0, "repaired"),
    "duplicate_key": (1, "problems"),
    "missing_field": (1, "message"),
    "missing_value": (1, "problems"),
    "crs_out_of_range": (2, "message"),
    "outside": (1, "problems"),
    "no_crs": (2, "message"),
    "unreadable": (1, "message"),
    "truncated": (1, "problems"),
    "wrong_encoding": (0, "notes"),
    "wrong_geometry_type": (1, "problems"),
    "overlap": (0, "warnings"),
    "area_mismatch": (0, "warnings"),
    "empty_geometry": (1, "problems"),
}


def _run(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict[str, Any]]:
    args = ["load", "parcels", str(path), "--mode", "replace", "--force", "--json", *extra]
    if path.suffix == ".shp":
        args += ["--crs", "vn2000-hcm"] if path.name != "no_crs.shp" else []
    code = main(args)
    return code, json.loads(capsys.readouterr().out)


def _fids(report: dict[str, Any], key: str) -> set[int]:
    if key == "repaired":
        return set(report["repaired"])
    return {int(p["fid"]) for p in report[key]}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_file(sample_dir: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    expected = EXPECTED[name]
    before = Parcel.objects.count()
    code, report = _run(sample_dir / "broken" / name, capsys)
    exit_code, where = VERDICT[expected["kind"]]
    assert code == exit_code, report
    if code != 0:
        assert Parcel.objects.count() == before, "a refused load must change nothing"
        assert name in report["message"]
    if where in ("problems", "warnings", "repaired"):
        assert _fids(report, where) == set(expected["fids"])
    elif where == "message":
        assert expected["field"] in report["message"] or expected["kind"] in (
            "unreadable",
            "no_crs",
            "crs_out_of_range",
        )
    elif where == "notes":
        assert report["notes"]["encoding"] == expected["actual"]


@pytest.mark.django_db
def test_strict_turns_overlap_warnings_into_refusal(sample_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = _run(sample_dir / "broken" / "overlaps.gpkg", capsys, "--strict")
    assert code == 1
    assert "--strict" in report["message"]
    assert report["load_id"]


@pytest.mark.django_db
def test_a_file_wholly_outside_the_district_is_told_to_check_its_crs(
    sample_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two hundred 'outside the district' findings say less than one line about the coordinate system."""
    code, report = _run(sample_dir / "broken" / "wrong_crs_utm.gpkg", capsys)
    count = len(EXPECTED["wrong_crs_utm.gpkg"]["fids"])
    assert code == 1
    assert report["message"].startswith(
        f"wrong_crs_utm.gpkg: all {count} features lie outside the district "
        "(its coordinate system: WGS 84 / UTM zone 48N); if the coordinates are in another one, say which with --crs"
    )
    code, report = _run(sample_dir / "broken" / "outside.gpkg", capsys)
    assert code == 1 and "First: feature" in report["message"], "a few strays are listed as findings"


@pytest.mark.django_db
def test_a_refusal_says_where_every_finding_is_listed(sample_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    loads = Load.objects.count()
    code, dry = _run(sample_dir / "broken" / "duplicates.gpkg", capsys, "--dry-run")
    assert code == 1 and dry["message"].endswith("Fix the source; --json lists them all.")
    assert Load.objects.count() == loads, "a dry run records nothing"
    code, report = _run(sample_dir / "broken" / "duplicates.gpkg", capsys)
    assert code == 1 and report["message"].endswith(
        f"Fix the source; 'gis loads show {report['load_id']}' lists them all."
    )
    record = Load.objects.get(pk=report["load_id"])
    assert record.status == "rejected" and record.report["message"] == report["message"]


@pytest.mark.django_db
def test_loads_show_lists_the_warnings_and_repairs_a_load_points_to(
    sample_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A load with warnings says "see 'gis loads show ID'": that command lists them (it listed rejections only)."""
    code, report = _run(sample_dir / "broken" / "overlaps.gpkg", capsys)
    assert code == 0 and f"; 'gis loads show {report['load_id']}' lists them" in report["message"]
    assert main(["loads", "show", str(report["load_id"])]) == 0
    shown = capsys.readouterr().out
    assert f"warnings ({len(report['warnings'])}):" in shown
    for fid in EXPECTED["overlaps.gpkg"]["fids"]:
        assert f"  feature {fid}, field geometry: overlaps feature " in shown
    code, report = _run(sample_dir / "broken" / "self_intersections.gpkg", capsys)
    assert code == 0 and main(["loads", "show", str(report["load_id"])]) == 0
    repaired = sorted(EXPECTED["self_intersections.gpkg"]["fids"])
    assert (
        f"repaired (made valid) ({len(repaired)}): features {', '.join(map(str, repaired))}" in capsys.readouterr().out
    )


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["overlaps.gpkg", "area_gap.gpkg", "self_intersections.gpkg", "wrong_encoding.shp"])
def test_the_one_line_says_what_the_load_did_to_the_data(
    sample_dir: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    """A dry run that passes said only "would load 200 features": the warnings, repairs and legacy text it found
    are what the person running it needs to see."""
    expected = EXPECTED[name]
    code, report = _run(sample_dir / "broken" / name, capsys, "--dry-run")
    assert code == 0
    fids = sorted(expected["fids"]) or [0]  # the wrong encoding has no feature to name
    says = {
        "overlap": f"; {len(fids)} warning(s), first: feature {fids[0]}, geometry: overlaps feature",
        "area_mismatch": f"; {len(fids)} warning(s), first: feature {fids[0]}, area: official ",
        "self_intersection": f"; {len(fids)} invalid geometries repaired (make-valid); --json lists them",
        "wrong_encoding": "; text converted from TCVN3 (ABC) (",
    }[expected["kind"]]
    rows = Parcel.objects.count()
    assert report["message"].startswith(
        f"parcels: {name} would load 200 features in place of the {rows} rows parcels has (dry run)"
    )
    assert says in report["message"]
    code, report = _run(sample_dir / "broken" / name, capsys)
    assert code == 0 and says.replace("--json", f"'gis loads show {report['load_id']}'") in report["message"]


@pytest.mark.django_db
def test_a_damaged_geopackage_is_told_to_be_copied_again(
    sample_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SQLite's words for a GeoPackage cut short came wrapped in the SQL GDAL was running."""
    code, report = _run(sample_dir / "broken" / "truncated.gpkg", capsys)
    assert code == 1 and report["message"] == (
        "truncated.gpkg: the file is damaged (SQLite: database disk image is malformed), most likely cut short by "
        "an interrupted copy or download; copy it again"
    )
    junk = tmp_path / "junk.gpkg"
    junk.write_bytes(bytes(range(256)) * 4)
    code, report = _run(junk, capsys)
    assert code == 1 and report["message"].startswith("junk.gpkg: GDAL cannot read it as a vector file (")
    assert "It might help" not in report["message"], "GDAL's hint is for its own command line"


@pytest.mark.django_db
def test_a_shapefile_cut_short_is_told_to_be_copied_again(sample_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """GDAL opens a .shp cut short and gives the features from the cut on no geometry: one bad copy, not a hundred
    bad features — found from the .shx's record offsets."""
    from fixtures.broken import TRUNCATE_AT_RECORD

    code, report = _run(sample_dir / "broken" / "truncated.shp", capsys)
    count = len(EXPECTED["truncated.shp"]["fids"]) + TRUNCATE_AT_RECORD
    assert code == 1
    assert report["message"].startswith(
        f"truncated.shp: the file stops inside feature {TRUNCATE_AT_RECORD} of {count} — cut short by an interrupted "
        f"copy or download, so features {TRUNCATE_AT_RECORD}–{count - 1} have no geometry; copy the whole Shapefile"
    )
    code, report = _run(sample_dir / "broken" / "empty_geometry.gpkg", capsys)
    assert code == 1 and "First: feature" in report["message"], "features without geometry in a whole file: listed"
    assert cut_short(sample_dir / "broken" / "truncated.shp") == TRUNCATE_AT_RECORD
    assert cut_short(sample_dir / "legacy" / "parcels_tcvn3.shp") is None
    assert cut_short(sample_dir / "broken" / "no_crs.shp") is None
