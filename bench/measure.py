"""Run one contender as a subprocess: wall time from spawn to exit, and its peak resident memory.

Every contender — our ``gis`` loader, ``ogr2ogr`` and the floor script — is
measured the same way: wall time includes process start-up (imports, Django
set-up, GDAL driver registration), and memory is the kernel's peak RSS of the
process (``/usr/bin/time -f %M``). The PostgreSQL server's own memory is not
counted for anyone.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import PYTHON, ROOT, BenchError, last_lines

GNU_TIME = "/usr/bin/time"


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float
    # Share of the machine's CPU time other processes used in the second before the run: on a shared
    # machine, the first thing to check when a figure looks odd.
    busy_before: float = 0.0


@dataclass
class Series:
    """The runs of one contender at one size."""

    contender: str
    n: int
    runs: list[Run] = field(default_factory=list)

    @property
    def median_s(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def best_s(self) -> float:
        return min(r.seconds for r in self.runs)

    @property
    def rate(self) -> float:
        """Features per second at the median time: one slow outlier does not move it, unlike the mean."""
        return self.n / self.median_s

    @property
    def peak_mb(self) -> float:
        return max(r.peak_mb for r in self.runs)


def _cpu_times() -> tuple[int, int]:
    """(idle + iowait, total) jiffies since boot, from the first line of /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return fields[3] + fields[4], sum(fields)


def cpu_busy(window: float = 1.0) -> float:
    """Share of all CPUs busy over ``window`` seconds (0 where /proc/stat is missing).

    Taken right before a run, when none of our own contenders is running, it
    measures what else the machine is doing; a load average would still carry
    the previous contender.
    """
    try:
        idle_0, total_0 = _cpu_times()
        time.sleep(window)
        idle_1, total_1 = _cpu_times()
    except (OSError, ValueError, IndexError):
        return 0.0
    total = total_1 - total_0
    return 0.0 if total <= 0 else 1.0 - (idle_1 - idle_0) / total


def _wrapped(argv: list[str], report: Path) -> list[str]:
    """GNU time when installed; else a one-child Python runner reading the same kernel counter."""
    if shutil.which(GNU_TIME):
        return [GNU_TIME, "-f", "%M", "-o", str(report), *argv]
    return [PYTHON, "-m", "bench.rusage", str(report), *argv]


def measure(argv: list[str], env: dict[str, str], busy_before: float = 0.0) -> Run:
    """One timed run; a failing contender stops the benchmark with the end of its output."""
    with tempfile.TemporaryDirectory(prefix="gis-bench-") as scratch:
        report = Path(scratch) / "rusage"
        start = time.perf_counter()
        done = subprocess.run(_wrapped(argv, report), env=env, cwd=ROOT, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            raise BenchError(f"{Path(argv[0]).name} failed (exit {done.returncode}): "
                             f"{last_lines(done.stdout + done.stderr)}")  # fmt: skip
        # GNU time writes "Command exited with non-zero status" first when it does; the figure is the last line.
        kib = int(report.read_text().strip().splitlines()[-1])
    return Run(seconds, kib / 1024, busy_before)
