"""QGIS itself (Debian's python3-qgis, 3.22, headless) against the project served from the test database.

QGIS is the desktop client of the other offices: these tests add every layer
as a QGIS user does — vector tiles with the MapLibre style URL, WMTS from the
capabilities, OGC API Features with the downloaded QML — render it, and judge
the pixels against the layer's style and the rows in PostGIS. QGIS runs under
its own interpreter (``tests/qgis/render.py``), never inside the venv.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from tests.server_process import served

QGIS_PYTHON = Path("/usr/bin/python3")
RENDER = Path(__file__).with_name("render.py")
Rendered = tuple[dict[str, Any], np.ndarray]
QgisRun = Callable[[list[dict[str, Any]]], list[Rendered]]
# (layer id, how it was added: vectortile, wmts, oapif, oapif-sld) → (result and image, extent in EPSG:3857)
Extent = tuple[float, float, float, float]
Drawn = dict[tuple[str, ...], tuple[Rendered, Extent]]


def _qgis_present() -> bool:
    probe = subprocess.run([str(QGIS_PYTHON), "-c", "import qgis.core"], capture_output=True, check=False, timeout=60)
    return probe.returncode == 0


@pytest.fixture(scope="session")
def project_scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The QGIS tests' server folder: its caches and ``server.log``, one line per request QGIS made."""
    return tmp_path_factory.mktemp("qgis_server")


@pytest.fixture(scope="session")
def project_server(django_db_setup: None, project_scratch: Path) -> Iterator[str]:
    """The whole project (tiles, MapProxy, styles, OGC API) served from the test database."""
    if not QGIS_PYTHON.exists() or not _qgis_present():
        pytest.skip("QGIS's Python bindings are absent (Debian: apt-get install -y python3-qgis qgis-providers)")
    with served("gis_server.settings", project_scratch) as base:
        yield base


def run_qgis(script: Path, payload: Any, home: Path, timeout: int) -> Any:
    """``script`` under QGIS's Python, headless, ``payload`` as JSON on stdin, ``home`` its profile (a fresh
    folder: fresh settings); what it printed, as JSON."""
    runtime = home / "runtime"  # Qt wants its runtime folder private
    runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
    env = {"PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen", "HOME": str(home), "XDG_RUNTIME_DIR": str(runtime)}
    done = subprocess.run([str(QGIS_PYTHON), str(script)], input=json.dumps(payload), capture_output=True, text=True,
                          timeout=timeout, check=False, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def qgis(tmp_path_factory: pytest.TempPathFactory) -> QgisRun:
    """Render jobs (see render.py) in one QGIS process; each job's result and its image as RGBA (straight alpha)."""
    out = tmp_path_factory.mktemp("qgis")

    def run(jobs: list[dict[str, Any]]) -> list[Rendered]:
        for n, job in enumerate(jobs):
            job["png"] = str(out / f"{n:02d}-{job['name']}.png")
        results = run_qgis(RENDER, jobs, out, timeout=600)["results"]
        return [(result, _rgba(Path(job["png"]))) for result, job in zip(results, jobs, strict=True)]

    return run


def _rgba(png: Path) -> np.ndarray:
    with Image.open(png) as image:
        return np.asarray(image.convert("RGBA"))
