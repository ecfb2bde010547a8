"""``python -m bench [--sizes 100000,1000000] [--repeat N] [--only load,tiles,lookup,ogc] [--quick]``.

Sections are independent: each takes the configuration and the benchmark
database and returns a ``SectionResult``; adding figures means adding one
entry to ``SECTIONS``. The serving sections (``tiles``, ``lookup``, ``ogc``) run at
``SERVING_SIZES`` unless ``--sizes`` is given: a million parcels is optional.
The results file is merged by figure name, so one section's run keeps the
others' figures.
"""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import load, lookup, machine, merge, ogc, report, tiles
from bench.common import RESULTS, BenchError
from bench.config import DEFAULT_SIZES, QUICK_SIZE, Config
from bench.database import Database, bench_database, provision, server_versions
from bench.figures import SectionResult

SECTIONS: dict[str, Callable[[Config, Database], SectionResult]] = {
    "load": load.run,
    "tiles": tiles.run,
    "lookup": lookup.run,
    "ogc": ogc.run,
}
# Sizes of the serving sections when --sizes is not given (three minutes each at most on two cores).
SERVING_SIZES = {"tiles": (100_000,), "lookup": (100_000,), "ogc": (100_000,)}
MIN_SIZE = 100


def _sizes(text: str) -> tuple[int, ...]:
    """argparse type: comma-separated parcel counts (``1000000`` or ``1_000_000``)."""
    try:
        sizes = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of integers: {text!r}") from None
    if not sizes or min(sizes) < MIN_SIZE:
        raise argparse.ArgumentTypeError(f"give one or more sizes, each at least {MIN_SIZE}")
    return sizes


def _sections(text: str) -> tuple[str, ...]:
    """argparse type: known section names, comma-separated."""
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [n for n in names if n not in SECTIONS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"sections are: {', '.join(SECTIONS)}")
    return names


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description="Measure the GIS server against outside anchors.")
    p.add_argument("--sizes", type=_sizes, help=f"parcel counts (default {','.join(map(str, DEFAULT_SIZES))}; "
                   f"{SERVING_SIZES['tiles'][0]} for tiles, lookup and ogc)")  # fmt: skip
    p.add_argument("--repeat", type=int, choices=range(1, 21), metavar="N",
                   help="runs per contender and size (default 3, 1 from a million parcels)")  # fmt: skip
    p.add_argument("--only", type=_sections, default=tuple(SECTIONS), help=f"sections: {', '.join(SECTIONS)}")
    p.add_argument("--quick", action="store_true", help=f"smoke run: {QUICK_SIZE} parcels, one run each")
    p.add_argument("--output", type=Path, help="results file (default bench/results/latest.json; quick.json "
                   "with --quick, so a smoke run never replaces real figures)")  # fmt: skip
    return p


def section_config(config: Config, name: str, sizes_given: bool) -> Config:
    """The run's configuration, with the serving sections' own default sizes unless --sizes or --quick set them."""
    if sizes_given or config.quick or name not in SERVING_SIZES:
        return config
    return dataclasses.replace(config, sizes=SERVING_SIZES[name])


def configure(args: argparse.Namespace) -> tuple[Config, Path]:
    """--quick sets the size and the repeat count unless they are given explicitly."""
    sizes = args.sizes or ((QUICK_SIZE,) if args.quick else DEFAULT_SIZES)
    repeat = args.repeat or (1 if args.quick else None)
    output = args.output or RESULTS / ("quick.json" if args.quick else "latest.json")
    return Config(sizes, repeat, args.only, args.quick), output


def environment(db: Database) -> dict[str, Any]:
    """Taken after the sections ran, from the same server the figures came from."""
    versions = {**server_versions(db), **machine.python_versions()}
    return {"machine": machine.machine(), "versions": versions, "database": db.name}


def main(argv: list[str] | None = None) -> int:
    """Exit 0 when every figure was measured, whether or not its goal was met: goals are reported, not enforced."""
    args = parser().parse_args(argv)
    config, output = configure(args)
    try:
        db = bench_database()
        provision(db)
        results = [SECTIONS[name](section_config(config, name, args.sizes is not None), db) for name in config.sections]
        body = report.document(config, environment(db), results)
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as error:
        print(f"error: {' '.join(map(str, error.cmd))} failed (exit {error.returncode})", file=sys.stderr)
        return 1
    print(report.render(results))
    report.write(output, merge.merged(output, body))
    print(f"results: {output}")
    return 0
