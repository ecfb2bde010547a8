"""Each deliberately broken sample file: the loader's verdict and report name exactly the bad features."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fixtures.broken import EXPECTED
from layers.models import Parcel
from loaders.cli import main

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
