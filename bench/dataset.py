"""The whole sample district in the benchmark database, for the sections that serve it (``tiles``, ``lookup``).

The load section only needs parcels and wards; a served district also needs
the zoning plan, the roads and the alleys (the IOC tiles draw them, the
planning report intersects them). They come from the same generator, seed and
size as the parcels (the alleys depend on the parcel count), are written once
per size under ``var/bench/seed-1536-n-N-context`` and loaded through ``gis
load`` like any delivery. Whatever already holds the right file is kept, so a
run after the load section reuses its parcels, and the load section, which
empties ``layer_parcels`` itself before each run, is unaffected.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from bench import database, inputs
from bench.common import BIN, DATA, MARKER, ROOT, BenchError, generate_once, say
from bench.database import Database
from bench.inputs import SEED, Inputs
from bench.load import load_wards, loader_env

CONTEXT_LAYERS = ("zoning", "road_boundaries", "alleys")
PARCELS_TABLE = "layer_parcels"


@dataclass(frozen=True)
class Context:
    """The non-parcel layers of one benchmark size, in VN-2000 as the fixtures write them."""

    n: int
    folder: Path

    def path(self, layer: str) -> Path:
        return self.folder / f"{layer}.gpkg"


def ensure_files(n: int) -> Context:
    """Generated once per size, in its own process (a million-parcel district takes about a minute and 3 GB)."""
    context = Context(n, DATA / f"seed-{SEED}-n-{n}-context")
    generate_once(context.folder, "bench.dataset", n, f"the zoning, roads and alleys of the {n}-parcel district")
    return context


def write(n: int, folder: Path) -> None:
    from fixtures.district import generate
    from fixtures.write import write_layer

    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).unlink(missing_ok=True)
    district = generate(seed=SEED, parcels=n)
    context = Context(n, folder)
    for layer in CONTEXT_LAYERS:
        write_layer(district[layer], layer, context.path(layer))
    (folder / MARKER).touch()


def holds(db: Database, layer: str, path: Path) -> bool:
    """Whether the layer's newest finished load is this file and its table is not empty."""
    with db.connect() as conn:
        row = conn.execute(
            "SELECT source FROM gis_load WHERE layer = %s AND status = 'done' ORDER BY id DESC LIMIT 1", [layer]
        ).fetchone()
    if row is None or (ROOT / str(row[0])).resolve() != path.resolve():
        return False
    return database.count(db, f"layer_{layer}") > 0


def load_layer(db: Database, layer: str, path: Path) -> None:
    """``gis load`` with --force: the same file may have been loaded before into a table emptied since."""
    if holds(db, layer, path):
        return
    say(f"loading {layer} from {path.relative_to(ROOT, walk_up=True)} into {db.name}")
    argv = [str(BIN / "gis"), "load", layer, str(path), "--mode", "replace", "--force", "--quiet"]
    database.run_quietly(argv, loader_env(db), f"loading {layer} into {db.name}")


def ensure_loaded(db: Database, n: int) -> Inputs:
    """Every layer of the ``n``-parcel district in the benchmark database, statistics fresh."""
    data, context = inputs.ensure(n), ensure_files(n)
    load_wards(db, data)
    for layer in CONTEXT_LAYERS:
        load_layer(db, layer, context.path(layer))
    load_layer(db, "parcels", data.parcels)
    rows = database.count(db, PARCELS_TABLE)
    if rows != n:
        raise BenchError(f"{PARCELS_TABLE} holds {rows} rows after loading {data.parcels}, expected {n}")
    tables = ", ".join(f"layer_{layer}" for layer in (*CONTEXT_LAYERS, "parcels", "wards", "wards_2025"))
    database.execute(db, f"ANALYZE {tables}")
    return data


if __name__ == "__main__":
    write(int(sys.argv[1]), Path(sys.argv[2]))
