"""Paths, messages and the one error type shared by every section."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The venv's interpreter and console scripts: `make bench` runs `.venv/bin/python -m bench`.
PYTHON = sys.executable
BIN = Path(sys.executable).parent
# Generated inputs and the loader's scratch space, apart from the served sample (var/sample, var/tiles).
DATA = Path(os.environ.get("GIS_DATA_DIR", str(ROOT / "var"))) / "bench"
RESULTS = ROOT / "bench" / "results"


class BenchError(Exception):
    """A run that cannot give a trustworthy figure (a contender failed, a table has the wrong row count)."""


def say(message: str) -> None:
    """Progress on stderr, so stdout carries only the results table."""
    print(f"bench: {message}", file=sys.stderr, flush=True)


def last_lines(text: str, count: int = 5) -> str:
    """The end of a failed command's output: where the reason usually is."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return " | ".join(lines[-count:])


MARKER = ".complete"


def generate_once(folder: Path, module: str, n: int, what: str) -> None:
    """Run ``python -m <module> n folder`` unless a previous run finished (the marker exists).

    Generation runs in its own process so its memory (≈3 GB at a million parcels) is returned before measuring.
    """
    import subprocess

    if (folder / MARKER).exists():
        return
    say(f"generating {what} in {folder}")
    subprocess.run([PYTHON, "-m", module, str(n), str(folder)], check=True, cwd=ROOT)
