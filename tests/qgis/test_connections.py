"""The QGIS connection files (``/qgis/{kind}.xml``) imported by QGIS itself hold exactly the connections the
rendering tests prove: every layer the README's ways, with the same addresses, zoom ranges and style URLs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.request import urlopen

import pytest

from gis_server.qgis_connections import KINDS
from layers import registry
from tests.qgis.conftest import run_qgis
from tests.qgis.test_qgis import download, ioc_job, jobs_for

IMPORT = Path(__file__).with_name("connections.py")
NO_EXTENT = (0.0, 0.0, 1.0, 1.0)  # the jobs' extents are the rendering tests' business


@pytest.fixture(scope="module")
def imported(project_server: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, dict[str, str]]]:
    """Every file downloaded from the server and loaded into a fresh QGIS profile; what QGIS stored, by kind."""
    folder = tmp_path_factory.mktemp("qgis_connections")
    files = {kind: download(f"{project_server}/qgis/{kind}.xml", folder / f"{kind}.xml") for kind in KINDS}
    found = run_qgis(IMPORT, files, folder / "home", timeout=120)
    return {**found["stored"], "browsed": found["browsed"]}


def _proven(base: str, folder: Path) -> list[dict[str, Any]]:
    """The ways the rendering tests add each layer (and the IOC tileset), which they prove QGIS draws."""
    jobs = [job for layer_id in registry.ids() for job in jobs_for(base, layer_id, NO_EXTENT, folder)]
    return [*jobs, ioc_job(base, NO_EXTENT)]


def test_qgis_imports_a_vector_tile_connection_per_tileset_with_its_style(
    imported: dict[str, Any], project_server: str, tmp_path: Path
) -> None:
    stored = {(c["url"], c["zmin"], c["zmax"], c["styleUrl"]) for c in imported["vector-tiles"].values()}
    proven = {(j["url"], str(j["zmin"]), str(j["zmax"]), j["style"])
              for j in _proven(project_server, tmp_path) if j["kind"] == "vectortile"}  # fmt: skip
    assert stored == proven and len(stored) == len(registry.LAYERS) + 1
    assert all(name.startswith("Tân Bình — ") for name in imported["vector-tiles"]), "Vietnamese names kept"


def test_qgis_imports_the_raster_tile_connections(
    imported: dict[str, Any], project_server: str, tmp_path: Path
) -> None:
    proven = _proven(project_server, tmp_path)
    xyz = {(c["url"], c["zmin"], c["zmax"]) for c in imported["xyz"].values()}
    assert xyz == {(j["url"], str(j["zmin"]), str(j["zmax"])) for j in proven if j["kind"] == "xyz"}
    ows = {c["url"] for c in imported["wms"].values()}
    assert ows == {j["url"] for j in proven if j["kind"] == "wmts"}, "the WMTS capabilities and the WMS"
    (wmts,) = [items for name, items in imported["browsed"]["wms"].items() if name.endswith("WMTS")]
    assert {layer.title_vi for layer in registry.LAYERS} <= {name for name, _provider, _uri in wmts}


def test_qgis_imports_the_ogc_api_features_connection(imported: dict[str, Any], project_server: str) -> None:
    (connection,) = imported["features"].values()
    assert (connection["url"], connection["version"]) == (f"{project_server}/ogc", "OGC_API_FEATURES")
    (listed,) = imported["browsed"]["features"].values()
    found = {re.search(r"typename='([a-z_0-9]+)'", uri)[1]: provider for _name, provider, uri in listed}  # type: ignore[index]
    assert found == dict.fromkeys(registry.ids(), "OAPIF"), "every layer, through QGIS's OGC API provider"


def test_an_unknown_connection_file_is_a_404_that_names_the_others(project_server: str) -> None:
    from urllib.error import HTTPError

    with pytest.raises(HTTPError) as raised:
        urlopen(f"{project_server}/qgis/postgis.xml", timeout=30)
    assert raised.value.code == 404 and "vector-tiles" in raised.value.read().decode()
