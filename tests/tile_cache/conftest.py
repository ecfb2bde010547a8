"""Every vector-tile test writes its tiles under its own temporary folder, never the served cache."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def tile_dir(tmp_path: Path, settings: Any) -> Iterator[Path]:
    settings.GIS_TILE_CACHE_DIR = tmp_path / "tiles"
    yield tmp_path / "tiles"
