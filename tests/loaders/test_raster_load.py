"""`gis load imagery`: a VN-2000 GeoTIFF becomes the served Cloud-Optimized GeoTIFF; rollback switches back."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.orthophoto import write_orthophoto
from layers.models import Load, RasterDataset
from loaders.cli import main
from loaders.imagery import is_cog

WINDOW = (598_000.0, 1_196_000.0, 598_400.0, 1_196_400.0)


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, settings: object) -> Path:
    settings.GIS_DATA_DIR = tmp_path / "data"
    return tmp_path / "data"


@pytest.mark.django_db
def test_orthophoto_loads_as_the_active_cog_and_rolls_back(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = write_orthophoto(tmp_path / "a.tif", bounds_vn2000=WINDOW, resolution=2.0, seed=1)
    second = write_orthophoto(tmp_path / "b.tif", bounds_vn2000=WINDOW, resolution=2.0, seed=2)
    assert main(["load", "imagery", str(first)]) == 2
    assert "--crs vn2000-hcm" in capsys.readouterr().err
    assert main(["load", "imagery", str(first), "--crs", "vn2000-hcm", "--quiet"]) == 0
    assert main(["load", "imagery", str(second), "--crs", "vn2000-hcm", "--quiet"]) == 0
    active = RasterDataset.objects.get(layer="imagery", active=True)
    assert is_cog(Path(active.path))
    assert active.source_sha256 == Load.objects.filter(layer="imagery").first().sha256  # type: ignore[union-attr]
    extent = Load.objects.filter(layer="imagery", status="done").first().changed_extent  # type: ignore[union-attr]
    assert extent is not None and extent.srid == 9210
    xmin, _ymin, _xmax, ymax = extent.extent
    assert abs(xmin - WINDOW[0]) < 5 and abs(ymax - WINDOW[3]) < 5
    latest = RasterDataset.objects.get(active=True).load_id
    assert main(["loads", "rollback", str(latest), "--quiet"]) == 0
    restored = RasterDataset.objects.get(layer="imagery", active=True)
    assert restored.load_id < latest
    assert main(["load", "imagery", str(first), "--crs", "vn2000-hcm"]) == 0  # same file as the active one
    assert "unchanged since load" in capsys.readouterr().out
