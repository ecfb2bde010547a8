"""Benchmark inputs: the sample district's parcels in WGS84, cached under ``var/bench`` by size.

The parcels are written in EPSG:4326 so that every contender has to do the
VN-2000 datum shift (EPSG:6960) on the way in; the wards stay in VN-2000 as
the fixtures write them, since they only set up the loader's district check.
Generating a million parcels takes about a minute and 3 GB, so each size is
generated once, in its own process (its memory is returned before anything
is measured), and reused by later runs.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from bench.common import DATA, MARKER, ROOT, generate_once

SEED = 1536


@dataclass(frozen=True)
class Inputs:
    """The files of one benchmark size."""

    n: int
    folder: Path

    @property
    def parcels(self) -> Path:
        return self.folder / "parcels-4326.gpkg"

    @property
    def wards(self) -> Path:
        return self.folder / "wards.gpkg"

    @property
    def wards_2025(self) -> Path:
        return self.folder / "wards_2025.gpkg"

    def describe(self) -> dict[str, object]:
        """What the figures were measured on, for the results file."""
        return {"parcels": self.n, "file": str(self.parcels.relative_to(ROOT, walk_up=True)),
                "bytes": self.parcels.stat().st_size}  # fmt: skip


def ensure(n: int) -> Inputs:
    """The inputs for ``n`` parcels, generated only when missing (or left incomplete by an interrupted run)."""
    inputs = Inputs(n, DATA / f"seed-{SEED}-n-{n}")
    generate_once(inputs.folder, "bench.inputs", n, f"the sample district with {n} parcels (seed {SEED})")
    return inputs


def write(n: int, folder: Path) -> None:
    """Generate the district and write the parcels (WGS84) and both ward layers (VN-2000)."""
    import numpy as np
    import pyogrio.raw
    import shapely

    from fixtures.district import generate
    from fixtures.write import column, write_layer
    from layers.crs import VN2000_SRID, WGS84_SRID, transformer

    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).unlink(missing_ok=True)
    district = generate(seed=SEED, parcels=n)
    inputs = Inputs(n, folder)
    write_layer(district["wards"], "wards", inputs.wards)
    write_layer(district["wards_2025"], "wards_2025", inputs.wards_2025)
    parcels = district["parcels"]
    to_wgs84 = transformer(VN2000_SRID, WGS84_SRID)  # the pinned EPSG:6960 Helmert, never PROJ's pick
    geoms = shapely.transform(parcels.geoms, lambda xy: np.column_stack(to_wgs84.transform(xy[:, 0], xy[:, 1])))
    cols = [column(parcels.column(name)) for name in parcels.fields]
    inputs.parcels.unlink(missing_ok=True)
    pyogrio.raw.write(
        str(inputs.parcels),
        geometry=shapely.to_wkb(geoms),
        field_data=[c for c, _ in cols],
        fields=list(parcels.fields),
        field_mask=[m for _, m in cols],
        crs="EPSG:4326",
        geometry_type="MultiPolygon",
        driver="GPKG",
        layer="parcels",
    )
    (folder / MARKER).touch()


if __name__ == "__main__":
    write(int(sys.argv[1]), Path(sys.argv[2]))
