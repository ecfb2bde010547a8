"""The read stage: GDAL's Arrow stream gives exactly what its feature interface gives, byte formats included."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely

from layers import registry
from loaders import quality
from loaders.read import ROW_FORMATS, _open_options, _read_rows, gdal_path, read_columnar


def _sources(sample_dir: Path) -> list[Path]:
    found = [p for p in sample_dir.rglob("*") if p.suffix in (".gpkg", ".shp", ".zip", ".geojson", ".gdb")]
    return sorted(p for p in found if p.name != "truncated.gpkg")


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal values and dtype; NaN (a missing number) equals NaN."""
    if a.dtype != b.dtype:
        return False
    if a.dtype.kind == "f":
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(a.tolist() == b.tolist())


def test_columnar_and_row_reads_agree_on_every_sample_file(sample_dir: Path) -> None:
    """TCVN3 and VNI bytes in DBFs must survive the Arrow path byte for byte, as the decode stage needs them."""
    sources = _sources(sample_dir)
    assert {".gpkg", ".shp", ".zip", ".geojson", ".gdb"} <= {p.suffix for p in sources}
    for path in sources:
        source, options = gdal_path(path), _open_options(path)
        layer = str(pyogrio.list_layers(source)[0][0])
        rows, columns = _read_rows(source, layer, options), read_columnar(source, layer, options)
        assert rows[0] == columns[0], path.name
        assert (rows[1] == columns[1]).all(), path.name
        assert rows[2] is not None and columns[2] is not None
        assert list(rows[2]) == list(columns[2]), path.name
        assert rows[3].keys() == columns[3].keys(), path.name
        assert all(_same(rows[3][name], columns[3][name]) for name in rows[3]), path.name


def test_csv_is_read_feature_by_feature() -> None:
    """GDAL's Arrow stream refuses a forced non-UTF-8 encoding for CSV; the row interface reads it."""
    assert ".csv" in ROW_FORMATS


@pytest.mark.parametrize("block", [3, 7, 10_000])
def test_overlaps_found_block_by_block_are_those_found_at_once(monkeypatch: pytest.MonkeyPatch, block: int) -> None:
    squares = [shapely.box(x, 0, x + 10, 10) for x in range(0, 100, 9)]  # each overlaps the next by 10 m²
    squares.append(shapely.box(200, 0, 210, 10))  # alone
    geoms = np.array(squares, dtype=object)
    fids = np.arange(100, 100 + len(geoms))
    monkeypatch.setattr(quality, "OVERLAP_BLOCK", block)
    found = quality.overlaps(registry.PARCELS, fids, geoms)
    pairs = {(p.fid, p.message) for p in found}
    assert len(found) == 2 * (len(squares) - 2)
    assert (100, "overlaps feature 101 by 10.0 m²") in pairs and (101, "overlaps feature 100 by 10.0 m²") in pairs
    assert all(p.fid != 100 + len(squares) - 1 for p in found)
