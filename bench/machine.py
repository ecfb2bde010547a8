"""The machine and tool versions a result was measured with, so two results files can be compared fairly."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from pathlib import Path
from typing import Any


def _first(path: str, prefix: str) -> str | None:
    """The value of the first ``prefix: value`` line of a /proc file, if any."""
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(prefix):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def machine() -> dict[str, Any]:
    memory = _first("/proc/meminfo", "MemTotal")
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": _first("/proc/cpuinfo", "model name") or platform.processor(),
        "memory_mb": int(memory.split()[0]) // 1024 if memory else None,
        "kernel": platform.release(),
        "system": platform.system(),
        "machine": platform.machine(),
    }


def command_output(argv: list[str]) -> str | None:
    """First line of a tool's version output; None when the tool is missing."""
    if shutil.which(argv[0]) is None:
        return None
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0] if lines else None


def python_versions() -> dict[str, str]:
    """The wheels' own GDAL, GEOS and PROJ: they differ from the system libraries ogr2ogr and PostGIS use."""
    import numpy
    import psycopg
    import pyogrio
    import pyproj
    import shapely

    return {
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "shapely": shapely.__version__,
        "geos_shapely": shapely.geos_version_string,
        "pyogrio": pyogrio.__version__,
        "gdal_pyogrio": pyogrio.__gdal_version_string__,
        "pyproj": pyproj.__version__,
        "proj_pyproj": pyproj.proj_version_str,
        "psycopg": psycopg.__version__,
        "libpq": str(psycopg.pq.version()),
    }
