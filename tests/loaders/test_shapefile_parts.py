"""A Shapefile that travelled without one of its files is told which one, before GDAL reads what is left."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from loaders.cli import main

PARTS = ("thua.shp", "thua.shx", "thua.dbf", "thua.prj")


def _copy(sample_dir: Path, folder: Path, *parts: str) -> Path:
    folder.mkdir()
    for part in parts:
        shutil.copy(sample_dir / "legacy" / f"parcels_tcvn3{Path(part).suffix}", folder / part)
    return folder / "thua.shp"


def _error(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["load", "parcels", *args, "--mode", "append", "--crs", "vn2000-hcm", "--dry-run"]) == 1
    return capsys.readouterr().err.strip()


@pytest.mark.django_db
@pytest.mark.parametrize("missing", ["thua.dbf", "thua.shx"])
def test_a_shapefile_without_a_part_names_it(
    sample_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], missing: str
) -> None:
    """Without its .dbf GDAL read geometries alone, and the report blamed a missing ward_code column."""
    shp = _copy(sample_dir, tmp_path / "giao_nop", *(p for p in PARTS if p != missing))
    assert _error([str(shp)], capsys) == (
        f"error: thua.shp: {missing} missing, without which it cannot be read (a Shapefile is several files: "
        f".shp, .shx, .dbf, .prj); copy {missing} with it"
    )


@pytest.mark.django_db
def test_a_zip_without_a_part_or_without_a_shapefile_says_so(
    sample_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "parts"
    _copy(sample_dir, folder, *PARTS)
    partial, other = tmp_path / "thua.zip", tmp_path / "ghi_chu.zip"
    with zipfile.ZipFile(partial, "w") as archive:
        for part in ("thua.shp", "thua.shx", "thua.prj"):
            archive.write(folder / part, f"ThuaDat/{part.upper()}")  # a folder and capitals, as Windows zips them
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("ghi_chu.txt", "xem tệp đính kèm")
    assert _error([str(partial)], capsys) == (
        "error: thua.zip: THUA.dbf missing, without which THUA.SHP in the .zip cannot be read (a Shapefile is "
        "several files: .shp, .shx, .dbf, .prj); copy THUA.dbf with it"
    )
    assert _error([str(other)], capsys) == (
        "error: ghi_chu.zip: the .zip holds no Shapefile, File Geodatabase or GeoPackage (it has: ghi_chu.txt); "
        "zip the .shp with its .shx, .dbf and .prj, or the .gdb folder"
    )
    with zipfile.ZipFile(partial, "a") as archive:
        archive.write(folder / "thua.dbf", "ThuaDat/THUA.DBF")
    assert main(["load", "parcels", str(partial), "--mode", "append", "--crs", "vn2000-hcm", "--dry-run"]) == 0


@pytest.mark.parametrize("name", ["parcels.gdb", "parcels_vilis.gpkg"])
def test_a_zipped_geodatabase_or_geopackage_reads_as_the_original(sample_dir: Path, tmp_path: Path, name: str) -> None:
    """ESRI hands out a File Geodatabase as a .zip of its folder; it was refused as holding no Shapefile."""
    import numpy as np

    from loaders.read import read_source

    original = sample_dir / "legacy" / name
    zipped = tmp_path / f"{name}.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        for file in [original] if original.is_file() else sorted(original.iterdir()):
            archive.write(file, file.relative_to(original.parent).as_posix())
    ours, theirs = read_source(zipped), read_source(original)
    assert len(ours.fids) == len(theirs.fids) > 0 and ours.crs == theirs.crs
    assert ours.columns.keys() == theirs.columns.keys()
    for column, values in theirs.columns.items():
        assert np.array_equal(ours.columns[column], values, equal_nan=values.dtype.kind == "f"), column
    assert not ours.raw_text, "their text is Unicode already, not bytes to decode"
